"""3-D pooling, adaptive max pooling, max unpooling, LP pooling and the ``*_with_indices`` forms against
torch.nn.functional (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests, positive


def _unpool(m, n, x, k, **kw):
    out, idx = getattr(F(m), f"max_pool{n}d")(x, k, return_indices=True, **kw)
    return getattr(F(m), f"max_unpool{n}d")(out, idx, k, kw.get("stride"), kw.get("padding", 0),
                                           output_size=x.shape[-n:])




def _lp_inf_bug(torch, case, part):
    """Older PyTorch computes lp_pool with p=inf as (sum x^inf)^0 = 1 (gradient NaN); 2.13 takes the max of |x|."""
    if torch.nn.functional.lp_pool2d(torch.full((1, 1, 2, 2), 2.0), float("inf"), 2).item() != 2.0:
        return "returns 1 for lp_pool with p=inf"


SPECS = [
    Op("max_pool3d", lambda m, x: F(m).max_pool3d(x, 2), [(2, 3, 4, 6, 4), (1, 2, 5, 5, 3)]),
    Op("max_pool3d_overlap_pad", lambda m, x: F(m).max_pool3d(x, 3, stride=(1, 2, 2), padding=1),
       [(1, 2, 4, 5, 5)]),
    Op("max_pool3d_dil_ceil", lambda m, x: F(m).max_pool3d(x, (2, 2, 3), stride=2, dilation=(2, 1, 1),
                                                          ceil_mode=True), [(1, 2, 6, 5, 7)]),
    Op("max_pool3d_indices", lambda m, x: F(m).max_pool3d(x, 2, stride=1, padding=1, return_indices=True),
       [(1, 2, 3, 4, 3)]),
    Op("max_pool3d_with_indices", lambda m, x: F(m).max_pool3d_with_indices(x, (1, 2, 2), ceil_mode=True),
       [(2, 3, 3, 4, 5)]),
    Op("max_pool3d_unbatched", lambda m, x: F(m).max_pool3d(x, 2), [(3, 4, 4, 4)]),
    Op("max_pool3d_ties", lambda m, x: F(m).max_pool3d(m.relu(x - 1), 2), [(2, 2, 4, 4, 4)], gradcheck=False),
    Op("max_pool2d_with_indices", lambda m, x: F(m).max_pool2d_with_indices(x, 3, stride=2, padding=1),
       [(2, 3, 7, 6)]),
    Op("max_pool1d_with_indices", lambda m, x: F(m).max_pool1d_with_indices(x, 3, stride=2, ceil_mode=True),
       [(2, 3, 8)]),
    Op("max_pool1d_indices", lambda m, x: F(m).max_pool1d(x, 2, padding=1, return_indices=True), [(2, 3, 7)]),
    Op("avg_pool3d", lambda m, x: F(m).avg_pool3d(x, 2), [(2, 3, 4, 6, 4), (1, 1, 5, 3, 5)]),
    Op("avg_pool3d_pad", lambda m, x: F(m).avg_pool3d(x, 3, stride=2, padding=1), [(1, 2, 5, 6, 5)]),
    Op("avg_pool3d_nopadcount_ceil", lambda m, x: F(m).avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True,
                                                                 count_include_pad=False), [(1, 2, 6, 5, 4)]),
    Op("avg_pool3d_divisor", lambda m, x: F(m).avg_pool3d(x, (2, 3, 2), stride=(1, 2, 2), divisor_override=5),
       [(1, 2, 4, 5, 4)]),
    Op("avg_pool3d_unbatched", lambda m, x: F(m).avg_pool3d(x, 2, ceil_mode=True), [(2, 3, 5, 4)]),
    Op("adaptive_avg_pool3d", lambda m, x: F(m).adaptive_avg_pool3d(x, (3, 2, 4)), [(2, 3, 7, 5, 6), (3, 4, 4, 5)]),
    Op("adaptive_avg_pool3d_none", lambda m, x: F(m).adaptive_avg_pool3d(x, (None, 1, 2)), [(1, 2, 3, 4, 5)]),
    Op("adaptive_avg_pool3d_1", lambda m, x: F(m).adaptive_avg_pool3d(x, 1), [(2, 3, 3, 4, 2)]),
    Op("adaptive_max_pool1d", lambda m, x: F(m).adaptive_max_pool1d(x, 4, return_indices=True), [(2, 3, 10), (3, 7)]),
    Op("adaptive_max_pool2d", lambda m, x: F(m).adaptive_max_pool2d(x, (3, 2)), [(2, 3, 7, 5), (3, 6, 6)]),
    Op("adaptive_max_pool2d_indices", lambda m, x: F(m).adaptive_max_pool2d(x, (4, None), return_indices=True),
       [(1, 2, 9, 3)]),
    Op("adaptive_max_pool2d_upsample", lambda m, x: F(m).adaptive_max_pool2d(x, 5), [(1, 2, 3, 4)]),
    Op("adaptive_max_pool3d", lambda m, x: F(m).adaptive_max_pool3d(x, (2, 3, 2), return_indices=True),
       [(2, 2, 5, 7, 4), (2, 4, 4, 4)]),
    Op("adaptive_max_pool2d_with_indices", lambda m, x: F(m).adaptive_max_pool2d_with_indices(x, 2), [(1, 2, 5, 5)]),
    Op("max_unpool1d", lambda m, x: _unpool(m, 1, x, 2), [(2, 3, 8), (2, 7)]),
    Op("max_unpool2d", lambda m, x: _unpool(m, 2, x, 2), [(2, 3, 6, 4)]),
    # overlapping windows report one position twice: its gradient reaches both inputs (PyTorch's gather), so
    # the numerical gradient (only one write lands) differs and gradcheck does not apply
    Op("max_unpool2d_stride_pad", lambda m, x: _unpool(m, 2, x, 3, stride=2, padding=1), [(1, 2, 7, 6)],
       gradcheck=False),
    Op("max_unpool2d_default_size", lambda m, x: F(m).max_unpool2d(*F(m).max_pool2d(x, 2, return_indices=True), 2),
       [(1, 2, 6, 4)]),
    Op("max_unpool3d", lambda m, x: _unpool(m, 3, x, 2), [(1, 2, 4, 4, 6), (2, 4, 5, 4)]),
    Op("lp_pool1d", lambda m, x: F(m).lp_pool1d(x, 2, 3, stride=2), [(2, 3, 9)]),
    Op("lp_pool1d_p3_ceil", lambda m, x: F(m).lp_pool1d(x, 3, 2, ceil_mode=True), [(2, 3, 7)], domain=positive),
    Op("lp_pool2d", lambda m, x: F(m).lp_pool2d(x, 2, 2), [(2, 3, 6, 4)]),
    Op("lp_pool2d_frac", lambda m, x: F(m).lp_pool2d(x, 1.5, (2, 3), stride=(1, 2)), [(1, 2, 5, 7)],
       domain=positive),
    Op("lp_pool2d_inf", lambda m, x: F(m).lp_pool2d(x, float("inf"), 2), [(1, 2, 4, 4)], oracle_bug=_lp_inf_bug),
    Op("lp_pool3d", lambda m, x: F(m).lp_pool3d(x, 2, 2), [(1, 2, 4, 4, 2)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_grad_fn_names_match_pytorch():
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4, 4))
    calls = [lambda F_, t: F_.max_pool3d(t, 2), lambda F_, t: F_.avg_pool3d(t, 2),
             lambda F_, t: F_.adaptive_avg_pool3d(t, 2), lambda F_, t: F_.adaptive_max_pool3d(t, 2),
             lambda F_, t: F_.adaptive_max_pool2d(t[0], 2), lambda F_, t: F_.max_unpool3d(
                 *F_.max_pool3d(t, 2, return_indices=True), 2)]
    for call in calls:
        e = call(nn_ops, ember.tensor(x, requires_grad=True))
        t = call(torch.nn.functional, torch.tensor(x, requires_grad=True))
        assert e.grad_fn.name() == t.grad_fn.name()


def test_max_pool3d_propagates_nan_and_routes_its_gradient():
    v = np.arange(64, dtype=np.float32).reshape(1, 1, 4, 4, 4)
    v[0, 0, 1, 0, 1] = np.nan
    results = []
    for lib, F_ in ((ember, nn_ops), (torch, torch.nn.functional)):
        x = lib.tensor(v, requires_grad=True)
        y, idx = F_.max_pool3d(x, 2, return_indices=True)
        y.sum().backward()
        results.append((y.detach().numpy(), idx.numpy(), x.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_max_unpool_rejects_bad_indices_and_sizes():
    x = ember.ones(1, 1, 2, 2)
    with pytest.raises(RuntimeError, match="invalid max index"):
        nn_ops.max_unpool2d(x, ember.full((1, 1, 2, 2), 16, dtype=ember.int64), 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        nn_ops.max_unpool2d(x, ember.zeros(1, 1, 2, 2, dtype=ember.int64), 2, output_size=(7, 4))
    with pytest.raises(RuntimeError, match="int64"):
        nn_ops.max_unpool2d(x, ember.zeros(1, 1, 2, 2, dtype=ember.int32), 2)
