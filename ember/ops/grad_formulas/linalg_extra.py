"""Inverses, determinants, solves, decompositions, matrix functions, ``cdist`` and the gamma-family special
functions, differentiably.

Each formula is its node's array ``backward`` (``ops/solve.py``, ``decomp.py``, ``matfun.py``, ``lu.py``,
``geometry.py``, ``special.py``) rewritten line for line in ember ops on Tensors: a decomposition's saved factors
come back with ``output`` (their gradients flow into the node again, so the decomposition's own formula is what
differentiates them), inverses and solves are recomputed with ``ember.linalg``, whose nodes have formulas here
too. That is how any order of derivative works without a second derivation per op.

The special functions are ``_Unary`` nodes, which ``unary.py`` registers generically unless a formula exists; their
array gradients call private kernels, so they get explicit formulas here (``OVERRIDES``, registered below).
"""
import math

import numpy as np

import ember as E

from ...autograd.higher_order import formula, output, saved
from ..._tensor import make
from .. import decomp, geometry, lu as lu_mod, matfun, solve as sv, special
from .. import _special_fns as K
from .._util import xp_of
from ._common import const, sum_to


def _mT(t):
    return t.transpose(-1, -2)


def _eye(like, n):
    """The n x n identity in the dtype and on the device of the array ``like``, as a constant Tensor."""
    return const(xp_of(like).eye(n, dtype=like.dtype))


def _zeros_arr(shape, like):
    return xp_of(like).zeros(tuple(shape), like.dtype)


def _zeros(shape, like):
    return const(_zeros_arr(shape, like))


def _ones(shape, like):
    return const(xp_of(like).ones(tuple(shape), like.dtype))


def _grads(g, n):
    """A multi-output node's gradients as an ``n``-tuple (a single-output call of the same node gets a Tensor)."""
    g = g if isinstance(g, tuple) else (g,)
    return tuple(g) + (None,) * (n - len(g))


# ---- inverse, determinants, solve -----------------------------------------------------------------------

@formula(sv.InverseBackward0)
def _inverse(node, g):
    it = _mT(output(node, node.inv))
    return (-(it @ g @ it),)


@formula(sv.DetBackward0)
def _det(node, g):          # det * A^-T: the inverse is recomputed so that it, too, is differentiated
    a = saved(node, 0, node.a)
    d = output(node, node.det)
    return ((g * d)[..., None, None] * _mT(E.linalg.inv(a)),)


@formula(sv.SlogdetBackward0)
def _slogdet(node, g):
    _, g = _grads(g, 2)     # the sign is piecewise constant
    if g is None:
        return (_zeros(node.a.shape, node.a),)
    a = saved(node, 0, node.a)
    return (g[..., None, None] * _mT(E.linalg.inv(a)),)


@formula(sv.LinalgSolveBackward0)
def _solve(node, g):
    na, nb = node._next
    a = saved(node, 0, node.a)
    x = output(node, node.x[..., 0] if node.vector else node.x)
    if node.vector:
        g, x = g.unsqueeze(-1), x.unsqueeze(-1)
    gb = E.linalg.solve(_mT(a), g)                     # A^T gB = g (batch dims broadcast inside solve)
    ga = sum_to(-(gb @ _mT(x)), node.sa) if na is not None else None
    if nb is not None:
        gb = sum_to(gb.squeeze(-1) if node.vector else gb, node.sb)
    return ga, (gb if nb is not None else None)


# ---- decompositions -------------------------------------------------------------------------------------

@formula(decomp.LinalgCholeskyExBackward0)
def _cholesky(node, g):     # Iain Murray (2016): gA = L^-T Phi(L^T gL) L^-1
    gL, _ = _grads(g, 2)    # ``info`` is an integer output
    if gL is None:
        return (_zeros(node.L.shape, node.L),)
    L = output(node, node.L)
    if node.upper:          # the saved factor is U = L^T
        L, gL = _mT(L), _mT(gL)
    P = E.tril(_mT(L) @ gL)
    P = 0.5 * (P + _mT(E.tril(P, -1)))
    X = E.linalg.solve(_mT(L), P)                          # L^T X = P
    return (_mT(E.linalg.solve(_mT(L), _mT(X))),)          # gA L = X


@formula(decomp.LinalgEighBackward0)
def _eigh(node, g):
    gL, gV = _grads(g, 2)
    L, V = output(node, node.L, 0), output(node, node.V, 1)
    if gV is None:
        return ((V * gL[..., None, :]) @ _mT(V),)
    eye = _eye(node.L, node.L.shape[-1])
    X = _mT(V) @ gV
    X = 0.5 * (X - _mT(X)) / (L[..., None, :] - L[..., :, None] + eye)    # l_j - l_i off the diagonal
    if gL is not None:
        X = X + eye * gL[..., None, :]
    return (V @ X @ _mT(V),)


def _svd_grad(gU, gS, gVh, U, S, Vh, eye):
    """``decomp.svd_grad`` on Tensors (reduced SVD ``A = U diag(S) Vh``; ``eye`` is k x k)."""
    m, n = U.shape[-2], Vh.shape[-1]
    if m < n:               # wide: differentiate A^T = V S U^T
        return _mT(_svd_grad(None if gVh is None else _mT(gVh), gS, None if gU is None else _mT(gU),
                             _mT(Vh), S, _mT(U), eye))
    if gU is None and gVh is None:
        return (U * gS[..., None, :]) @ Vh
    k = S.shape[-1]
    S2 = S * S
    J = None
    if gU is not None:
        X = _mT(U) @ gU
        J = (X - _mT(X)) * S[..., None, :]
    if gVh is not None:
        Y = Vh @ _mT(gVh)
        t = S[..., :, None] * (Y - _mT(Y))
        J = t if J is None else J + t
    J = J / (S2[..., None, :] - S2[..., :, None] + eye)        # s_j^2 - s_i^2, ones on the diagonal
    if gS is not None:
        J = J + eye * gS[..., None, :]
    gA = U @ J
    if m > k and gU is not None:
        gUS = gU / S[..., None, :]
        gA = gA + gUS - U @ (_mT(U) @ gUS)
    return gA @ Vh


@formula(decomp.LinalgSvdBackward0)
def _svd(node, g):
    gU, gS, gVh = _grads(g, 3)
    k = node.S.shape[-1]
    U = output(node, node.U, 0)[..., :k]                    # full_matrices: only the first k columns matter
    S = output(node, node.S, 1)
    Vh = output(node, node.Vh, 2)[..., :k, :]
    gU = None if gU is None else gU[..., :k]
    gVh = None if gVh is None else gVh[..., :k, :]
    if gS is None and gU is None and gVh is None:
        return (_zeros(node.U.shape[:-1] + node.Vh.shape[-1:], node.S),)
    return (_svd_grad(gU, gS, gVh, U, S, Vh, _eye(node.S, k)),)


def _qr_square_grad(gQ, gR, Q, R):
    """``decomp._qr_square_grad`` on Tensors: ``gA = [gQ + Q copyltu(M)] R^-T`` for m >= n."""
    M = None
    if gR is not None:
        M = gR @ _mT(R)
    if gQ is not None:
        t = _mT(Q) @ gQ
        M = -t if M is None else M - t
    B = Q @ (E.triu(M) + _mT(E.triu(M, 1)))
    if gQ is not None:
        B = B + gQ
    return _mT(E.linalg.solve(R[..., :R.shape[-1], :], _mT(B)))


@formula(decomp.LinalgQrBackward0)
def _qr(node, g):
    gQ, gR = _grads(g, 2)
    m, n = node.Q.shape[-2], node.R.shape[-1]
    if node.mode == "r" or (node.mode == "complete" and m > n):
        node.backward(None, None)           # raises PyTorch's error for these modes
    if gQ is None and gR is None:
        return (_zeros(node.Q.shape[:-1] + node.R.shape[-1:], node.R),)
    Q, R = output(node, node.Q, 0), output(node, node.R, 1)
    if m >= n:
        return (_qr_square_grad(gQ, gR, Q, R),)
    # wide: A = [A1 | A2], A1 = Q X (square QR), Y = Q^T A2; Y's gradient reaches A2 and Q
    X, Y = R[..., :m], R[..., m:]
    gX = None if gR is None else gR[..., :m]
    if gR is not None:
        gY = gR[..., m:]
        extra = Q @ (Y @ _mT(gY))
        gQ = extra if gQ is None else gQ + extra
        g2 = Q @ gY
    else:
        g2 = _zeros(node.Q.shape[:-1] + (n - m,), node.R)
    return (E.cat([_qr_square_grad(gQ, gX, Q, X), g2], -1),)


@formula(lu_mod.LinalgLuFactorExBackward0)
def _lu_factor(node, g):    # square A = P L U: gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
    lu_arr = node.lu
    m, n = lu_arr.shape[-2:]
    if m != n:
        raise NotImplementedError("ember: the gradient of lu_factor is implemented for square matrices only")
    lu = output(node, lu_arr)
    L, U = E.tril(lu, -1) + _eye(lu_arr, n), E.triu(lu)
    gR = E.tril(_mT(L) @ E.tril(g, -1), -1) + E.triu(E.triu(g) @ _mT(U))
    X = _mT(E.linalg.solve(U, _mT(gR)))                     # X U^T = gR
    Y = E.linalg.solve(_mT(L), X)                            # L^T Y = X
    xp = xp_of(lu_arr)
    inv = xp.argsort(node.perm, axis=-1)[..., None]          # P Y: row i of Y goes to row perm[i]
    idx = xp.ascontiguousarray(xp.broadcast_to(inv, tuple(Y.shape))).astype(np.int64)
    return (E.gather(Y, -2, const(idx)),)


# ---- matrix functions -----------------------------------------------------------------------------------

@formula(matfun.LinalgMatrixExpBackward0)
def _matrix_exp(node, g):   # the upper-right block of exp([[A^T, G], [0, A^T]]), itself a matrix_exp node
    at = _mT(saved(node, 0, node.a))
    n = node.a.shape[-1]
    m = E.cat([E.cat([at, g], -1), E.cat([_zeros(g.shape, node.a), at], -1)], -2)
    return (E.linalg.matrix_exp(m)[..., :n, n:],)


@formula(matfun.LinalgPinvBackward0)
def _pinv(node, g):         # PyTorch's pinv_backward
    a = saved(node, 0, node.a)
    p = output(node, node.p)
    ph, gh = _mT(p), _mT(g)
    if node.a.shape[-2] <= node.a.shape[-1]:
        Kt = gh @ p
        KpH = Kt @ ph
        r = -_mT(p @ Kt) + KpH - (a @ p) @ KpH + (ph @ p) @ (gh - Kt @ a)
    else:
        Kt = p @ gh
        pHK = ph @ Kt
        r = -_mT(Kt @ p) + (gh - a @ Kt) @ p @ ph + pHK - pHK @ p @ a
    return (r,)


# ---- cdist ----------------------------------------------------------------------------------------------

@formula(geometry.CdistBackward0)
def _cdist(node, g):
    n1, n2 = node._next
    p, d, xp = node.p, node.diff, xp_of(node.diff)
    dist_arr = node.dist[..., None]
    if p == 0:
        gd = _zeros(d.shape, d)
    elif p == 1:            # piecewise constant in the inputs, as for p = 0 and p = inf
        gd = const(xp.sign(d))
    elif math.isinf(p):
        gd = const(xp.sign(d) * (xp.abs(d) == dist_arr))
    else:
        diff = _diff(node)
        safe = E.where(const(dist_arr == 0), _ones((), d), output(node, node.dist).unsqueeze(-1))
        if p == 2:
            gd = diff / safe
        else:
            zero = const(d == 0)
            gd = const(xp.sign(d)) * E.where(zero, _ones((), d), diff.abs() / safe) ** (p - 1)
            gd = E.where(zero, _zeros((), d), gd)          # p < 1 would give 0 * inf there
    gd = E.where(const(dist_arr == 0), _zeros((), d), gd) * g.unsqueeze(-1)   # PyTorch: none at distance 0
    return (sum_to(gd.sum(-2), node.s1) if n1 is not None else None,
            sum_to(-gd.sum(-3), node.s2) if n2 is not None else None)


def _diff(node):
    """``x1[..., :, None, :] - x2[..., None, :, :]`` joined to the graph. The node saved this difference, not the
    inputs; it is linear in them, so it is the saved values plus ``x - x.detach()`` terms: exactly zero, but
    carrying the graph to each input (``saved`` gives a leaf back as itself; other inputs as zeros here)."""
    n1, n2 = node._next
    diff = const(node.diff)
    if n1 is not None:
        x1 = saved(node, 0, _zeros_arr(node.s1, node.diff))
        diff = diff + (x1 - x1.detach()).unsqueeze(-2)
    if n2 is not None:
        x2 = saved(node, 1, _zeros_arr(node.s2, node.diff))
        diff = diff - (x2 - x2.detach()).unsqueeze(-3)
    return diff


# ---- gamma family and i0 (``_Unary`` nodes: see OVERRIDES) ----------------------------------------------

class _I1(E.autograd.Function):
    """The modified Bessel function i1, which ember has no op for: i0's derivative. Its backward is in ember ops,
    so it is differentiable again: i1' = i0 - i1 / x (1/2 at 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return make(K.bessel_i(xp_of(x._array), x._array, 1), x._device)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        zero = x == 0
        xs = E.where(zero, E.ones_like(x), x)                  # no 0/0 where the limit is taken instead
        return g * E.where(zero, E.full_like(x, 0.5), E.i0(x) - _I1.apply(xs) / xs)


def _x(node):
    return saved(node, 0, node.x)


def _lgamma(node, g):
    return (g * E.digamma(_x(node)),)


def _digamma(node, g):
    return (g * E.polygamma(1, _x(node)),)


def _polygamma(node, g):
    return (g * E.polygamma(node.arg + 1, _x(node)),)


def _i0(node, g):
    return (g * _I1.apply(_x(node)),)


# unary.py registers every _Unary class generically when imported (after this module); these replace that
# for the four whose array gradients call private kernels the generic formula cannot run on Tensors.
OVERRIDES = {special.lgamma._node_cls: _lgamma, special.digamma._node_cls: _digamma,
             special._polygamma._node_cls: _polygamma, special.i0._node_cls: _i0}
for _cls, _fn in OVERRIDES.items():
    formula(_cls)(_fn)
