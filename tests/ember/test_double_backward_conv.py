"""Gradients of gradients through convolutions and pooling (ember/ops/grad_formulas/conv_pool.py): a WGAN-GP
gradient penalty on a small conv critic, against PyTorch in float64."""
import numpy as np
import pytest
import torch

import ember

RNG = np.random.default_rng(11)


def _close(e, t):
    """ember leaves a gradient that is identically zero as None where PyTorch gives zeros (the input's and the
    biases' here: the critic is piecewise linear in them)."""
    if e is None:
        assert t is None or not t.abs().max().item()
        return
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-9, atol=1e-11)


X = RNG.standard_normal((3, 2, 10, 10))
PARAMS = [RNG.standard_normal(s) * 0.4 for s in ((4, 2, 3, 3), (4,), (6, 4, 3, 3), (6,), (1, 6 * 2 * 2), (1,))]


def _penalty(m, pool):
    """WGAN-GP: ((|d critic / d x| - 1)^2).mean(), differentiated on to the critic's weights."""
    F = m.nn.functional
    x = m.tensor(X, requires_grad=True)
    w1, b1, w2, b2, w3, b3 = ps = [m.tensor(a, requires_grad=True) for a in PARAMS]
    h = F.leaky_relu(F.conv2d(x, w1, b1, padding=1), 0.2)
    h = F.max_pool2d(h, 2) if pool == "max" else F.avg_pool2d(h, 2)                  # 5x5
    h = F.leaky_relu(F.conv2d(h, w2, b2, stride=2, padding=1), 0.2)                   # 3x3
    h = F.adaptive_avg_pool2d(h, 2) if pool == "max" else F.max_pool2d(h, 2, 1)      # 2x2
    out = F.linear(h.reshape(h.shape[0], -1), w3, b3)
    g, = m.autograd.grad(out.sum(), x, create_graph=True)
    penalty = ((g.reshape(g.shape[0], -1).norm(dim=1) - 1) ** 2).mean()
    penalty.backward()
    return [penalty.detach(), x.grad] + [p.grad for p in ps]


@pytest.mark.parametrize("pool", ["max", "avg"])
def test_wgan_gp_gradient_penalty_of_a_conv_critic_matches_pytorch(pool):
    for e, t in zip(_penalty(ember, pool), _penalty(torch, pool)):
        _close(e, t)


def _pool_and_fold(m):
    """Second derivatives through strided/padded pooling, unfold and fold, and conv_transpose2d."""
    F = m.nn.functional
    x = m.tensor(X, requires_grad=True)
    w = m.tensor(PARAMS[0], requires_grad=True)
    y = F.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True) * F.avg_pool2d(x, 3, 2, 1, True, False)
    cols = F.unfold(x, 3, dilation=2, padding=1, stride=2)
    z = F.fold(cols * cols, (10, 10), 3, dilation=2, padding=1, stride=2)
    u = F.conv_transpose2d(F.conv2d(x, w, stride=2), w, stride=2, output_padding=1)
    loss = (y ** 2).sum() + (z * x).sum() + (u ** 2).sum()
    g, = m.autograd.grad(loss, x, create_graph=True)
    (g.sin().sum()).backward()
    return [x.grad, w.grad]


def test_second_derivatives_through_pooling_unfold_fold_and_transposed_convolution_match_pytorch():
    for e, t in zip(_pool_and_fold(ember), _pool_and_fold(torch)):
        _close(e, t)
