"""linalg decompositions and matrix functions against PyTorch (see tests/ember/harness.py): svd/svdvals, eigh,
qr, cholesky, solve_triangular, lstsq, pinv, matrix_rank, matrix_power, matrix_exp, multi_dot, vecdot, cond.

SVD and eigh outputs are unique only up to signs of singular/eigen vectors, so those specs check gauge-invariant
functions of them (U diag(S) Vh, |U|, V * V, the values), as PyTorch's own tests do."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def _conditioned(a, i):
    """Square inputs get a dominant diagonal (well-conditioned); others stay random."""
    if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
        return a + 3 * np.eye(a.shape[-1])
    return a


def _sym(a):
    return a + a.mT


def _spd(m, a):
    return a @ a.mT + 2 * m.eye(a.shape[-1], dtype=a.dtype)


def _usv(r):
    U, S, Vh = r
    return (U * S[..., None, :]) @ Vh


LOOSE = {"float32": dict(rtol=2e-3, atol=2e-4)}
SQ = dict(domain=_conditioned, tol=LOOSE)
RECT = [(3, 3), (4, 3), (3, 5), (2, 4, 3), (2, 3, 4)]

SPECS = [
    # SVD: gauge-invariant functions only
    Op("svd_reconstruct", lambda m, a: _usv(m.linalg.svd(a, full_matrices=False)), RECT, tol=LOOSE),
    Op("svd_values", lambda m, a: m.linalg.svd(a)[1], [(4, 3), (3, 5), (2, 3, 3), (1, 1)], tol=LOOSE),
    Op("svd_abs_vectors", lambda m, a: (m.linalg.svd(a, full_matrices=False)[0].abs(),
                                        m.linalg.svd(a, full_matrices=False)[2].abs()), RECT, tol=LOOSE),
    Op("svd_full_square", lambda m, a: m.linalg.svd(a)[0].abs() * 2 + m.linalg.svd(a)[2].abs(),
       [(3, 3), (2, 4, 4)], tol=LOOSE),
    Op("svd_full_rect_values", lambda m, a: m.linalg.svd(a, full_matrices=True)[1], [(5, 3), (2, 3, 5)], tol=LOOSE),
    Op("svdvals", lambda m, a: m.linalg.svdvals(a), RECT, tol=LOOSE),
    Op("torch_svd", lambda m, a: _usv(m.svd(a)[:2] + (m.svd(a)[2].mT,)), RECT, tol=LOOSE),
    Op("torch_svd_some_false", lambda m, a: m.svd(a, some=False)[1], [(4, 3), (3, 5)], tol=LOOSE),
    Op("torch_svd_no_uv", lambda m, a: m.svd(a, compute_uv=False), [(4, 3), (2, 3, 5)], tol=LOOSE),
    Op("svd_method", lambda m, a: a.svd()[1], [(3, 4)], tol=LOOSE),
    # eigh: values, and V * V (sign-free); raw (unsymmetrised) inputs check PyTorch's exact gradient
    Op("eigh_values", lambda m, a: m.linalg.eigh(_sym(a))[0], [(3, 3), (2, 4, 4), (1, 1)], tol=LOOSE),
    Op("eigh_vectors", lambda m, a: (lambda r: (r[1] * r[1], r[0]))(m.linalg.eigh(_sym(a))), [(3, 3), (2, 4, 4)],
       tol=LOOSE),
    Op("eigh_upper", lambda m, a: (lambda r: r[1] * r[1] + r[0][..., None, :])(m.linalg.eigh(_sym(a), UPLO="U")),
       [(3, 3), (2, 3, 3)], tol=LOOSE),
    Op("eigh_raw", lambda m, a: (lambda r: (r[1] * r[1], r[0]))(m.linalg.eigh(a)), [(3, 3), (2, 4, 4)],
       tol=LOOSE, gradcheck=False),
    Op("eigh_raw_upper", lambda m, a: m.linalg.eigh(a, UPLO="U")[0], [(4, 4)], tol=LOOSE, gradcheck=False),
    Op("eigvalsh", lambda m, a: m.linalg.eigvalsh(_sym(a)), [(3, 3), (2, 4, 4)], tol=LOOSE),
    # QR (LAPACK's Householder QR: the same signs as PyTorch)
    Op("qr_reduced", lambda m, a: m.linalg.qr(a), [(3, 3), (5, 3), (3, 5), (2, 4, 3), (2, 3, 4), (1, 1)], tol=LOOSE),
    Op("qr_R_only_grad", lambda m, a: m.linalg.qr(a)[1], [(5, 3), (3, 5)], tol=LOOSE),
    Op("qr_Q_only_grad", lambda m, a: m.linalg.qr(a)[0], [(5, 3), (3, 5), (3, 3)], tol=LOOSE),
    Op("qr_complete", lambda m, a: m.linalg.qr(a, mode="complete"), [(3, 3), (3, 5), (2, 2, 4)], tol=LOOSE),
    Op("qr_complete_tall", lambda m, a: m.linalg.qr(a, mode="complete"), [(5, 3)], tol=LOOSE, grad=False),
    Op("qr_r", lambda m, a: m.linalg.qr(a, mode="r"), [(5, 3), (3, 5)], tol=LOOSE, grad=False),
    Op("torch_qr", lambda m, a: m.qr(a), [(4, 3), (2, 3, 3)], tol=LOOSE),
    Op("torch_qr_some_false", lambda m, a: a.qr(some=False), [(3, 3), (2, 4)], tol=LOOSE),
    # Cholesky
    Op("cholesky", lambda m, a: m.linalg.cholesky(_spd(m, a)), [(3, 3), (2, 4, 4), (1, 1)], tol=LOOSE),
    Op("cholesky_upper", lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True), [(3, 3), (2, 3, 3)], tol=LOOSE),
    Op("cholesky_raw", lambda m, a: m.linalg.cholesky(a), [(3, 3), (2, 4, 4)], gradcheck=False,
       domain=lambda a, i: a + 6 * np.eye(a.shape[-1]), tol=LOOSE),
    Op("torch_cholesky", lambda m, a: (m.cholesky(_spd(m, a)), m.cholesky(_spd(m, a), upper=True)), [(3, 3)],
       tol=LOOSE),
    Op("cholesky_method", lambda m, a: _spd(m, a).cholesky(), [(2, 3, 3)], tol=LOOSE),
    Op("cholesky_ex", lambda m, a: m.linalg.cholesky_ex(_spd(m, a)), [(3, 3), (2, 3, 3)], tol=LOOSE),
    # triangular solves and least squares
    Op("solve_triangular_upper", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True),
       [((3, 3), (3, 2)), ((2, 3, 3), (3, 4)), ((3, 3), (2, 3, 1))], **SQ),
    Op("solve_triangular_lower", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False),
       [((3, 3), (3, 2)), ((2, 1, 3, 3), (4, 3, 2))], **SQ),
    Op("solve_triangular_right", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=True, left=False),
       [((3, 3), (2, 3)), ((2, 3, 3), (2, 4, 3))], **SQ),
    Op("solve_triangular_unit", lambda m, a, b: m.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
       [((3, 3), (3, 2)), ((2, 3, 3), (2, 3, 2))], **SQ),
    Op("lstsq", lambda m, a, b: m.linalg.lstsq(a, b).solution,
       [((4, 3), (4, 2)), ((3, 3), (3, 2)), ((2, 5, 3), (2, 5, 2)), ((4, 3), (4,)), ((3, 5), (3, 2))], **SQ),
    Op("lstsq_gelsd", lambda m, a, b: m.linalg.lstsq(a, b, driver="gelsd"), [((5, 3), (5, 2)), ((2, 4, 3), (2, 4, 1))],
       tol=LOOSE, grad=False),
    Op("lstsq_gelsy", lambda m, a, b: m.linalg.lstsq(a, b), [((5, 3), (5, 2))], tol=LOOSE, grad=False),
    Op("lstsq_gels_gelss", lambda m, a, b: (m.linalg.lstsq(a, b, driver="gels")[:2]
                                            + m.linalg.lstsq(a, b, driver="gelss")),
       [((5, 3), (5, 2)), ((3, 3), (3, 1))], tol=LOOSE, grad=False),
    # PyTorch differentiates lstsq as if nothing were cut off by rcond; ember differentiates the truncated pinv
    Op("lstsq_rcond", lambda m, a, b: m.linalg.lstsq(a, b, rcond=0.5, driver="gelsd").solution, [((5, 3), (5, 2))],
       tol=LOOSE, grad=False),
    # pseudo-inverse and rank
    Op("pinv", lambda m, a: m.linalg.pinv(a), RECT + [(1, 1)], **SQ),
    Op("pinv_hermitian", lambda m, a: m.linalg.pinv(_sym(a), hermitian=True), [(3, 3), (2, 4, 4)], tol=LOOSE),
    Op("pinverse", lambda m, a: (m.pinverse(a), a.pinverse()), [(4, 3)], tol=LOOSE),
    Op("pinv_rank_deficient", lambda m, a, b: (m.linalg.pinv(a @ b), m.linalg.pinv(a @ b, atol=0.5),
                                               m.linalg.pinv(a @ b, rtol=0.3)),
       [((4, 2), (2, 3)), ((2, 3, 1), (1, 3))], tol=LOOSE, grad=False),
    Op("matrix_rank", lambda m, a, b: (m.linalg.matrix_rank(a), m.linalg.matrix_rank(a @ b),
                                       m.linalg.matrix_rank(a, atol=1.0), m.linalg.matrix_rank(a, rtol=0.5),
                                       m.linalg.matrix_rank((a @ b) @ (a @ b).mT, hermitian=True)),
       [((4, 4), (4, 4)), ((2, 5, 3), (2, 3, 3))], grad=False),
    # matrix functions
    Op("matrix_power", lambda m, a: tuple(m.linalg.matrix_power(a, n) for n in (0, 1, 2, 3, 5, -1, -2)),
       [(3, 3), (2, 3, 3), (1, 1)], **SQ),
    Op("matrix_power_torch", lambda m, a: (m.matrix_power(a, 4), a.matrix_power(-3)), [(2, 2, 2)], **SQ),
    Op("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), [(3, 3), (2, 4, 4), (1, 1), (0, 0)], tol=LOOSE),
    Op("matrix_exp_large_norm", lambda m, a: m.linalg.matrix_exp(a * 4), [(3, 3), (2, 3, 3)],
       tol={"float32": dict(rtol=2e-3, atol=1e-3)}),
    Op("matrix_exp_torch", lambda m, a: (m.matrix_exp(a), a.matrix_exp()), [(3, 3)], tol=LOOSE),
    Op("multi_dot", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [((3, 4), (4, 5), (5, 2)),
                                                                        ((4,), (4, 5), (5,)), ((3, 4), (4, 2), (2,))]),
    Op("vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [((3, 4), (3, 4)), ((2, 3), (3,)), ((4,), (4,))]),
    Op("vecdot_dim", lambda m, a, b: m.linalg.vecdot(a, b, dim=0), [((3, 4), (3, 1))]),
    Op("cond", lambda m, a: (m.linalg.cond(a), m.linalg.cond(a, 2), m.linalg.cond(a, -2)), RECT, tol=LOOSE),
    Op("cond_other_norms", lambda m, a: tuple(m.linalg.cond(a, p) for p in ("fro", "nuc", 1, -1, float("inf"))),
       [(3, 3), (2, 4, 4)], grad=False, **SQ),     # PyTorch's own backward fails here (in-place on inv)
    Op("cond_other_norms_grad", lambda m, a: m.linalg.matrix_norm(a, "nuc") * m.linalg.matrix_norm(m.linalg.inv(a), 1),
       [(3, 3)], **SQ),
    # LU (LAPACK's layout: packed factors, 1-based int32 pivots)
    Op("lu_factor", lambda m, a: m.linalg.lu_factor(a), [(3, 3), (2, 4, 4), (3, 5), (5, 3), (1, 1)], tol=LOOSE,
       gradcheck=False, grad=False),
    Op("lu_factor_grad", lambda m, a: m.linalg.lu_factor(a)[0], [(3, 3), (2, 4, 4), (1, 1)], tol=LOOSE),
    Op("lu_factor_ex", lambda m, a: m.linalg.lu_factor_ex(a), [(3, 3), (2, 3, 3)], tol=LOOSE),
    Op("lu_solve", lambda m, a, b: m.linalg.lu_solve(*m.linalg.lu_factor(a), b),
       [((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 1)), ((2, 3, 3), (3, 2)), ((3, 3), (2, 3, 2))], **SQ),
    Op("lu_solve_adjoint_right", lambda m, a, b: (m.linalg.lu_solve(*m.linalg.lu_factor(a), b, adjoint=True),
                                                  m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT, left=False),
                                                  m.linalg.lu_solve(*m.linalg.lu_factor(a), b.mT, left=False,
                                                                    adjoint=True)),
       [((3, 3), (3, 2)), ((2, 4, 4), (2, 4, 3))], **SQ),
    Op("diagonal", lambda m, a: (m.linalg.diagonal(a), m.linalg.diagonal(a, offset=1, dim1=0, dim2=2)),
       [(2, 3, 4)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_matrix_power_zero_is_identity_even_for_inf():
    a = ember.tensor([[float("inf"), 1.0], [2.0, 3.0]], requires_grad=True)
    p = ember.linalg.matrix_power(a, 0)
    assert p.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    p.sum().backward()
    assert a.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_factorisations_reconstruct():
    a = ember.randn(2, 5, 3, dtype=ember.float64)
    U, S, Vh = ember.linalg.svd(a)
    assert U.shape == (2, 5, 5) and Vh.shape == (2, 3, 3)
    np.testing.assert_allclose((U[..., :3] @ ember.diag_embed(S) @ Vh).numpy(), a.numpy(), atol=1e-12)
    Q, R = ember.linalg.qr(a)
    np.testing.assert_allclose((Q @ R).numpy(), a.numpy(), atol=1e-12)
    np.testing.assert_allclose((Q.mT @ Q).numpy(), np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-12)
    s = a.mT @ a
    L = ember.linalg.cholesky(s)
    np.testing.assert_allclose((L @ L.mT).numpy(), s.numpy(), atol=1e-12)
    w, V = ember.linalg.eigh(s)
    np.testing.assert_allclose((V @ ember.diag_embed(w) @ V.mT).numpy(), s.numpy(), atol=1e-11)
    np.testing.assert_allclose(ember.linalg.matrix_exp(ember.zeros(3, 3)).numpy(), np.eye(3))


def test_cholesky_not_positive_definite():
    bad = ember.tensor([[[4.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(RuntimeError, match=r"Batch element 1.*not positive-definite.*order 2"):
        ember.linalg.cholesky(bad)
    with pytest.raises(RuntimeError, match="not positive-definite"):
        ember.cholesky(-ember.eye(3))
    L, info = ember.linalg.cholesky_ex(bad)
    assert info.dtype == ember.int32 and info.tolist() == [0, 2]
    np.testing.assert_allclose(L[0].numpy(), [[2, 0], [0, 1]])
    with pytest.raises(RuntimeError, match="order 2"):
        ember.linalg.cholesky_ex(bad, check_errors=True)


def test_errors():
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.eigh(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.cholesky(ember.zeros(2, 3))
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.matrix_exp(ember.zeros(3, 2))
    with pytest.raises(RuntimeError, match="square matrices"):
        ember.linalg.matrix_power(ember.zeros(3, 2), 2)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.svd(ember.zeros(3))
    with pytest.raises(RuntimeError, match="floating point"):
        ember.linalg.qr(ember.zeros(2, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="UPLO"):
        ember.linalg.eigh(ember.eye(2), UPLO="X")
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        ember.linalg.qr(ember.eye(2), mode="full")
    with pytest.raises(RuntimeError, match="at least 2 tensors"):
        ember.linalg.multi_dot([ember.eye(2)])
    with pytest.raises(RuntimeError, match="tensor 1 must be 2D"):
        ember.linalg.multi_dot([ember.ones(2), ember.ones(2), ember.ones(2)])
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.solve_triangular(ember.eye(3), ember.ones(3), upper=True)
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        ember.linalg.solve_triangular(ember.eye(3), ember.ones(2, 2), upper=True)


def test_lu_factor_zero_pivot():
    s = ember.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"U\[2,2\] is zero"):
        ember.linalg.lu_factor(s)
    LU, piv, info = ember.linalg.lu_factor_ex(ember.stack([ember.eye(2), s]))
    assert info.dtype == ember.int32 and info.tolist() == [0, 2] and piv.tolist() == [[1, 2], [2, 2]]
    a = ember.tensor([[0.0, 1.0], [3.0, 4.0]], dtype=ember.float64)
    LU, piv = ember.linalg.lu_factor(a)
    assert piv.tolist() == [2, 2]
    np.testing.assert_allclose(LU.numpy(), [[3.0, 4.0], [0.0, 1.0]])


def test_qr_backward_errors():
    a = ember.randn(4, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="mode='r'"):
        ember.linalg.qr(a, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        ember.linalg.qr(a, mode="complete").Q.sum().backward()


def test_singular_values_match_numpy_and_torch():
    a = np.random.default_rng(3).standard_normal((3, 6, 4))
    s = ember.linalg.svdvals(ember.tensor(a)).numpy()
    np.testing.assert_allclose(s, torch.linalg.svdvals(torch.tensor(a)).numpy(), rtol=1e-12)
    assert (np.diff(s, axis=-1) <= 0).all()


def test_partial_cholesky_factor_is_caught_off_the_cpu():
    """CuPy returns a partial factor (no NaNs, no error) for a matrix that is not positive-definite."""
    import types
    from ember.ops.decomp import _chol_failed
    xp = types.SimpleNamespace(isfinite=np.isfinite, tril=np.tril, abs=np.abs, swapaxes=np.swapaxes)
    a = np.array([[4.0, 2.0], [2.0, -3.0]])
    partial = np.array([[2.0, 0.0], [1.0, -4.0]])       # what potrf leaves after failing at order 2
    good = np.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 3.0]]))
    assert _chol_failed(xp, a, partial)
    assert not _chol_failed(xp, np.array([[4.0, 9.0], [2.0, 3.0]]), good)    # only the lower triangle counts
