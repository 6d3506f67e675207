"""``linalg.lu_factor`` / ``lu_factor_ex`` and ``linalg.lu_solve``.

NumPy and CuPy have no LU in ``xp.linalg``, so the factorisation is Gaussian elimination with partial pivoting
written on the array module: one vectorised step per column (batch dims at once), LAPACK's output layout
(``LU`` packed, ``pivots`` 1-based int32 row swaps). ``lu_solve`` is built from differentiable ops.
"""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from .decomp import _mT, matrix_input
from ._util import Tensor, make, record, save_versions, to_host, xp_of

return_lu_factor = structseq("linalg_lu_factor", ["LU", "pivots"])
return_lu_factor_ex = structseq("linalg_lu_factor_ex", ["LU", "pivots", "info"])


def _getrf(a):
    """Packed LU, 1-based pivots and LAPACK's info (first zero pivot, 1-based; 0 if none) of each matrix."""
    xp = xp_of(a)
    m, n = a.shape[-2:]
    batch = a.shape[:-2]
    lu = a.reshape((-1, m, n)).copy()
    nb, k = lu.shape[0], min(m, n)
    rows = xp.arange(nb)
    piv = xp.zeros((nb, k), np.int32)
    info = xp.zeros(nb, np.int32)
    for j in range(k):
        p = xp.argmax(xp.abs(lu[:, j:, j]), axis=1) + j     # first largest, as LAPACK's idamax
        piv[:, j] = p + 1
        top, other = lu[:, j].copy(), lu[rows, p].copy()
        lu[rows, p] = top
        lu[:, j] = other
        d = lu[:, j, j]
        zero = d == 0
        info = xp.where(zero & (info == 0), j + 1, info).astype(np.int32)
        lu[:, j + 1:, j] /= xp.where(zero, 1, d)[:, None]    # LAPACK skips the scaling for a zero pivot
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j:j + 1] * lu[:, j:j + 1, j + 1:]
    return lu.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def _perm(piv, m):
    """The row order ``perm`` with ``A[perm] = L U`` from LAPACK's sequential swaps (batch dims kept)."""
    xp = xp_of(piv)
    flat = piv.reshape((-1, piv.shape[-1])).astype(np.int64) - 1
    nb = flat.shape[0]
    perm = xp.broadcast_to(xp.arange(m), (nb, m)).copy()
    rows = xp.arange(nb)
    for j in range(flat.shape[1]):
        p = flat[:, j]
        a, b = perm[:, j].copy(), perm[rows, p].copy()
        perm[:, j] = b
        perm[rows, p] = a
    return perm.reshape(piv.shape[:-1] + (m,))


class LinalgLuFactorExBackward0(Node):
    """Square ``A = P L U``: ``gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T`` (PyTorch's formula)."""
    __slots__ = ("lu", "perm")
    _saved = ("lu", "perm")
    _fresh = True

    def backward(self, g):
        lu, xp = self.lu, xp_of(self.lu)
        m, n = lu.shape[-2:]
        if m != n:
            raise NotImplementedError("ember: the gradient of lu_factor is implemented for square matrices only")
        eye = xp.eye(n, dtype=lu.dtype)
        L, U = xp.tril(lu, -1) + eye, xp.triu(lu)
        gR = xp.tril(_mT(L) @ xp.tril(g, -1), -1) + xp.triu(xp.triu(g) @ _mT(U))
        X = _mT(xp.linalg.solve(U, _mT(gR)))               # X U^T = gR
        Y = xp.linalg.solve(_mT(L), X)                      # L^T Y = X
        inv = xp.argsort(self.perm, axis=-1)[..., None]       # P Y: row i of Y goes to row perm[i]
        return (xp.ascontiguousarray(xp.take_along_axis(Y, xp.broadcast_to(inv, Y.shape), axis=-2)),)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """``(LU, pivots, info)``: LAPACK's packed factors of ``A = P L U``; ``info`` (int32) is 0 or the 1-based
    index of the first zero pivot."""
    a = matrix_input(A, "linalg.lu_factor_ex")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    lu, piv, info = _getrf(a)
    if check_errors and bool(info.any()):
        raise RuntimeError(f"linalg.lu_factor_ex: U[{int(info.max())},{int(info.max())}] is zero")
    xp = A._device.xp
    perm = _perm(piv, a.shape[-2]) if a.size else xp.zeros(a.shape[:-1], np.int64)
    LU = make(lu, A._device)
    record(LU, LinalgLuFactorExBackward0, (A,), save_versions(A), lu=lu, perm=perm)
    return return_lu_factor_ex(LU, make(piv, A._device), make(info, A._device))


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)`` of ``A = P L U``, as LAPACK's ``getrf``; raises if a pivot is zero (use ``lu_factor_ex``)."""
    LU, piv, info = lu_factor_ex(A, pivot=pivot)
    bad = np.asarray(to_host(info._array)).reshape(-1)
    if bad.any():
        k = int(bad[np.flatnonzero(bad)[0]])
        raise RuntimeError(f"torch.linalg.lu_factor: U[{k},{k}] is zero and using it on lu_solve would result in a "
                           f"division by zero. If you still want to perform the factorization, consider calling "
                           f"linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return return_lu_factor(LU, piv)


def _rows(X, perm, inverse):
    """``X`` with its rows (dim -2) reordered by ``perm`` (``X[perm]``), or by its inverse."""
    from .indexing import gather
    xp = xp_of(perm)
    if inverse:
        perm = xp.argsort(perm, axis=-1)
    idx = xp.broadcast_to(perm[..., None], X.shape).astype(np.int64)
    return gather(X, -2, make(xp.ascontiguousarray(idx), X._device))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """Solve ``A X = B`` given ``lu_factor(A)`` (``A^T X = B`` with ``adjoint``; ``X A = B`` if not ``left``)."""
    from .matfun import _batch_expand, solve_triangular
    from .shape import mT
    matrix_input(LU, "linalg.lu_solve", square=True)
    if not isinstance(B, Tensor) or B._array.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    if not left:            # X A = B  <=>  A^T X^T = B^T
        return mT(lu_solve(LU, pivots, mT(B), adjoint=not adjoint))
    n = LU.shape[-1]
    if B.shape[-2] != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    LU, B = _batch_expand(LU, B)
    perm = _perm(xp_of(LU._array).broadcast_to(pivots._array, tuple(LU.shape[:-2]) + (n,)), n)
    if not adjoint:         # A = P L U: X = U^-1 L^-1 P^T B
        Y = solve_triangular(LU, _rows(B, perm, False), upper=False, unitriangular=True)
        return solve_triangular(LU, Y, upper=True)
    Y = solve_triangular(mT(LU), B, upper=False)                       # U^T Y = B
    return _rows(solve_triangular(mT(LU), Y, upper=True, unitriangular=True), perm, True)     # X = P L^-T Y
