"""cummax, cummin, logcumsumexp, diff, trapezoid, cumulative_trapezoid and gradient against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests


def _ties(a, i):
    return np.round(a * 2) / 2          # repeated values: index tie rules are checked


SPECS = [
    Op("cummax", lambda m, x: m.cummax(x, 1), [(3, 6), (0, 3)]),
    Op("cummax_dim0", lambda m, x: x.cummax(0), [(5, 2, 3), (7,)]),
    Op("cummax_0d", lambda m, x: m.cummax(x, 0), [()], gradcheck=False),
    Op("cummax_ties", lambda m, x: m.cummax(x, -1), [(4, 9)], domain=_ties, gradcheck=False),
    Op("cummin", lambda m, x: m.cummin(x, -1), [(3, 6), (9,)]),
    Op("cummin_ties", lambda m, x: x.cummin(0), [(9, 4)], domain=_ties, gradcheck=False),
    Op("logcumsumexp", lambda m, x: m.logcumsumexp(x, 1), [(3, 5), (2, 7, 3), (0, 4)]),
    Op("logcumsumexp_wide", lambda m, x: (x * 30).logcumsumexp(0), [(9, 2)]),
    Op("logcumsumexp_0d", lambda m, x: m.logcumsumexp(x, 0), [()]),
    Op("diff", lambda m, x: m.diff(x), [(3, 5), (4,), (2, 0)]),
    Op("diff_n2_dim0", lambda m, x: x.diff(2, 0), [(5, 3)]),
    Op("diff_n_large", lambda m, x: m.diff(x, 4), [(3,)]),
    Op("diff_prepend_append", lambda m, x, p, a: m.diff(x, 1, 1, prepend=p, append=a), [((3, 4), (3, 2), (3, 1))]),
    Op("trapezoid_dx", lambda m, y: m.trapezoid(y, dx=0.5), [(3, 5), (4,)]),
    Op("trapezoid_x", lambda m, y, x: m.trapezoid(y, x, dim=0), [((5, 3), (5,)), ((4, 2), (4, 2))]),
    Op("trapezoid_empty", lambda m, y: m.trapezoid(y), [(3, 0)], grad=False),
    Op("trapz", lambda m, y, x: m.trapz(y, x), [((3, 5), (5,))]),
    Op("cumulative_trapezoid", lambda m, y: m.cumulative_trapezoid(y, dim=0), [(5, 3), (4,)]),
    Op("cumulative_trapezoid_x", lambda m, y, x: m.cumulative_trapezoid(y, x), [((2, 5), (5,))]),
    Op("gradient", lambda m, x: m.gradient(x), [(4, 5), (6,)]),
    Op("gradient_spacing", lambda m, x: m.gradient(x, spacing=2.0, dim=1), [(3, 4)]),
    Op("gradient_spacing_list", lambda m, x: m.gradient(x, spacing=[0.5, 3.0]), [(3, 4)]),
    Op("gradient_coords", lambda m, x: m.gradient(x, spacing=(m.tensor([0.0, 0.5, 1.5, 3.0], dtype=x.dtype),),
                                                  dim=0), [(4, 3)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_int_and_bool(device):
    with on_device(device):
        a = [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]]
        for name in ("cummax", "cummin"):
            v, i = getattr(ember, name)(ember.tensor(a), 1)
            tv, ti = getattr(torch, name)(torch.tensor(a), 1)
            assert v.tolist() == tv.tolist() and i.tolist() == ti.tolist() and i.dtype == ember.int64
        b = [True, False, False, True]
        assert ember.diff(ember.tensor(b)).tolist() == torch.diff(torch.tensor(b)).tolist()
        assert ember.diff(ember.tensor(a), 2).tolist() == torch.diff(torch.tensor(a), 2).tolist()


@pytest.mark.parametrize("device", DEVICES)
def test_nan_propagates(device):
    with on_device(device):
        x = [1.0, float("nan"), 3.0, 0.5]
        v, i = ember.cummax(ember.tensor(x), 0)
        tv, ti = torch.cummax(torch.tensor(x), 0)
        np.testing.assert_array_equal(v.cpu().numpy(), tv.numpy())
        assert i.tolist() == ti.tolist()


def test_errors():
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        ember.diff(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match="order must be non-negative"):
        ember.diff(ember.ones(3), -1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.cummax(ember.ones(3), 1)
    with pytest.raises(RuntimeError, match="floating point"):
        ember.logcumsumexp(ember.tensor([1, 2]), 0)
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        ember.trapezoid(ember.ones(3), ember.ones(4))
    with pytest.raises(RuntimeError, match="at least edge_order"):
        ember.gradient(ember.ones(1))
    with pytest.raises(NotImplementedError, match="edge_order=1"):
        ember.gradient(ember.ones(4), edge_order=2)
