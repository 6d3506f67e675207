"""conv_transpose1d/2d, unfold and fold against torch.nn.functional (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}


def F(m):
    return torch.nn.functional if m is torch else ember.nn.functional


def _ct2d(name, x, w, bias=True, **kw):
    if bias:
        b = (w[1] * kw.get("groups", 1),)
        return Op(name, lambda m, x, w, b: F(m).conv_transpose2d(x, w, b, **kw), [(x, w, b)], tol=LOOSE)
    return Op(name, lambda m, x, w: F(m).conv_transpose2d(x, w, **kw), [(x, w)], tol=LOOSE)


SPECS = [
    _ct2d("ct2d", (2, 3, 4, 5), (3, 2, 3, 3)),
    _ct2d("ct2d_stride_pad", (2, 2, 4, 3), (2, 3, 3, 2), bias=False, stride=2, padding=1),
    _ct2d("ct2d_output_padding", (1, 2, 3, 4), (2, 2, 3, 3), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)),
    _ct2d("ct2d_outpad_over_pad", (1, 2, 3, 3), (2, 1, 2, 2), bias=False, stride=3, output_padding=2),
    _ct2d("ct2d_groups", (2, 4, 3, 3), (4, 3, 3, 2), groups=2, stride=2),
    _ct2d("ct2d_dilation", (1, 2, 4, 4), (2, 3, 3, 3), dilation=(2, 1), padding=(2, 1)),
    _ct2d("ct2d_dil_outpad", (1, 3, 3, 4), (3, 1, 2, 2), groups=3, dilation=2, output_padding=1),
    Op("ct2d_unbatched", lambda m, x, w: F(m).conv_transpose2d(x, w, stride=2), [((2, 3, 3), (2, 3, 2, 2))],
       tol=LOOSE),
    Op("ct1d", lambda m, x, w, b: F(m).conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1),
       [((2, 3, 5), (3, 4, 3), (4,))], tol=LOOSE),
    Op("ct1d_groups_dil", lambda m, x, w: F(m).conv_transpose1d(x, w, groups=2, dilation=3),
       [((1, 4, 6), (4, 1, 3))], tol=LOOSE),
    Op("ct1d_unbatched", lambda m, x, w: F(m).conv_transpose1d(x, w), [((2, 5), (2, 3, 2))], tol=LOOSE),
    Op("unfold", lambda m, x: F(m).unfold(x, 2), [(2, 3, 4, 5)]),
    Op("unfold_all", lambda m, x: F(m).unfold(x, (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1)),
       [(2, 2, 6, 7)]),
    Op("unfold_unbatched", lambda m, x: F(m).unfold(x, 3, padding=1, stride=2), [(2, 5, 5)]),
    Op("fold", lambda m, x: F(m).fold(x, (4, 5), 2), [(2, 12, 12)]),
    Op("fold_all", lambda m, x: F(m).fold(x, (6, 7), (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1)),
       [(2, 12, 15)]),
    Op("fold_unbatched", lambda m, x: F(m).fold(x, 5, 3, padding=1, stride=2), [(18, 9)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_conv_transpose_is_the_adjoint_of_conv():
    # <conv2d(y, w), x> == <y, conv_transpose2d(x, w)> when output_padding restores y's size
    rng = np.random.default_rng(0)
    y, x, w = rng.standard_normal((2, 4, 8, 8)), rng.standard_normal((2, 6, 4, 4)), rng.standard_normal((6, 2, 3, 3))
    kw = dict(stride=2, padding=1, groups=2)
    ct = F(ember).conv_transpose2d(ember.tensor(x), ember.tensor(w), output_padding=1, **kw)
    assert tuple(ct.shape) == y.shape
    lhs = (F(ember).conv2d(ember.tensor(y), ember.tensor(w), **kw) * ember.tensor(x)).sum().item()
    rhs = (ct * ember.tensor(y)).sum().item()
    assert abs(lhs - rhs) < 1e-9 * abs(lhs) and lhs != 0


def test_conv_transpose_grad_fn_name():
    x = ember.randn(1, 2, 3, 3, requires_grad=True)
    assert F(ember).conv_transpose2d(x, ember.randn(2, 1, 2, 2)).grad_fn.name() == "ConvolutionBackward0"


@pytest.mark.parametrize("call,match", [
    (lambda F, x, w: F.conv_transpose2d(x, w, stride=2, output_padding=2), "output padding must be smaller"),
    (lambda F, x, w: F.conv_transpose2d(x, w[:3]), "channels"),
    (lambda F, x, w: F.conv_transpose2d(x, w, padding=5), "too small"),
    (lambda F, x, w: F.conv_transpose2d(x, w, groups=3), "divisible by groups"),
    (lambda F, x, w: F.fold(x.reshape(1, 4, 9), 5, 2), "sliding blocks"),
])
def test_conv_transpose_and_fold_errors(call, match):
    x, w = ember.randn(1, 4, 3, 3), ember.randn(4, 2, 2, 2)
    with pytest.raises(RuntimeError, match=match):
        call(F(ember), x, w)
    with pytest.raises(RuntimeError):
        call(F(torch), torch.randn(1, 4, 3, 3), torch.randn(4, 2, 2, 2))
