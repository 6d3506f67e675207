"""conv3d and conv_transpose3d against torch.nn.functional (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}

SPECS = [
    Op("conv3d", lambda m, x, w, b: F(m).conv3d(x, w, b), [((2, 3, 4, 5, 4), (4, 3, 2, 3, 2), (4,))], tol=LOOSE),
    Op("conv3d_stride_pad", lambda m, x, w: F(m).conv3d(x, w, stride=(2, 1, 2), padding=(1, 0, 2)),
       [((1, 2, 5, 4, 6), (3, 2, 3, 2, 3))], tol=LOOSE),
    Op("conv3d_dilation", lambda m, x, w: F(m).conv3d(x, w, dilation=(2, 1, 2), padding=1),
       [((1, 2, 5, 4, 5), (2, 2, 2, 3, 2))], tol=LOOSE),
    Op("conv3d_groups", lambda m, x, w, b: F(m).conv3d(x, w, b, groups=2, stride=2),
       [((2, 4, 5, 4, 5), (6, 2, 2, 2, 3), (6,))], tol=LOOSE),
    Op("conv3d_same", lambda m, x, w: F(m).conv3d(x, w, padding="same", dilation=(1, 2, 1)),
       [((1, 2, 4, 5, 4), (2, 2, 2, 2, 3))], tol=LOOSE),
    Op("conv3d_valid", lambda m, x, w: F(m).conv3d(x, w, padding="valid"), [((1, 2, 3, 4, 3), (2, 2, 3, 1, 2))],
       tol=LOOSE),
    Op("conv3d_unbatched", lambda m, x, w: F(m).conv3d(x, w), [((2, 3, 4, 3), (3, 2, 2, 2, 2))], tol=LOOSE),
    Op("conv_transpose3d", lambda m, x, w, b: F(m).conv_transpose3d(x, w, b), [((2, 3, 3, 4, 3), (3, 2, 2, 3, 2), (2,))],
       tol=LOOSE),
    Op("conv_transpose3d_stride", lambda m, x, w: F(m).conv_transpose3d(x, w, stride=(2, 1, 2), padding=(1, 0, 1),
                                                                        output_padding=(1, 0, 0)),
       [((1, 2, 3, 3, 3), (2, 3, 3, 2, 3))], tol=LOOSE),
    Op("conv_transpose3d_groups_dil", lambda m, x, w, b: F(m).conv_transpose3d(x, w, b, groups=2, dilation=(2, 1, 1),
                                                                               stride=2, output_padding=1),
       [((1, 4, 3, 2, 3), (4, 1, 2, 2, 2), (2,))], tol=LOOSE),
    Op("conv_transpose3d_unbatched", lambda m, x, w: F(m).conv_transpose3d(x, w, padding=1),
       [((2, 3, 3, 3), (2, 2, 3, 3, 3))], tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_conv3d_grad_fn_names_match_pytorch():
    x, w = np.ones((1, 2, 3, 3, 3)), np.ones((2, 2, 2, 2, 2))
    for fn in ("conv3d", "conv_transpose3d"):
        e = getattr(nn_ops, fn)(ember.tensor(x, requires_grad=True), ember.tensor(w))
        t = getattr(torch.nn.functional, fn)(torch.tensor(x, requires_grad=True), torch.tensor(w))
        assert e.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("call,match", [
    (lambda x, w: nn_ops.conv3d(x, w, groups=3), "divisible by groups"),
    (lambda x, w: nn_ops.conv3d(x, w, stride=2, padding="same"), "strided"),
    (lambda x, w: nn_ops.conv3d(x[:, :, :1], w), "Kernel size can't be greater"),
    (lambda x, w: nn_ops.conv_transpose3d(x, w, stride=1, output_padding=1), "output padding must be smaller"),
])
def test_conv3d_errors(call, match):
    x, w = ember.ones(1, 2, 3, 3, 3), ember.ones(2, 2, 2, 2, 2)
    with pytest.raises((RuntimeError, ValueError), match=match):
        call(x, w)
