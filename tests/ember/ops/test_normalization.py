"""layer_norm, batch_norm and group_norm against torch.nn.functional."""
import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}


def _bn(m, x, w, b, training):
    c = x.shape[1]
    rm, rv = m.zeros(c, dtype=x.dtype), m.ones(c, dtype=x.dtype)
    y = F(m).batch_norm(x, rm, rv, w, b, training=training, momentum=0.3)
    return y, rm, rv


LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}
T3 = "m.tensor([2, 0, 1])"

SPECS = [
    Op("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,)),
                                                                          ((2, 3, 4), (4,), (4,))], tol=LOOSE),
    Op("layer_norm_2d", lambda m, x, w, b: F(m).layer_norm(x, (3, 4), w, b, eps=1e-3), [((2, 3, 4), (3, 4), (3, 4))],
       tol=LOOSE),
    Op("layer_norm_plain", lambda m, x: F(m).layer_norm(x, [4]), [(3, 4)], tol=LOOSE),
    Op("batch_norm_train", lambda m, x, w, b: _bn(m, x, w, b, True), [((4, 3), (3,), (3,)),
                                                                      ((2, 3, 4, 5), (3,), (3,))], tol=LOOSE),
    Op("batch_norm_eval", lambda m, x, w, b: _bn(m, x, w, b, False), [((4, 3, 2), (3,), (3,))], tol=LOOSE),
    Op("batch_norm_noaffine", lambda m, x: F(m).batch_norm(x, None, None, training=True), [(5, 3)], tol=LOOSE),
    Op("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [((2, 4, 3), (4,), (4,))], tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_batch_norm_updates_running_stats_in_place():
    x = ember.randn(8, 3) * 2 + 1
    rm, rv = ember.zeros(3), ember.ones(3)
    nn_ops.batch_norm(x, rm, rv, training=True, momentum=0.1)
    xn = x.numpy()
    np.testing.assert_allclose(rm.numpy(), 0.1 * xn.mean(0), rtol=1e-5)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * xn.var(0, ddof=1), rtol=1e-5)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn_ops.batch_norm(ember.ones(1, 3), rm, rv, training=True)
