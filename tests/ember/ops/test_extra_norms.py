"""instance_norm, rms_norm and local_response_norm against torch.nn.functional."""
import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}


def _inorm(m, x, w, b, use_input_stats):
    c = x.shape[1]
    rm = m.linspace(-1, 1, c, dtype=x.dtype)
    rv = m.linspace(0.5, 2, c, dtype=x.dtype)
    y = F(m).instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=0.3)
    return y, rm, rv                         # the updated running statistics are compared too


SPECS = [
    Op("instance_norm", lambda m, x: F(m).instance_norm(x), [(2, 3, 5), (2, 3, 4, 3)], tol=LOOSE),
    Op("instance_norm_affine", lambda m, x, w, b: F(m).instance_norm(x, weight=w, bias=b, eps=1e-3),
       [((2, 3, 5), (3,), (3,)), ((1, 2, 2, 2, 3), (2,), (2,))], tol=LOOSE),
    Op("instance_norm_running", lambda m, x, w, b: _inorm(m, x, w, b, True), [((3, 2, 6), (2,), (2,))], tol=LOOSE),
    Op("instance_norm_eval", lambda m, x, w, b: _inorm(m, x, w, b, False), [((3, 2, 4, 2), (2,), (2,))], tol=LOOSE),
    Op("rms_norm", lambda m, x, w: F(m).rms_norm(x, (4,), w), [((3, 4), (4,)), ((2, 3, 4), (4,))], tol=LOOSE),
    Op("rms_norm_2d", lambda m, x, w: F(m).rms_norm(x, [3, 4], w, eps=1e-3), [((2, 3, 4), (3, 4))], tol=LOOSE),
    Op("rms_norm_plain", lambda m, x: F(m).rms_norm(x, (5,)), [(2, 5), (5,)], tol=LOOSE),
    Op("local_response_norm", lambda m, x: F(m).local_response_norm(x, 3, alpha=0.5, beta=0.6, k=1.5),
       [(2, 5, 4), (2, 4, 3, 3), (1, 3, 2, 2, 2)], tol=LOOSE),
    Op("local_response_norm_even", lambda m, x: F(m).local_response_norm(x, 4, alpha=0.3), [(2, 6, 3)], tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_instance_norm_refuses_single_spatial_element_and_missing_stats():
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn_ops.instance_norm(ember.ones(2, 3, 1))
    with pytest.raises(RuntimeError, match="running_mean and running_var"):
        nn_ops.instance_norm(ember.ones(2, 3, 4), use_input_stats=False)


def test_rms_norm_default_eps_is_the_dtype_epsilon():
    # all-zero rows give 0 / sqrt(eps): finite, and the size of eps shows in a tiny input
    x = ember.full((1, 4), 1e-4, dtype=ember.float32)
    got = nn_ops.rms_norm(x, (4,)).numpy()
    want = 1e-4 / np.sqrt(1e-8 + np.finfo(np.float32).eps)
    np.testing.assert_allclose(got, want, rtol=1e-5)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn_ops.rms_norm(ember.ones(2, 3), (4,))


def test_local_response_norm_checks_dims():
    with pytest.raises(ValueError, match="3D or higher"):
        nn_ops.local_response_norm(ember.ones(2, 3), 2)
