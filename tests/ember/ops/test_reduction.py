"""Reductions, softmax family and cumulative ops against PyTorch (see tests/ember/harness.py)."""
import numpy as np

from tests.ember.harness import Op, op_tests


def _with_zeros(a, i):
    a = a.copy()
    a.reshape(-1)[::4] = 0
    return a


def _ties(a, i):
    return np.round(a)


R3 = [(3, 4, 5)]
SPECS = [
    Op("sum", lambda m, x: x.sum(), [(3, 4), (), (0, 3), (2, 3, 4)]),
    Op("sum_dim", lambda m, x: x.sum(1), [(3, 4), (2, 3, 4), (3, 0)]),
    Op("sum_neg_keep", lambda m, x: x.sum(-1, keepdim=True), [(3, 4), (2, 3, 4)]),
    Op("sum_tuple", lambda m, x: m.sum(x, dim=(0, 2)), R3),
    Op("sum_tuple_keep", lambda m, x: m.sum(x, (0, -1), keepdim=True), R3),
    Op("sum_0d_dim", lambda m, x: x.sum(0), [()]),
    Op("mean", lambda m, x: x.mean(), [(3, 4), (), (2, 3, 4)]),
    Op("mean_dim", lambda m, x: x.mean(dim=(1, 2), keepdim=True), R3),
    Op("mean_empty", lambda m, x: x.mean(0), [(0, 3)], grad=False),
    Op("prod", lambda m, x: x.prod(), [(3, 4), ()]),
    Op("prod_dim", lambda m, x: x.prod(1), [(3, 4), (2, 3, 4)]),
    Op("prod_zeros", lambda m, x: x.prod(1), [(3, 4), (2, 5, 3)], domain=_with_zeros),
    Op("prod_zeros_all", lambda m, x: x.prod(), [(3, 4)], domain=_with_zeros),
    Op("max_all", lambda m, x: x.max(), [(3, 4), ()]),
    Op("max_all_ties", lambda m, x: x.max(), [(4, 5)], domain=_ties, gradcheck=False),
    Op("max_dim", lambda m, x: x.max(dim=1), [(3, 4), (2, 3, 4)]),
    Op("max_dim_keep", lambda m, x: m.max(x, -1, keepdim=True), [(3, 4)]),
    Op("min_all", lambda m, x: x.min(), [(3, 4)]),
    Op("min_dim", lambda m, x: x.min(0), [(3, 4), (2, 3, 4)]),
    Op("max_binary", lambda m, x, y: m.max(x, y), [((3, 4), (4,))]),
    Op("amax", lambda m, x: m.amax(x, dim=(0, 2)), R3),
    Op("amax_ties", lambda m, x: x.amax(1), [(4, 6)], domain=_ties, gradcheck=False),
    Op("amin", lambda m, x: x.amin(-1, keepdim=True), R3),
    Op("argmax", lambda m, x: x.argmax(), [(3, 4)], grad=False),
    Op("argmax_dim", lambda m, x: m.argmax(x, dim=1, keepdim=True), R3, grad=False),
    Op("argmin_dim", lambda m, x: x.argmin(0), R3, grad=False),
    Op("var", lambda m, x: x.var(), [(3, 4), (2, 3, 4)]),
    Op("var_dim", lambda m, x: x.var(1, keepdim=True), [(3, 4)]),
    Op("var_unbiased_false", lambda m, x: m.var(x, 1, unbiased=False), [(3, 4)]),
    Op("var_correction", lambda m, x: m.var(x, dim=(0, 2), correction=2), R3),
    Op("std", lambda m, x: x.std(), [(3, 4)]),
    Op("std_dim", lambda m, x: m.std(x, dim=-1, correction=0, keepdim=True), R3),
    Op("norm", lambda m, x: x.norm(), [(3, 4), (2, 3, 4)]),
    Op("norm_p1", lambda m, x: m.norm(x, p=1, dim=1), [(3, 4)]),
    Op("norm_p3", lambda m, x: m.norm(x, 3, dim=(0, 1), keepdim=True), R3),
    Op("norm_inf", lambda m, x: m.norm(x, float("inf"), dim=1), [(3, 4)]),
    Op("norm_dim", lambda m, x: x.norm(dim=-1), [(3, 4)]),
    Op("cumsum", lambda m, x: x.cumsum(1), [(3, 4), (2, 3, 4)]),
    Op("cumsum_0d", lambda m, x: m.cumsum(x, 0), [()]),
    Op("cumprod", lambda m, x: x.cumprod(1), [(3, 4)]),
    Op("cumprod_zeros", lambda m, x: x.cumprod(-1), [(3, 5)], domain=_with_zeros),
    Op("all_any", lambda m, x: (x > 0).all(1, keepdim=True) | (x > 1).any(0, keepdim=True), [(3, 4)], grad=False),
    Op("count_nonzero", lambda m, x: m.count_nonzero(x > 0, dim=1), [(3, 4)], grad=False),
    Op("int_sum", lambda m, x: (x > 0).sum(1), [(3, 4)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
