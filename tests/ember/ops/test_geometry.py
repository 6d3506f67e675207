"""cross, linalg.cross and cdist against PyTorch (see tests/ember/harness.py)."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests

LOOSE = {"float32": dict(rtol=1e-4, atol=1e-4)}
SPECS = [
    Op("cross", lambda m, a, b: m.cross(a, b, dim=1), [((4, 3), (4, 3)), ((0, 3), (0, 3))]),
    Op("cross_dim0", lambda m, a, b: a.cross(b, dim=0), [((3, 2), (3, 2)), ((3,), (3,))]),
    Op("cross_broadcast", lambda m, a, b: m.cross(a, b, dim=-1), [((1, 3), (2, 3)), ((2, 1, 3), (1, 4, 3))]),
    Op("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), [((5, 3), (5, 3)), ((2, 3), (1, 3))]),
    Op("linalg_cross_dim", lambda m, a, b: m.linalg.cross(a, b, dim=0), [((3, 4), (3, 4))]),
    Op("cdist", lambda m, a, b: m.cdist(a, b), [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)), ((2, 4, 3), (5, 3)),
                                                 ((0, 3), (2, 3)), ((3, 0), (2, 0))], tol=LOOSE),
    Op("cdist_p1", lambda m, a, b: m.cdist(a, b, p=1), [((4, 3), (5, 3))], tol=LOOSE),
    Op("cdist_p3", lambda m, a, b: m.cdist(a, b, p=3.0), [((4, 3), (5, 3)), ((2, 1, 3, 2), (4, 2, 2))], tol=LOOSE),
    Op("cdist_p_half", lambda m, a, b: m.cdist(a, b, p=0.5), [((3, 2), (4, 2))], tol=LOOSE),
    Op("cdist_inf", lambda m, a, b: m.cdist(a, b, p=math.inf), [((4, 3), (5, 3))], tol=LOOSE),
    Op("cdist_p0", lambda m, a, b: m.cdist(a, b, p=0), [((4, 3), (5, 3))], gradcheck=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_cdist_zero_distance_has_zero_gradient():
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    ember.cdist(x, x.detach()).sum().backward()
    torch.cdist(tx, tx.detach()).sum().backward()
    assert not x.grad.isnan().any().item()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)


def test_cross_default_dim_is_first_of_size_3():
    a, b = ember.randn(2, 3, 3), ember.randn(2, 3, 3)
    want = torch.linalg.cross(torch.tensor(a.numpy()), torch.tensor(b.numpy()), dim=1).numpy()
    np.testing.assert_allclose(ember.cross(a, b).numpy(), want, rtol=1e-5, atol=1e-6)


def test_errors():
    with pytest.raises(RuntimeError, match="must have length 3"):
        ember.linalg.cross(ember.zeros(2, 4), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="no dimension of size 3"):
        ember.cross(ember.zeros(2, 4), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.linalg.cross(ember.zeros(3), ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="at least 2D"):
        ember.cdist(ember.zeros(3), ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="same number of columns"):
        ember.cdist(ember.zeros(2, 3), ember.zeros(2, 4))
    with pytest.raises(RuntimeError, match="non-negative p"):
        ember.cdist(ember.zeros(2, 3), ember.zeros(2, 3), p=-1)
    with pytest.raises(RuntimeError, match="floating-point"):
        ember.cdist(ember.zeros(2, 3, dtype=ember.int64), ember.zeros(2, 3, dtype=ember.int64))
