"""celu, hardshrink, softshrink, threshold, glu, rrelu, bilinear and the in-place activations against PyTorch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from ember.ops import nn_ops
from tests.ember.harness import UNARY_SHAPES, Op, nn_functional as F, op_tests

SPECS = [
    Op("celu", lambda m, x: F(m).celu(x), UNARY_SHAPES),
    # PyTorch's celu backward rounds 1/alpha to float32 (derivatives.yaml: 1.0/alpha.toFloat())
    Op("celu_alpha", lambda m, x: F(m).celu(x * 2, alpha=0.7), [(3, 4)], tol={"float64": dict(rtol=1e-7)}),
    Op("hardshrink", lambda m, x: F(m).hardshrink(x), UNARY_SHAPES),
    Op("hardshrink_lambd", lambda m, x: F(m).hardshrink(x, 1.2), [(4, 5)]),
    Op("softshrink", lambda m, x: F(m).softshrink(x), UNARY_SHAPES),
    Op("softshrink_lambd", lambda m, x: F(m).softshrink(x, lambd=0.8), [(4, 5)]),
    Op("threshold", lambda m, x: F(m).threshold(x, 0.2, -3.0), UNARY_SHAPES),
    Op("glu", lambda m, x: F(m).glu(x), [(3, 4), (2, 3, 6)]),
    Op("glu_dim", lambda m, x: F(m).glu(x, 0), [(4, 3)]),
    Op("rrelu_eval", lambda m, x: F(m).rrelu(x, 0.1, 0.4), UNARY_SHAPES),
    Op("bilinear", lambda m, a, b, w, bias: F(m).bilinear(a, b, w, bias),
       [((5, 3), (5, 4), (2, 3, 4), (2,)), ((2, 3, 3), (2, 3, 4), (6, 3, 4), (6,))]),
    Op("bilinear_nobias", lambda m, a, b, w: F(m).bilinear(a, b, w), [((3,), (2,), (4, 3, 2))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)

X = np.random.default_rng(7).standard_normal((4, 6)) * 2


@pytest.mark.parametrize("name,args", [("elu_", (0.6,)), ("selu_", ()), ("hardtanh_", (-0.5, 0.7)),
                                       ("leaky_relu_", (0.2,)), ("threshold_", (0.1, 5.0)), ("celu_", (2.0,)),
                                       ("rrelu_", (0.1, 0.3))])
def test_inplace_variants_write_into_the_input_and_backpropagate(name, args):
    x, tx = ember.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    h, th = x * 1, tx * 1
    out = getattr(EF, name)(h, *args)
    getattr(torch.nn.functional, name)(th, *args)
    assert out is h
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-12, atol=1e-14)
    h.sum().backward()
    th.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("call", [lambda F, x: F.celu(x * 1, 0.5, inplace=True),
                                  lambda F, x: F.threshold(x * 1, 0.3, 1.0, inplace=True),
                                  lambda F, x: F.rrelu(x * 1, 0.2, 0.3, False, True)])
def test_inplace_flag(call):
    ex, tx = ember.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    np.testing.assert_allclose(call(EF, ex).detach().numpy(), call(torch.nn.functional, tx).detach().numpy(),
                               rtol=1e-12)


def test_rrelu_training_draws_slopes_in_range_and_backprops_them():
    ember.manual_seed(1)
    x = ember.tensor(-np.abs(np.random.default_rng(0).standard_normal((200, 300))) - 0.1, requires_grad=True)
    y = nn_ops.rrelu(x, 0.1, 0.3, training=True)
    slope = (y / x).detach().numpy()
    assert slope.min() >= 0.1 and slope.max() <= 0.3
    assert abs(slope.mean() - 0.2) < 0.002 and abs(slope.var() - 0.2 ** 2 / 12) < 0.0003   # U(0.1, 0.3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-6)        # the gradient uses the same draws
    pos = nn_ops.rrelu(ember.tensor([1.0, 2.5]), training=True)
    np.testing.assert_array_equal(pos.numpy(), [1.0, 2.5])
    g = ember.Generator().manual_seed(3)
    a = nn_ops.rrelu(-ember.ones(50), training=True, generator=g)
    b = nn_ops.rrelu(-ember.ones(50), training=True, generator=ember.Generator().manual_seed(3))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_errors_match_pytorch():
    with pytest.raises(RuntimeError, match="Halving dimension must be even"):
        nn_ops.glu(ember.ones(3, 5))
    with pytest.raises(RuntimeError, match="does not support scalars"):
        nn_ops.glu(ember.tensor(1.0))
    with pytest.raises(RuntimeError, match="input1 size does not match"):
        nn_ops.bilinear(ember.ones(2, 3), ember.ones(2, 4), ember.ones(5, 2, 4))
    with pytest.raises(RuntimeError, match="batch dimensions do not match"):
        nn_ops.bilinear(ember.ones(2, 3), ember.ones(3, 4), ember.ones(5, 3, 4))
