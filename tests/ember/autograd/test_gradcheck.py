"""``ember.autograd.gradcheck`` accepts right gradients and pinpoints wrong ones."""
import pytest

import ember
from ember.autograd import Function, GradcheckError, gradcheck


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x * 3        # should be 2x


def test_accepts_correct_gradients():
    x = ember.randn(3, 2, dtype=ember.float64, requires_grad=True)
    y = ember.randn(2, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a * b).tanh().sum(1), (x, y))


def test_reports_mismatching_indices():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"output 0 with respect to input 0: 2 of 4 entries differ.*"
                                             r"d out\[0\] / d in\[0\]: analytical 3, numerical 2"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_needs_an_input_requiring_grad_and_warns_on_float32():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (ember.ones(2, dtype=ember.float64),))
    with pytest.warns(UserWarning, match="not a double precision"):
        gradcheck(lambda a: a * 2, (ember.ones(2, requires_grad=True),), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_perturbs_transposed_and_zero_dim_inputs_in_place():
    # each element is perturbed through its own index, so strides and 0-d inputs need no flat view
    # (CuPy reported no shared memory between a 0-d array and its reshape(-1), which used to fail here)
    t = ember.randn(3, 2, dtype=ember.float64).t().detach().requires_grad_()
    assert not t.is_contiguous()
    s = ember.tensor(0.7, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda a, b: (a * b).sin(), (t, s))
    with pytest.raises(GradcheckError, match="2 of 4 entries differ"):
        gradcheck(WrongSquare.apply, (ember.tensor([[1.0, 2.0]], dtype=ember.float64).t().detach()
                                      .requires_grad_(),))


def test_refuses_an_expanded_input():
    x = ember.tensor([1.0], dtype=ember.float64).expand(3).detach().requires_grad_()
    with pytest.raises(ValueError, match="expand"):
        gradcheck(lambda a: a * 2, (x,))
