"""End to end on the core alone: small networks trained step by step match PyTorch on the same data."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops


def _init(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s) / np.sqrt(np.prod(s[1:]) if len(s) > 1 else s[0]) for s in shapes]


def _train(lib, F, arrays, forward, x, y, steps, lr):
    params = [lib.tensor(a, requires_grad=True) for a in arrays]
    xs, ys = lib.tensor(x), lib.tensor(y)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(forward(F, params, xs), ys)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-lr)
                p.grad = None
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in params]


def _mlp(F, p, x):
    return F.linear(F.relu(F.linear(x, p[0], p[1])), p[2], p[3])


def _cnn(F, p, x):
    h = F.max_pool2d(F.relu(F.conv2d(x, p[0], p[1], padding=1)), 2)
    return F.linear(h.flatten(1), p[2], p[3])


@pytest.mark.parametrize("name,forward,shapes,xshape", [
    ("mlp", _mlp, [(16, 8), (16,), (3, 16), (3,)], (32, 8)),
    ("cnn", _cnn, [(4, 1, 3, 3), (4,), (3, 4 * 4 * 4), (3,)], (16, 1, 8, 8)),
])
def test_training_matches_torch_step_by_step(name, forward, shapes, xshape):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(xshape)
    y = rng.integers(0, 3, xshape[0])
    arrays = _init(shapes, 8)
    e_losses, e_params = _train(ember, nn_ops, arrays, forward, x, y, steps=20, lr=0.5)
    t_losses, t_params = _train(torch, torch.nn.functional, arrays, forward, x, y, steps=20, lr=0.5)
    np.testing.assert_allclose(e_losses, t_losses, rtol=1e-9, atol=1e-10)
    for e, t in zip(e_params, t_params):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-10)
    assert e_losses[-1] < 0.75 * e_losses[0]         # it learns
