"""Property tests (hypothesis): broadcasting and reductions over generated shapes agree with PyTorch."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import ember

SETTINGS = settings(max_examples=60, deadline=None)
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (b * b + 1), "maximum": lambda a, b: ember.maximum(a, b) if isinstance(
              a, ember.Tensor) else torch.maximum(a, b), "pow": lambda a, b: (a * a + 1) ** b}


def _values(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_broadcasting_forward_and_backward(shapes, op, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    va, vb = _values(sa, seed), _values(sb, seed + 1)
    fn = BINARY[op]
    ea, eb = ember.tensor(va, requires_grad=True), ember.tensor(vb, requires_grad=True)
    ta, tb = torch.tensor(va, requires_grad=True), torch.tensor(vb, requires_grad=True)
    eo, to = fn(ea, eb), fn(ta, tb)
    assert eo.shape == out_shape == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = _values(out_shape, seed + 2)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    assert ea.grad.shape == sa and eb.grad.shape == sb
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(eb.grad.numpy(), tb.grad.numpy(), rtol=1e-9, atol=1e-12)


REDUCTIONS = ["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "norm"]


@st.composite
def shape_and_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=len(shape),
                         unique_by=lambda d: d % len(shape)))
    return shape, tuple(dims)


def _reduce(lib, name, x, dims, keepdim):
    if name == "norm":
        return lib.norm(x, dim=dims, keepdim=keepdim) if lib is ember else torch.linalg.vector_norm(
            x, dim=dims, keepdim=keepdim)
    if name in ("var", "std"):
        return getattr(x, name)(dims, keepdim=keepdim, correction=0)
    return getattr(lib, name)(x, dims, keepdim=keepdim)


@SETTINGS
@given(sd=shape_and_dims(), name=st.sampled_from(REDUCTIONS), keepdim=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_reductions_over_any_dims(sd, name, keepdim, seed):
    shape, dims = sd
    v = _values(shape, seed)
    e, t = ember.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    eo, to = _reduce(ember, name, e, dims, keepdim), _reduce(torch, name, t, dims, keepdim)
    assert eo.shape == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = _values(tuple(to.shape), seed + 1)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


@SETTINGS
@given(sd=shape_and_dims(), seed=st.integers(0, 2 ** 16))
def test_sum_of_parts_equals_whole(sd, seed):
    """Reducing dims one at a time equals reducing them together (keepdim keeps dims aligned)."""
    shape, dims = sd
    x = ember.tensor(_values(shape, seed))
    step = x
    for d in dims:
        step = step.sum(d, keepdim=True)
    np.testing.assert_allclose(step.numpy(), x.sum(dims, keepdim=True).numpy(), rtol=1e-10, atol=1e-12)


UNARY = {"exp": lambda m, x: m.exp(x), "log": lambda m, x: m.log(x.abs() + 0.5), "tanh": lambda m, x: m.tanh(x),
         "sigmoid": lambda m, x: m.sigmoid(x), "relu": lambda m, x: m.relu(x), "sqrt": lambda m, x: (x * x + 1).sqrt(),
         "softmax": lambda m, x: m.softmax(x, -1) if x.ndim else x * 1, "abs": lambda m, x: x.abs(),
         "clamp": lambda m, x: x.clamp(-0.5, 0.5), "pow": lambda m, x: x ** 3, "sin": lambda m, x: m.sin(x)}


@SETTINGS
@given(shape=st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple), name=st.sampled_from(sorted(UNARY)),
       dtype=st.sampled_from(["float32", "float64"]), seed=st.integers(0, 2 ** 16))
def test_unary_ops_on_any_shape(shape, name, dtype, seed):
    v = _values(shape, seed).astype(dtype)
    e, t = ember.tensor(v, requires_grad=True), torch.tensor(v, requires_grad=True)
    eo, to = UNARY[name](ember, e), UNARY[name](torch, t)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    assert eo.shape == tuple(to.shape) and eo.dtype.name == dtype
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **tol)
    g = _values(shape, seed + 1).astype(dtype)
    eo.backward(ember.tensor(g))
    to.backward(torch.tensor(g))
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), **tol)
