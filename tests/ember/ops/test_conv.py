"""conv1d and conv2d against torch.nn.functional (see tests/ember/harness.py)."""
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}

SPECS = [
    Op("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [((2, 3, 6, 5), (4, 3, 3, 3), (4,))], tol=LOOSE),
    Op("conv2d_stride_pad", lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1), [((2, 2, 7, 6), (3, 2, 3, 2))],
       tol=LOOSE),
    Op("conv2d_dilation", lambda m, x, w: F(m).conv2d(x, w, dilation=(2, 1), padding=(2, 0)),
       [((1, 2, 7, 7), (3, 2, 3, 3))], tol=LOOSE),
    Op("conv2d_groups", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2), [((2, 4, 5, 5), (6, 2, 3, 3), (6,))],
       tol=LOOSE),
    Op("conv2d_same", lambda m, x, w: F(m).conv2d(x, w, padding="same"), [((1, 2, 5, 6), (2, 2, 4, 3))], tol=LOOSE),
    Op("conv2d_unbatched", lambda m, x, w: F(m).conv2d(x, w), [((2, 5, 5), (3, 2, 2, 2))], tol=LOOSE),
    Op("conv2d_1x1", lambda m, x, w: F(m).conv2d(x, w), [((2, 3, 4, 4), (5, 3, 1, 1))], tol=LOOSE),
    Op("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, stride=2, padding=1), [((2, 3, 9), (4, 3, 3), (4,))],
       tol=LOOSE),
    Op("conv1d_groups_dil", lambda m, x, w: F(m).conv1d(x, w, groups=3, dilation=2), [((1, 3, 10), (3, 1, 3))],
       tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
