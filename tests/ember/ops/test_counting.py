"""unique, unique_consecutive, bincount, histc, searchsorted and bucketize against PyTorch
(see tests/ember/harness.py). None is differentiable: the specs check values and dtypes."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def _small_ints(shape, case, i, rng):
    return rng.integers(0, 5, shape)


def _runs(shape, case, i, rng):           # sorted-ish values with runs of repeats, then a few drops
    return np.cumsum(rng.integers(0, 2, shape), axis=-1) % 3 if len(shape) else rng.integers(0, 3, shape)


INTS = dict(int_inputs=(0,), make_int=_small_ints, grad=False)
SPECS = [
    Op("unique", lambda m, x: m.unique(x), [(6,), (3, 4), (), (0,)], **INTS),
    Op("unique_all", lambda m, x: x.unique(return_inverse=True, return_counts=True), [(8,), (3, 4), ()], **INTS),
    Op("unique_unsorted", lambda m, x: m.unique(x, sorted=False, return_counts=True), [(7,)], **INTS),
    Op("unique_float", lambda m, x: m.unique((x * 2).round(), return_inverse=True), [(4, 5)], grad=False),
    Op("unique_dim", lambda m, x: m.unique(x % 2, dim=0, return_inverse=True, return_counts=True), [(6, 3)],
       **INTS),
    Op("unique_dim1", lambda m, x: m.unique(x % 2, dim=1), [(2, 6)], **INTS),
    Op("unique_consecutive", lambda m, x: m.unique_consecutive(x, return_inverse=True, return_counts=True),
       [(10,), (3, 4), (0,)], int_inputs=(0,), make_int=_runs, grad=False),
    Op("unique_consecutive_plain", lambda m, x: x.unique_consecutive(), [(9,)], int_inputs=(0,), make_int=_runs,
       grad=False),
    Op("unique_consecutive_dim", lambda m, x: m.unique_consecutive(x % 2, return_counts=True, dim=0),
       [(6, 2)], int_inputs=(0,), make_int=_runs, grad=False),
    Op("bincount", lambda m, x: m.bincount(x), [(10,), (0,)], **INTS),
    Op("bincount_minlength", lambda m, x: x.bincount(minlength=8), [(6,), (0,)], **INTS),
    Op("bincount_weights", lambda m, x, w: m.bincount(x, w), [((10,), (10,))], **INTS),
    Op("bincount_weights_minlength", lambda m, x, w: m.bincount(x, weights=w, minlength=7), [((0,), (0,))], **INTS),
    Op("histc", lambda m, x: m.histc(x, bins=5, min=-1, max=1), [(20,), (4, 5), (), (0,)], grad=False),
    Op("histc_data_range", lambda m, x: x.histc(bins=7), [(30,)], grad=False),
    Op("histc_constant", lambda m, x: m.histc(x * 0 + 2, bins=4), [(3,)], grad=False),
    Op("searchsorted", lambda m, s, v: m.searchsorted(m.sort(s).values, v), [((6,), (4,)), ((6,), (2, 3)),
                                                                             ((6,), ()), ((0,), (3,))], grad=False),
    Op("searchsorted_right", lambda m, s, v: m.searchsorted(m.sort(s).values, v, right=True),
       [((5,), (3,))], grad=False),
    Op("searchsorted_side_ties", lambda m, s: m.searchsorted(m.sort(s).values, m.sort(s).values, side="right"),
       [(5,)], grad=False),
    Op("searchsorted_nd", lambda m, s, v: m.searchsorted(m.sort(s, dim=-1).values, v, out_int32=True),
       [((2, 5), (2, 3)), ((2, 3, 4), (2, 3, 1))], grad=False),
    Op("searchsorted_sorter", lambda m, s, v: m.searchsorted(s, v, sorter=m.argsort(s)), [((6,), (4,)),
                                                                                          ((2, 4), (2, 3))],
       grad=False),
    Op("searchsorted_scalar", lambda m, s: m.searchsorted(m.sort(s).values, 0.25), [(6,)], grad=False),
    Op("bucketize", lambda m, x, b: m.bucketize(x, m.sort(b).values), [((3, 4), (5,)), ((), (3,))], grad=False),
    Op("bucketize_right", lambda m, x, b: m.bucketize(x, m.sort(b).values, right=True, out_int32=True),
       [((6,), (4,))], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_bucketize_ties_and_integer_weights():
    b = ember.tensor([1, 3, 5])
    x = ember.tensor([1, 3, 4, 6])
    assert ember.bucketize(x, b).tolist() == [0, 1, 2, 3]
    assert ember.bucketize(x, b, right=True).tolist() == [1, 2, 2, 3]
    got = ember.bincount(ember.tensor([0, 2, 2]), ember.tensor([1, 2, 3]))
    want = torch.bincount(torch.tensor([0, 2, 2]), torch.tensor([1, 2, 3]))
    assert got.dtype == ember.float64 and got.tolist() == want.tolist()


def test_unique_inverse_rebuilds_input():
    x = ember.tensor([[3, 1, 3], [2, 1, 1]])
    vals, inv = ember.unique(x, return_inverse=True)
    assert inv.dtype == ember.int64 and inv.shape == x.shape
    assert vals[inv].tolist() == x.tolist()


def test_errors():
    with pytest.raises(RuntimeError, match="1-d non-negative integral"):
        ember.bincount(ember.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="1-d non-negative integral"):
        ember.bincount(ember.tensor([1.0, 2.0]))
    with pytest.raises(RuntimeError, match="same length as input"):
        ember.bincount(ember.tensor([1, 2]), ember.tensor([1.0]))
    with pytest.raises(RuntimeError, match="minlength"):
        ember.bincount(ember.tensor([1, 2]), minlength=-1)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ember.histc(ember.zeros(3), bins=0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        ember.histc(ember.zeros(3), min=1, max=0)
    with pytest.raises(RuntimeError, match="floating-point"):
        ember.histc(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        ember.searchsorted(ember.zeros(3), ember.zeros(2), right=True, side="left")
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        ember.searchsorted(ember.zeros(2, 3), ember.zeros(3, 1))
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        ember.bucketize(ember.zeros(2), ember.zeros(2, 2))
