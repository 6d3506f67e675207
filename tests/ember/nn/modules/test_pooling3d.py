"""3-D pooling, adaptive max pooling, max unpooling and LP pooling modules against PyTorch (outputs, gradients,
indices, reprs)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(4)
X3 = RNG.standard_normal((2, 3, 5, 6, 4))


@pytest.mark.parametrize("e,t", [
    (nn.MaxPool3d(2), torch.nn.MaxPool3d(2)),
    (nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True), torch.nn.MaxPool3d(3, stride=2, padding=1, ceil_mode=True)),
    (nn.MaxPool3d((1, 2, 2), dilation=(1, 2, 1)), torch.nn.MaxPool3d((1, 2, 2), dilation=(1, 2, 1))),
    (nn.AvgPool3d(2), torch.nn.AvgPool3d(2)),
    (nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
     torch.nn.AvgPool3d(3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)),
    (nn.AvgPool3d(2, divisor_override=3), torch.nn.AvgPool3d(2, divisor_override=3)),
    (nn.AdaptiveAvgPool3d(1), torch.nn.AdaptiveAvgPool3d(1)),
    (nn.AdaptiveAvgPool3d((2, None, 3)), torch.nn.AdaptiveAvgPool3d((2, None, 3))),
    (nn.AdaptiveMaxPool3d((2, 4, 3)), torch.nn.AdaptiveMaxPool3d((2, 4, 3))),
    (nn.LPPool3d(2, 2), torch.nn.LPPool3d(2, 2)),
], ids=repr)
def test_pool3d_matches_pytorch(e, t):
    run_both(e, t, [X3])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("e,t,x", [
    (nn.AdaptiveMaxPool1d(4), torch.nn.AdaptiveMaxPool1d(4), RNG.standard_normal((2, 3, 11))),
    (nn.AdaptiveMaxPool2d((3, None)), torch.nn.AdaptiveMaxPool2d((3, None)), RNG.standard_normal((2, 3, 7, 5))),
    (nn.AdaptiveMaxPool2d(4), torch.nn.AdaptiveMaxPool2d(4), RNG.standard_normal((3, 9, 6))),
    (nn.LPPool1d(2, 3, stride=2), torch.nn.LPPool1d(2, 3, stride=2), RNG.standard_normal((2, 3, 11))),
    (nn.LPPool2d(1.5, (2, 3), ceil_mode=True), torch.nn.LPPool2d(1.5, (2, 3), ceil_mode=True),
     np.abs(RNG.standard_normal((2, 3, 7, 8))) + 0.1),
], ids=repr)
def test_pool_1d_2d_matches_pytorch(e, t, x):
    run_both(e, t, [x])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("n,shape", [(1, (2, 3, 10)), (2, (2, 3, 6, 8)), (3, (2, 2, 4, 6, 4))])
def test_adaptive_max_pool_return_indices(n, shape):
    x = RNG.standard_normal(shape)
    out, idx = getattr(nn, f"AdaptiveMaxPool{n}d")(3, return_indices=True)(ember.tensor(x))
    tout, tidx = getattr(torch.nn, f"AdaptiveMaxPool{n}d")(3, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(out.numpy(), tout.numpy())
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
    assert idx.dtype == ember.int64


@pytest.mark.parametrize("n,shape,kw", [(1, (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
                                        (2, (2, 3, 6, 7), dict(kernel_size=2)),
                                        (2, (1, 2, 7, 7), dict(kernel_size=3, stride=2)),
                                        (3, (1, 2, 4, 6, 5), dict(kernel_size=2, stride=2))])
def test_max_pool_and_unpool_round_trip_matches_pytorch(n, shape, kw):
    x = RNG.standard_normal(shape)
    epool = getattr(nn, f"MaxPool{n}d")(**kw, return_indices=True)
    tpool = getattr(torch.nn, f"MaxPool{n}d")(**kw, return_indices=True)
    eunpool, tunpool = getattr(nn, f"MaxUnpool{n}d")(**kw), getattr(torch.nn, f"MaxUnpool{n}d")(**kw)
    assert repr(eunpool) == repr(tunpool) and repr(epool) == repr(tpool)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (eo, ei), (to, ti) = epool(ex), tpool(tx)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    eu, tu = eunpool(eo, ei, output_size=shape), tunpool(to, ti, output_size=shape)
    np.testing.assert_array_equal(eu.detach().numpy(), tu.detach().numpy())
    g = RNG.standard_normal(shape)
    (eu * ember.tensor(g)).sum().backward()
    (tu * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
