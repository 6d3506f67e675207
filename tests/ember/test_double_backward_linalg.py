"""Second (and third) derivatives through inverses, determinants, solves, Cholesky, cdist, the decompositions and
the gamma-family special functions (ember/ops/grad_formulas/linalg_extra.py), against PyTorch in float64, on
workloads that need them: a log-determinant's Hessian, a Gaussian process's likelihood differentiated twice.
Every op spec's second derivatives are also checked by tests/ember/harness.py's test_gradgrad."""
import numpy as np
import pytest
import torch

import ember
from ember.autograd import higher_order

RNG = np.random.default_rng(11)


def _np(t):
    return t.detach().numpy()


def _hessian(m, f, x0):
    """The full Hessian of scalar ``f`` at ``x0`` (n,) row by row, in library ``m``."""
    x = m.tensor(x0, requires_grad=True)
    g, = m.autograd.grad(f(m, x), x, create_graph=True)
    return np.stack([_np(m.autograd.grad(g[i], x, retain_graph=True)[0]) for i in range(x0.size)])


def _spd(n):
    a = RNG.standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def test_hessian_of_log_det_of_an_spd_matrix_matches_pytorch_and_the_closed_form():
    a0 = _spd(4)

    def logdet(m, x):
        a = x.reshape(4, 4)
        return m.linalg.slogdet(a)[1] + m.logdet(a @ a.mT) + m.log(m.linalg.det(a))
    h = _hessian(ember, logdet, a0.ravel())
    np.testing.assert_allclose(h, _hessian(torch, logdet, a0.ravel()), rtol=1e-9, atol=1e-12)
    inv = np.linalg.inv(a0)     # d2 log det / dA_ij dA_kl = -inv_li inv_jk, four times (logdet(A A^T) is twice)
    np.testing.assert_allclose(h, -4 * np.einsum("li,jk->ijkl", inv, inv).reshape(16, 16), rtol=1e-9, atol=1e-12)


def test_third_derivative_of_log_det_along_a_line():
    a0, b0 = _spd(3), RNG.standard_normal((3, 3))
    t = ember.tensor(0.0, dtype=ember.float64, requires_grad=True)
    f = ember.linalg.slogdet(ember.tensor(a0) + t * ember.tensor(b0))[1]
    d = f
    for _ in range(3):
        d, = ember.autograd.grad(d, t, create_graph=True)
    m = np.linalg.solve(a0, b0)     # (d/dt)^3 log det(A + tB) = 2 tr((A^-1 B)^3) at t = 0
    np.testing.assert_allclose(d.item(), 2 * np.trace(m @ m @ m), rtol=1e-10)


def _gp_nll(m, theta, X, y):
    """A Gaussian process's negative log likelihood, hyperparameters theta = log(lengthscale, variance, noise):
    an RBF kernel from ``cdist``, its Cholesky factor, two triangular solves."""
    ell, var, noise = m.exp(theta[0]), m.exp(theta[1]), m.exp(theta[2])
    d = m.cdist(X, X)
    K = var * m.exp(-0.5 * d * d / (ell * ell)) + noise * m.eye(X.shape[0], dtype=X.dtype)
    L = m.linalg.cholesky(K)
    a = m.linalg.solve(L.mT, m.linalg.solve(L, y))
    return 0.5 * (y * a).sum() + m.log(m.diagonal(L)).sum()


def test_gaussian_process_likelihood_hessian_in_the_hyperparameters_matches_pytorch():
    X0, y0 = RNG.uniform(-2, 2, (7, 2)), RNG.standard_normal(7)
    theta0 = np.array([0.1, 0.3, -1.0])
    hs = [_hessian(m, lambda m, th: _gp_nll(m, th, m.tensor(X0), m.tensor(y0)), theta0) for m in (ember, torch)]
    np.testing.assert_allclose(hs[0], hs[1], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(hs[0], hs[0].T, rtol=1e-9, atol=1e-12)


def test_hessian_vector_product_through_cdist_cholesky_and_solve_in_the_inputs():
    # sparse-GP style: Q = Kxz Kzz^-1 Kzx + noise I. PyTorch differentiates cdist twice only on its matmul path.
    X0, Z0, y0, vX, vZ = (RNG.uniform(-2, 2, s) for s in ((6, 2), (3, 2), (6,), (6, 2), (3, 2)))
    out = []
    for m in (ember, torch):
        X, Z = m.tensor(X0, requires_grad=True), m.tensor(Z0, requires_grad=True)
        Kxz = m.exp(-0.5 * m.cdist(X, Z, compute_mode="use_mm_for_euclid_dist") ** 2)
        Kzz = m.exp(-0.5 * ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)) + 1e-3 * m.eye(3, dtype=Z.dtype)
        Q = Kxz @ m.linalg.solve(Kzz, Kxz.mT) + 0.1 * m.eye(6, dtype=X.dtype)
        L = m.linalg.cholesky(Q)
        y = m.tensor(y0)
        nll = 0.5 * (y * m.linalg.solve(Q, y)).sum() + m.log(m.diagonal(L)).sum()
        gX, gZ = m.autograd.grad(nll, (X, Z), create_graph=True)
        hv = m.autograd.grad((gX * m.tensor(vX)).sum() + (gZ * m.tensor(vZ)).sum(), (X, Z))
        out.append([_np(h) for h in hv])
    for e, t in zip(*out):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0, float("inf")])
def test_cdist_second_derivatives_match_the_composite_formula(p):
    a0, b0, w = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((5, 3)), RNG.standard_normal((2, 4, 3))
    out = []
    for m in (ember, torch):
        a, b = m.tensor(a0, requires_grad=True), m.tensor(b0, requires_grad=True)
        if m is ember:
            d = m.cdist(a, b, p=p)
        else:           # PyTorch's own cdist has no double backward here
            ad = (a[..., :, None, :] - b[None, None, :, :]).abs()
            d = ad.amax(-1) if p == float("inf") else (ad ** p).sum(-1) ** (1 / p)
        ga, = m.autograd.grad((d ** 3).sum(), a, create_graph=True)
        out.append([_np(h) for h in m.autograd.grad((ga * m.tensor(w)).sum(), (a, b))])
    for e, t in zip(*out):
        np.testing.assert_allclose(e, t, rtol=1e-9, atol=1e-11)


_DECOMPS = {
    "eigh": lambda m, a: (m.linalg.eigh(a + a.mT)[0] ** 3).sum() + m.linalg.eigh(a + a.mT)[1][:, -1].abs().sum(),
    "svd": lambda m, a: (lambda U, S, Vh: (S ** 3).sum() + U[:, 0].abs().sum() + Vh[0].abs().sum())(
        *m.linalg.svd(a[:, :3], full_matrices=False)),
    "qr": lambda m, a: (lambda Q, R: (Q[0] * R[:, 0]).sum() + (R ** 2).sum())(*m.linalg.qr(a[:3])),
    "pinv": lambda m, a: (m.linalg.pinv(a[:, :3]) ** 2).sum(),
    "matrix_exp": lambda m, a: (m.linalg.matrix_exp(0.3 * a) ** 2).sum(),
    "lu_factor": lambda m, a: (m.linalg.lu_factor(a)[0] ** 3).sum(),
    "cholesky_ex_upper": lambda m, a: (m.linalg.cholesky_ex(a @ a.mT + 4 * m.eye(4, dtype=a.dtype),
                                                            upper=True)[0] ** 3).sum(),
}


@pytest.mark.parametrize("name", sorted(_DECOMPS))
def test_decomposition_hessians_match_pytorch(name):
    a0 = RNG.standard_normal((4, 4)) + 2 * np.eye(4)
    f = _DECOMPS[name]
    hs = [_hessian(m, lambda m, x: f(m, x.reshape(4, 4)), a0.ravel()) for m in (ember, torch)]
    np.testing.assert_allclose(hs[0], hs[1], rtol=1e-8, atol=1e-10)


@pytest.fixture
def special_formulas(monkeypatch):
    """The gamma-family formulas, registered for this test if the package has not wired ``OVERRIDES`` in yet."""
    from ember.ops.grad_formulas import linalg_extra    # loads the package first: unary.py registers on import
    for cls, fn in linalg_extra.OVERRIDES.items():
        monkeypatch.setitem(higher_order._FORMULAS, cls, fn)


@pytest.mark.parametrize("op", ["lgamma", "digamma", "polygamma2", "i0"])
def test_special_function_third_derivatives_match_pytorch(op, special_formulas):
    x0 = np.r_[RNG.uniform(0.2, 4, 5), -1.7, -0.4] if op != "i0" else np.r_[RNG.uniform(-6, 6, 6), 0.0, 35.0]
    out = []
    for m in (ember, torch):
        x = m.tensor(x0, requires_grad=True)
        y = m.polygamma(2, x) if op == "polygamma2" else getattr(m, op)(x)
        ds = []
        for _ in range(3):
            y, = m.autograd.grad(y.sum(), x, create_graph=True)
            ds.append(_np(y))
        out.append(ds)
    # PyTorch's trigamma (digamma's derivative) is accurate to about 1e-9 relative only; ember's to 1e-15
    for e, t in zip(*out):
        np.testing.assert_allclose(e, t, rtol=1e-8, atol=1e-12)
