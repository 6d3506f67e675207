"""Custom ``ember.autograd.Function``s, written the way a tutorial teaches them."""
import numpy as np
import pytest

import ember
from ember.autograd import Function


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        y, = ctx.saved_tensors
        return grad * y


class ScaledMul(Function):
    """Mixed arguments: two tensors and a Python number; records needs_input_grad."""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        ctx.needs = ctx.needs_input_grad
        return a * b * k

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b * ctx.k if ctx.needs_input_grad[0] else None,
                grad * a * ctx.k if ctx.needs_input_grad[1] else None, None)


class SplitHalves(Function):
    """Two outputs plus a non-differentiable one."""

    @staticmethod
    def forward(ctx, x):
        n = x.shape[0] // 2
        idx = ember.arange(n)
        ctx.mark_non_differentiable(idx)
        return x[:n] * 1, x[n:] * 1, idx

    @staticmethod
    def backward(ctx, g1, g2, gidx):
        assert not gidx.any()           # as in PyTorch: zeros for the non-differentiable output
        return ember.cat([g1, g2])


def test_custom_exp_matches_builtin_and_names_its_node():
    x = ember.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and isinstance(y.grad_fn, Exp._backward_cls)
    assert "grad_fn=<ExpBackward>" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0, 2.0]), rtol=1e-6)


def test_custom_function_passes_gradcheck():
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(Exp.apply, (x,))
    a = ember.randn(3, dtype=ember.float64, requires_grad=True)
    b = ember.randn(3, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda a, b: ScaledMul.apply(a, b, 2.5), (a, b))


def test_needs_input_grad_and_non_tensor_args():
    a = ember.ones(2, requires_grad=True)
    b = ember.ones(2)
    y = ScaledMul.apply(a, b, 3.0)
    assert y.grad_fn.needs == (True, False, False)
    y.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad is None


def test_no_graph_without_inputs_requiring_grad():
    y = Exp.apply(ember.ones(2))
    assert y.grad_fn is None and not y.requires_grad
    with ember.no_grad():
        assert Exp.apply(ember.ones(2, requires_grad=True)).grad_fn is None


def test_multiple_outputs_and_non_differentiable():
    x = ember.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    lo, hi, idx = SplitHalves.apply(x)
    assert not idx.requires_grad and lo.requires_grad and hi.grad_fn is lo.grad_fn
    (hi * 3).sum().backward()                    # lo gets no gradient: backward sees zeros for it
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0]


def test_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    a = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 2, got 1\)"):
        Bad.apply(a, a).sum().backward()


def test_wrong_gradient_shape():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a.sum()

        @staticmethod
        def backward(ctx, g):
            return ember.ones(5)

    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[5\] but expected shape compatible "
                                           r"with \[2\]"):
        Bad.apply(ember.ones(2, requires_grad=True)).backward()


def test_broadcastable_gradient_is_summed():
    class Expand(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, g):
            return g.expand(3, 2)       # sums back to the input shape (2,)

    a = ember.ones(2, requires_grad=True)
    Expand.apply(a).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


def test_mark_dirty_inplace_function():
    class AddOneInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    a = ember.ones(2, requires_grad=True)
    h = a * 2
    out = AddOneInPlace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInPlaceBackward"
    (out * out).sum().backward()
    assert a.grad.tolist() == [12.0, 12.0]


def test_saved_tensors_are_freed_after_backward():
    x = ember.ones(2, requires_grad=True)
    y = Exp.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.grad_fn.saved_tensors
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_saved_tensor_version_check():
    x = ember.ones(2)
    w = ember.ones(2, requires_grad=True)
    y = ScaledMul.apply(w, x, 1.0)
    x.mul_(3)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_save_for_backward_rejects_non_tensors():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(3)
            return a

    with pytest.raises(TypeError, match="save_for_backward can only save"):
        Bad.apply(ember.ones(1, requires_grad=True))


def test_instantiating_a_function_is_an_error():
    with pytest.raises(RuntimeError, match="static forward"):
        Exp()


class LinearFunction(Function):
    """PyTorch 2's style from "Extending PyTorch": ``forward`` without ``ctx``, state saved in ``setup_context``."""

    @staticmethod
    def forward(input, weight, bias):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


def test_setup_context_style_function():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    w = ember.randn(2, 4, dtype=ember.float64, requires_grad=True)
    b = ember.randn(2, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(LinearFunction.apply, (x, w, b))
    y = LinearFunction.apply(x, w, b)
    assert y.grad_fn.name() == "LinearFunctionBackward"
    np.testing.assert_allclose(y.detach().numpy(), (x @ w.T + b).detach().numpy())
    with ember.no_grad():
        assert LinearFunction.apply(x, w, None).grad_fn is None
    frozen = LinearFunction.apply(x.detach(), w, None)
    frozen.sum().backward()
    assert w.grad is not None and x.grad is None
