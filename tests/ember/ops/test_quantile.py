"""median, nanmedian, quantile and nanquantile against PyTorch (see tests/ember/harness.py)."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def _q_in_unit(a, i):                     # input 1 is q: values in [0, 1], never differentiated
    return (np.tanh(a) + 1) / 2 if i == 1 else a


def _with_nans(a, i):
    a = a.copy()
    if a.ndim == 2:
        a[0, 1] = a[1, ::2] = np.nan        # row 0 one NaN, row 1 several
    return a


Q = dict(domain=_q_in_unit, const_inputs=(1,))
SPECS = [
    Op("median", lambda m, x: m.median(x), [(5,), (4,), (3, 4), (), (0,)]),
    Op("median_dim", lambda m, x: m.median(x, 1), [(3, 4), (3, 5), (0, 3)]),
    Op("median_dim_keepdim", lambda m, x: x.median(dim=0, keepdim=True), [(4, 3), (2, 3, 2)]),
    Op("median_dim_0d", lambda m, x: m.median(x, -1), [()]),
    Op("median_nan_dim", lambda m, x: m.median(x, dim=1), [(3, 4)], domain=_with_nans, gradcheck=False),
    Op("median_nan_flat", lambda m, x: m.median(x), [(3, 4)], domain=_with_nans, gradcheck=False),
    Op("nanmedian", lambda m, x: m.nanmedian(x), [(3, 4), (5,)], domain=_with_nans, gradcheck=False),
    Op("nanmedian_dim", lambda m, x: x.nanmedian(1, keepdim=True), [(3, 4), (3, 5)], domain=_with_nans,
       gradcheck=False),
    Op("nanmedian_plain", lambda m, x: m.nanmedian(x, 0), [(4, 3)]),
    Op("quantile", lambda m, x: m.quantile(x, 0.3), [(7,), (3, 4), ()]),
    Op("quantile_tensor_q", lambda m, x, q: m.quantile(x, q), [((6,), (3,)), ((3, 4), ()), ((5,), (0,))], **Q),
    Op("quantile_dim", lambda m, x, q: x.quantile(q, dim=1), [((3, 5), (2,)), ((2, 3, 4), ())], **Q),
    Op("quantile_dim_keepdim", lambda m, x, q: m.quantile(x, q, dim=0, keepdim=True), [((4, 3), (2,)),
                                                                                        ((4, 2), ())], **Q),
    Op("quantile_keepdim_flat", lambda m, x, q: m.quantile(x, q, keepdim=True), [((2, 3), (2,))], **Q),
    Op("quantile_lower", lambda m, x: m.quantile(x, 0.4, dim=1, interpolation="lower"), [(3, 6)]),
    Op("quantile_higher", lambda m, x: m.quantile(x, 0.4, dim=1, interpolation="higher"), [(3, 6)]),
    Op("quantile_midpoint", lambda m, x, q: m.quantile(x, q, interpolation="midpoint"), [((7,), (4,))], **Q),
    Op("quantile_nearest", lambda m, x: m.quantile(x, m.tensor([0.0, 0.125, 0.375, 0.625, 1.0], dtype=x.dtype),
                                                   interpolation="nearest"), [(5,)]),
    Op("quantile_nan", lambda m, x: m.quantile(x, 0.5, dim=1), [(3, 4)], domain=_with_nans, gradcheck=False),
    Op("nanquantile", lambda m, x, q: m.nanquantile(x, q, dim=1), [((3, 4), (3,)), ((3, 5), ())],
       domain=lambda a, i: _with_nans(a, i) if i == 0 else _q_in_unit(a, i), const_inputs=(1,), gradcheck=False),
    Op("nanquantile_plain", lambda m, x: x.nanquantile(0.7), [(3, 4)], gradcheck=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_median_lower_middle_and_integers():
    x = ember.tensor([4, 1, 3, 2])
    assert ember.median(x).item() == 2 and ember.median(x).dtype == ember.int64
    r = ember.tensor([[1.0, 5.0, 3.0, 7.0]]).median(1)
    assert type(r).__name__ == "median" and r.values.tolist() == [3.0] and r.indices.tolist() == [2]
    assert r.indices.dtype == ember.int64


def test_all_nan_rows():
    x = ember.tensor([[math.nan, math.nan], [1.0, math.nan]])
    t = torch.tensor(x.numpy())
    np.testing.assert_array_equal(ember.nanmedian(x, 1).values.numpy(), torch.nanmedian(t, 1).values.numpy())
    np.testing.assert_array_equal(ember.nanquantile(x, 0.5, dim=1).numpy(), torch.nanquantile(t, 0.5, dim=1).numpy())


def test_errors():
    with pytest.raises(RuntimeError, match="must be in the range"):
        ember.quantile(ember.zeros(3), 1.5)
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.quantile(ember.zeros(3), ember.tensor([0.5], dtype=ember.float64))
    with pytest.raises(RuntimeError, match="float or double"):
        ember.quantile(ember.tensor([1, 2]), 0.5)
    with pytest.raises(ValueError, match="interpolation must be one of"):
        ember.quantile(ember.zeros(3), 0.5, interpolation="cubic")
    with pytest.raises(RuntimeError, match="non-empty"):
        ember.quantile(ember.zeros(0), 0.5)
    with pytest.raises(RuntimeError, match="scalar or 1D"):
        ember.quantile(ember.zeros(3), ember.zeros(2, 2))
    with pytest.raises(IndexError, match="non-zero size"):
        ember.median(ember.zeros(2, 0), 1)
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.median(ember.zeros(2, 3), 2)
