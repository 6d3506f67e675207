"""inverse / linalg.inv, det, slogdet, logdet and linalg.solve against PyTorch (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def _conditioned(a, i):
    """Square inputs get a dominant diagonal (well-conditioned, positive determinant); others stay random."""
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
        return a + 3 * np.eye(a.shape[-1])
    return a


def _negative_det(a, i):
    a = _conditioned(a, i)
    if a.ndim >= 2 and a.shape[-2]:
        a[..., 0, :] *= -1
    return a


LOOSE = {"float32": dict(rtol=1e-3, atol=1e-4)}
SQ = dict(domain=_conditioned, tol=LOOSE)
SPECS = [
    Op("inverse", lambda m, a: m.inverse(a), [(3, 3), (2, 4, 4), (1, 1), (0, 0), (0, 2, 2)], **SQ),
    Op("linalg_inv", lambda m, a: m.linalg.inv(a) * a.sum(), [(3, 3)], **SQ),
    Op("inverse_method", lambda m, a: a.inverse(), [(2, 3, 3)], domain=_negative_det, tol=LOOSE),
    Op("det", lambda m, a: m.det(a), [(3, 3), (2, 4, 4), (1, 1), (0, 0)], **SQ),
    Op("linalg_det_neg", lambda m, a: m.linalg.det(a), [(3, 3)], domain=_negative_det, tol=LOOSE),
    Op("det_method", lambda m, a: a.det(), [(2, 2, 2)], **SQ),
    Op("slogdet", lambda m, a: m.linalg.slogdet(a), [(3, 3), (2, 3, 3), (0, 0)], domain=_negative_det, tol=LOOSE),
    Op("slogdet_method", lambda m, a: a.slogdet()[1], [(3, 3)], **SQ),
    Op("slogdet_torch", lambda m, a: m.slogdet(a), [(4, 4)], **SQ),
    Op("logdet", lambda m, a: m.logdet(a), [(3, 3), (2, 3, 3)], **SQ),
    Op("logdet_negative_is_nan", lambda m, a: a.logdet(), [(3, 3)], domain=_negative_det, grad=False),
    Op("solve", lambda m, a, b: m.linalg.solve(a, b), [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)),
                                                        ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1)),
                                                        ((2, 1, 3, 3), (4, 3, 2)), ((3, 3), (3, 0))], **SQ),
    Op("solve_left_false", lambda m, a, b: m.linalg.solve(a, b, left=False), [((3, 3), (2, 3)),
                                                                              ((2, 3, 3), (2, 4, 3))], **SQ),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_inverse_times_input_is_identity():
    a = ember.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=ember.float64)
    np.testing.assert_allclose((ember.linalg.inv(a) @ a).numpy(), np.eye(2), atol=1e-12)
    assert ember.linalg.det(a).item() == pytest.approx(5.0)


def test_singular():
    s = ember.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="singular"):
        ember.linalg.inv(s)
    with pytest.raises(RuntimeError, match="singular"):
        ember.linalg.solve(s, ember.ones(2))
    sign, logabs = ember.linalg.slogdet(s)
    tsign, tlog = torch.linalg.slogdet(torch.tensor(s.numpy()))
    assert sign.item() == tsign.item() == 0 and logabs.item() == tlog.item() == -float("inf")
    assert ember.det(s).item() == 0.0


def test_errors():
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.inv(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.det(ember.zeros(3))
    with pytest.raises(RuntimeError, match="floating point"):
        ember.linalg.det(ember.zeros(2, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        ember.linalg.solve(ember.eye(3), ember.zeros(2, 2))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.linalg.solve(ember.eye(3), ember.zeros(3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="do not broadcast"):
        ember.linalg.solve(ember.zeros(2, 3, 3), ember.zeros(4, 3, 1))
