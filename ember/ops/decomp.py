"""Matrix decompositions with autograd: ``linalg.svd``/``svdvals`` (and ``torch.svd``), ``linalg.eigh``/
``eigvalsh``, ``linalg.qr`` (and ``torch.qr``), ``linalg.cholesky``/``cholesky_ex`` (and ``torch.cholesky``).

The array module's LAPACK wrappers (``xp.linalg``) do the work; backward formulas are PyTorch's (real case).
SVD and eigh gradients divide by ``s_j^2 - s_i^2`` / ``l_j - l_i``: repeated values give inf/nan, as in PyTorch.
"""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from ._util import Tensor, make, record, xp_of

__all__ = ["svd", "qr", "cholesky"]

return_svd = structseq("linalg_svd", ["U", "S", "Vh"])
return_torch_svd = structseq("svd", ["U", "S", "V"])
return_eigh = structseq("linalg_eigh", ["eigenvalues", "eigenvectors"])
return_qr = structseq("linalg_qr", ["Q", "R"])
return_cholesky_ex = structseq("linalg_cholesky_ex", ["L", "info"])


def _mT(a):
    return xp_of(a).swapaxes(a, -1, -2)


def _eye(a, n):
    return xp_of(a).eye(n, dtype=a.dtype)


def matrix_input(t, op, square=False):
    """``t``'s array, checked to be a (batch of) float matrix (square if asked), with PyTorch's messages."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(t).__name__}")
    a = t._array
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {t.dtype._short}")
    return a


def lapack(xp, name, *args, **kwargs):
    """``xp.linalg.<name>(...)`` as a plain tuple of ``xp`` arrays (NumPy returns namedtuples; ``asarray`` is free
    on arrays already in ``xp``)."""
    return tuple(xp.asarray(r) for r in getattr(xp.linalg, name)(*args, **kwargs))


def multi_out(arrays, device, cls, inputs, **attrs):
    """Tensors for a multi-output op, all sharing one ``cls`` node (``_n_out`` outputs)."""
    outs = [make(a, device) for a in arrays]
    node = record(outs[0], cls, inputs, (), _n_out=len(outs), **attrs)
    if node is not None:
        for i, t in enumerate(outs[1:], 1):
            t.grad_fn, t._requires_grad, t._output_nr = node, True, i
    return outs


# ---- SVD ------------------------------------------------------------------------------------------------

def svd_grad(gU, gS, gVh, U, S, Vh):
    """PyTorch's ``svd_backward`` for the reduced SVD (real): ``A = U diag(S) Vh``."""
    m, n = U.shape[-2], Vh.shape[-1]
    if m < n:       # wide: differentiate A^T = V S U^T
        return _mT(svd_grad(None if gVh is None else _mT(gVh), gS, None if gU is None else _mT(gU),
                            _mT(Vh), S, _mT(U)))
    if gU is None and gVh is None:
        return (U * gS[..., None, :]) @ Vh
    k = S.shape[-1]
    eye = _eye(S, k)
    S2 = S * S
    E = S2[..., None, :] - S2[..., :, None] + eye        # s_j^2 - s_i^2, ones on the diagonal
    J = 0
    if gU is not None:
        X = _mT(U) @ gU
        J = (X - _mT(X)) * S[..., None, :]
    if gVh is not None:
        Y = Vh @ _mT(gVh)
        J = J + S[..., :, None] * (Y - _mT(Y))
    J = J / E
    if gS is not None:
        J = J + eye * gS[..., None, :]
    gA = U @ J
    if m > k and gU is not None:
        gUS = gU / S[..., None, :]
        gA = gA + gUS - U @ (_mT(U) @ gUS)
    return gA @ Vh


class LinalgSvdBackward0(Node):
    __slots__ = ("U", "S", "Vh", "_n_out")
    _saved = ("U", "S", "Vh")
    _fresh = True

    def backward(self, gU, gS, gVh):
        k = self.S.shape[-1]
        U, Vh = self.U[..., :k], self.Vh[..., :k, :]        # full_matrices: only the first k columns matter
        gU = None if gU is None else gU[..., :k]
        gVh = None if gVh is None else gVh[..., :k, :]
        xp = xp_of(self.S)
        if gS is None and gU is None and gVh is None:
            return (xp.zeros(U.shape[:-1] + Vh.shape[-1:], self.S.dtype),)
        return (xp.ascontiguousarray(svd_grad(gU, gS, gVh, U, self.S, Vh)),)


def _svd_arrays(a, full_matrices):
    xp = xp_of(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    if a.size == 0:
        b = a.shape[:-2]
        return (xp.broadcast_to(_eye(a, m)[:, :m if full_matrices else k], b + (m, m if full_matrices else k)).copy(),
                xp.zeros(b + (k,), a.dtype),
                xp.broadcast_to(_eye(a, n)[:n if full_matrices else k], b + (n if full_matrices else k, n)).copy())
    U, S, Vh = lapack(xp, "svd", a, full_matrices=full_matrices)
    return U, S.astype(a.dtype, copy=False), Vh


def linalg_svd(A, full_matrices=True, *, driver=None):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh``, singular values descending; ``driver`` (cuSOLVER only) is ignored."""
    a = matrix_input(A, "linalg.svd")
    U, S, Vh = _svd_arrays(a, full_matrices)
    return return_svd(*multi_out((U, S, Vh), A._device, LinalgSvdBackward0, (A,), U=U, S=S, Vh=Vh))


def svdvals(A, *, driver=None):
    """The singular values of ``A``, descending."""
    matrix_input(A, "linalg.svdvals")
    return linalg_svd(A, full_matrices=False).S


def svd(input, some=True, compute_uv=True):
    """``torch.svd``: ``(U, S, V)`` (V, not Vh); ``compute_uv=False`` gives zero-filled U and V, as PyTorch."""
    a = matrix_input(input, "svd")
    if not compute_uv:
        xp = input._device.xp
        m, n = a.shape[-2:]
        S = svdvals(input)
        return return_torch_svd(make(xp.zeros(a.shape[:-2] + (m, m), a.dtype), input._device), S,
                                make(xp.zeros(a.shape[:-2] + (n, n), a.dtype), input._device))
    from .shape import mT
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return return_torch_svd(U, S, mT(Vh))


# ---- eigh -----------------------------------------------------------------------------------------------

class LinalgEighBackward0(Node):
    __slots__ = ("L", "V", "_n_out")
    _saved = ("L", "V")
    _fresh = True

    def backward(self, gL, gV):
        L, V = self.L, self.V
        if gV is None:
            return ((V * gL[..., None, :]) @ _mT(V),)
        eye = _eye(L, L.shape[-1])
        X = _mT(V) @ gV
        X = 0.5 * (X - _mT(X)) / (L[..., None, :] - L[..., :, None] + eye)    # l_j - l_i off the diagonal
        if gL is not None:
            X = X + eye * gL[..., None, :]
        return (V @ X @ _mT(V),)


def eigh(A, UPLO="L"):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric ``A``, from its ``UPLO`` triangle."""
    a = matrix_input(A, "linalg.eigh", square=True)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    xp = A._device.xp
    if a.size:
        L, V = lapack(xp, "eigh", a, UPLO=UPLO)
    else:
        L, V = xp.zeros(a.shape[:-1], a.dtype), a.copy()
    return return_eigh(*multi_out((L.astype(a.dtype, copy=False), V), A._device, LinalgEighBackward0, (A,), L=L, V=V))


def eigvalsh(A, UPLO="L"):
    """The eigenvalues (ascending) of symmetric ``A``."""
    matrix_input(A, "linalg.eigvalsh", square=True)
    return eigh(A, UPLO).eigenvalues


# ---- QR -------------------------------------------------------------------------------------------------

def _qr_square_grad(gQ, gR, Q, R):
    """PyTorch's ``linalg_qr_backward`` for m >= n: ``gA = [gQ + Q syminvadj(triu(gR R^T - Q^T gQ))] R^-T``."""
    M = 0
    if gR is not None:
        M = gR @ _mT(R)
    if gQ is not None:
        M = M - _mT(Q) @ gQ
    xp = xp_of(Q)
    T = xp.triu(M)
    B = Q @ (T + _mT(xp.triu(M, 1)))
    if gQ is not None:
        B = B + gQ
    return _mT(xp.linalg.solve(R[..., :R.shape[-1], :], _mT(B)))


class LinalgQrBackward0(Node):
    __slots__ = ("Q", "R", "mode", "_n_out")
    _saved = ("Q", "R")
    _fresh = True

    def backward(self, gQ, gR):
        Q, R = self.Q, self.R
        m, n = Q.shape[-2], R.shape[-1]
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                               "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                               "linalg.qr.")
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        xp = xp_of(R)
        if gQ is None and gR is None:
            return (xp.zeros(Q.shape[:-1] + R.shape[-1:], R.dtype),)
        if m >= n:
            return (xp.ascontiguousarray(_qr_square_grad(gQ, gR, Q, R)),)
        # wide: A = [A1 | A2], A1 = Q X (square QR), Y = Q^T A2; Y's gradient reaches A2 and Q
        X, Y = R[..., :m], R[..., m:]
        gX = None if gR is None else gR[..., :m]
        if gR is not None:
            gY = gR[..., m:]
            extra = Q @ (Y @ _mT(gY))
            gQ = extra if gQ is None else gQ + extra
            g2 = Q @ gY
        else:
            g2 = xp.zeros(Q.shape[:-1] + (n - m,), R.dtype)
        return (xp.concatenate([_qr_square_grad(gQ, gX, Q, X), g2], axis=-1),)


def linalg_qr(A, mode="reduced"):
    """``(Q, R)`` with ``A = Q R``: ``mode`` 'reduced', 'complete' or 'r' (Q empty)."""
    a = matrix_input(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', "
                           f"or 'complete'")
    xp = A._device.xp
    m, n = a.shape[-2:]
    k = m if mode == "complete" else min(m, n)
    if a.size:
        Q, R = lapack(xp, "qr", a, mode="complete" if mode == "complete" else "reduced")
    else:
        Q = xp.broadcast_to(_eye(a, m)[:, :k], a.shape[:-2] + (m, k)).copy()
        R = xp.zeros(a.shape[:-2] + (k, n), a.dtype)
    Q, R = Q.astype(a.dtype, copy=False), R.astype(a.dtype, copy=False)
    q = xp.zeros((0,), a.dtype) if mode == "r" else Q
    return return_qr(*multi_out((q, R), A._device, LinalgQrBackward0, (A,), Q=Q, R=R, mode=mode))


def qr(input, some=True):
    """``torch.qr``: reduced (``some=True``) or complete QR."""
    return linalg_qr(input, "reduced" if some else "complete")


# ---- Cholesky -------------------------------------------------------------------------------------------

class LinalgCholeskyExBackward0(Node):
    __slots__ = ("L", "upper", "_n_out")
    _saved = ("L",)
    _fresh = True

    def backward(self, gL, g_info=None):    # Iain Murray (2016): gA = L^-T Phi(L^T gL) L^-1
        L = self.L
        if gL is None:
            return (xp_of(L).zeros_like(L),)
        xp = xp_of(L)
        if self.upper:      # U = L^T
            L, gL = _mT(L), _mT(gL)
        P = xp.tril(_mT(L) @ gL)
        P = 0.5 * (P + _mT(xp.tril(P, -1)))
        X = xp.linalg.solve(_mT(L), P)                   # L^T X = P
        return (xp.ascontiguousarray(_mT(xp.linalg.solve(_mT(L), _mT(X)))),)    # gA L = X


def _chol_failed(xp, a, L):
    """Whether any factor in ``L`` is wrong. NumPy raises instead; CuPy (by default) returns a partial factor
    without NaNs, so off the CPU the factor is also checked against ``a``'s lower triangle."""
    if xp is np:
        return not bool(xp.isfinite(L).all())
    low = xp.tril(a)
    err = xp.abs(L @ _mT(L) - low - _mT(xp.tril(a, -1))).max()
    tol = 1e3 * np.finfo(a.dtype).eps * (1 + xp.abs(low).max().astype(np.float64)) * a.shape[-1]
    # one device-to-host read for the whole check (not three); a NaN error counts as a failure
    return bool(~xp.isfinite(L).all() | ~(err <= tol))


def _chol_fails(xp, a):
    try:
        L = xp.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        return True
    return _chol_failed(xp, a, L)


def _cholesky_info(xp, a):
    """Per batch element, 0 or the order of the first leading minor that is not positive-definite (slow path)."""
    flat = a.reshape((-1,) + a.shape[-2:])
    info = np.zeros(flat.shape[0], np.int32)
    for b in range(flat.shape[0]):
        if _chol_fails(xp, flat[b]):
            info[b] = next(k for k in range(1, a.shape[-1] + 1) if _chol_fails(xp, flat[b, :k, :k]))
    return info.reshape(a.shape[:-2])


def _cholesky(A, upper, op):
    a = matrix_input(A, op, square=True)
    xp = A._device.xp
    if upper:           # the upper factor reads A's upper triangle: U = cholesky(A^T)^T
        a = _mT(a)
    info = None
    try:
        L = xp.linalg.cholesky(a) if a.size else a.copy()
        if a.size and _chol_failed(xp, a, L):
            info = _cholesky_info(xp, a)
    except np.linalg.LinAlgError:
        info = _cholesky_info(xp, a)
    if info is not None:        # keep the good factors, zero the failed ones
        flat = a.reshape((-1,) + a.shape[-2:])
        bad = info.reshape(-1)
        L = xp.stack([xp.zeros_like(flat[b]) if bad[b] else xp.linalg.cholesky(flat[b])
                      for b in range(flat.shape[0])]).reshape(a.shape)
    else:
        info = np.zeros(a.shape[:-2], np.int32)
    L = xp.ascontiguousarray(_mT(L)) if upper else L
    return L.astype(a.dtype, copy=False), info


def _not_pd(op, info):
    flat = info.reshape(-1)
    b = int(np.nonzero(flat)[0][0])
    where = f"(Batch element {b}): " if info.ndim else ""
    return RuntimeError(f"{op}: {where}The factorization could not be completed because the input is not "
                        f"positive-definite (the leading minor of order {int(flat[b])} is not positive-definite).")


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)``: ``info`` (int32) is 0 or the order of the failing leading minor (that factor is zero)."""
    L, info = _cholesky(A, upper, "linalg.cholesky_ex")
    if check_errors and info.any():
        raise _not_pd("linalg.cholesky_ex", info)
    xp = A._device.xp
    outs = multi_out((L, xp.asarray(info)), A._device, LinalgCholeskyExBackward0, (A,), L=L, upper=upper)
    outs[1].grad_fn, outs[1]._requires_grad = None, False        # info is an integer output
    return return_cholesky_ex(*outs)


def linalg_cholesky(A, *, upper=False):
    """The lower (or ``upper``) Cholesky factor of symmetric positive-definite ``A``; raises if it is not."""
    L, info = _cholesky(A, upper, "linalg.cholesky")
    if info.any():
        raise _not_pd("linalg.cholesky", info)
    return multi_out((L,), A._device, LinalgCholeskyExBackward0, (A,), L=L, upper=upper)[0]


def cholesky(input, upper=False):
    """``torch.cholesky``: ``linalg.cholesky(input, upper=upper)``."""
    return linalg_cholesky(input, upper=upper)
