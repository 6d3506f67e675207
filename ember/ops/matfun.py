"""Matrix functions: ``matrix_exp``, ``matrix_power``, ``linalg.pinv`` (``pinverse``), ``matrix_rank``,
``solve_triangular``, ``lstsq``, ``multi_dot``, ``vecdot``.

Only ``matrix_exp`` and ``pinv`` have their own backward nodes; the rest are built from differentiable ops.
"""
import functools

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from .decomp import _mT, lapack, matrix_input
from ._util import Tensor, make, norm_dim, record, save_versions, xp_of

__all__ = ["matrix_exp", "matrix_power", "pinverse"]

return_lstsq = structseq("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])

# Pade [13/13] coefficients and the 1-norm bound under which it is exact to double precision (Higham 2005)
_PADE13 = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800., 129060195264000.,
           10559470521600., 670442572800., 33522128640., 1323241920., 40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def expm(a):
    """exp of each matrix in ``a`` (..., n, n): scaling and squaring with a Pade [13/13] approximant."""
    xp = xp_of(a)
    if a.size == 0:
        return a.copy()
    norm1 = xp.abs(a).sum(axis=-2).max(axis=-1)
    s = xp.maximum(xp.ceil(xp.log2(xp.maximum(norm1, np.finfo(a.dtype).tiny) / _THETA13)), 0).astype(a.dtype)
    x = a / (2.0 ** s)[..., None, None]
    b, eye = _PADE13, xp.eye(a.shape[-1], dtype=a.dtype)
    x2 = x @ x
    x4 = x2 @ x2
    x6 = x4 @ x2
    u = x @ (x6 @ (b[13] * x6 + b[11] * x4 + b[9] * x2) + b[7] * x6 + b[5] * x4 + b[3] * x2 + b[1] * eye)
    v = x6 @ (b[12] * x6 + b[10] * x4 + b[8] * x2) + b[6] * x6 + b[4] * x4 + b[2] * x2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    steps = int(s.max()) if s.size else 0
    for i in range(steps):          # square each matrix its own number of times
        r = xp.where((s > i)[..., None, None], r @ r, r)
    return r


class LinalgMatrixExpBackward0(Node):
    __slots__ = ("a",)
    _saved = ("a",)
    _fresh = True

    def backward(self, g):          # the upper-right block of exp([[A^T, G], [0, A^T]])
        a, xp = self.a, xp_of(g)
        n = a.shape[-1]
        m = xp.zeros(g.shape[:-2] + (2 * n, 2 * n), a.dtype)
        m[..., :n, :n] = m[..., n:, n:] = _mT(a)
        m[..., :n, n:] = g
        return (xp.ascontiguousarray(expm(m)[..., :n, n:]),)


def matrix_exp(A):
    """The matrix exponential of each square matrix in ``A``."""
    a = matrix_input(A, "linalg.matrix_exp", square=True)
    out = make(expm(a), A._device)
    record(out, LinalgMatrixExpBackward0, (A,), save_versions(A), a=a)
    return out


def matrix_power(A, n):
    """``A`` to the integer power ``n`` by repeated squaring; negative ``n`` inverts first, ``n = 0`` is I."""
    from .linalg import matmul
    from .solve import inv
    matrix_input(A, "linalg.matrix_power", square=True)
    if not isinstance(n, (int, np.integer)):
        raise TypeError(f"matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:      # PyTorch copies I into a clone of A: the output is in the graph with a zero gradient
        from .elementwise import where
        xp, k = xp_of(A._array), A.shape[-1]
        return where(make(xp.ones((k, k), bool), A._device), make(xp.eye(k, dtype=A._array.dtype), A._device), A)
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


# ---- pseudo-inverse and rank ----------------------------------------------------------------------------

def _threshold(S, smax, shape, atol, rtol):
    """PyTorch's cut-off ``max(atol, rtol * smax)``; rtol defaults to eps * max(m, n) when atol is not given."""
    xp = xp_of(S)
    val = (lambda t: t._array if isinstance(t, Tensor) else t)
    if rtol is None:
        rtol = np.finfo(S.dtype).eps * max(shape[-2:]) if atol is None or (not isinstance(atol, Tensor)
                                                                              and atol <= 0) else 0.0
    atol = 0.0 if atol is None else val(atol)
    thr = xp.maximum(xp.asarray(atol, dtype=S.dtype), xp.asarray(val(rtol), dtype=S.dtype) * smax)
    return thr


class LinalgPinvBackward0(Node):
    __slots__ = ("a", "p")
    _saved = ("a", "p")
    _fresh = True

    def backward(self, g):          # PyTorch's pinv_backward
        a, p = self.a, self.p
        ph, gh = _mT(p), _mT(g)
        if a.shape[-2] <= a.shape[-1]:
            K = gh @ p
            KpH = K @ ph
            r = -_mT(p @ K) + KpH - (a @ p) @ KpH + (ph @ p) @ (gh - K @ a)
        else:
            K = p @ gh
            pHK = ph @ K
            r = -_mT(K @ p) + (gh - a @ K) @ p @ ph + pHK - pHK @ p @ a
        return (xp_of(g).ascontiguousarray(r),)


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """Moore-Penrose pseudo-inverse via the SVD (eigh with ``hermitian``), dropping values <= max(atol, rtol*smax)."""
    a = matrix_input(A, "linalg.pinv")
    xp = A._device.xp
    m, n = a.shape[-2:]
    if a.size == 0:
        p = xp.zeros(a.shape[:-2] + (n, m), a.dtype)
    elif hermitian:
        L, V = lapack(xp, "eigh", a)
        absL = xp.abs(L)
        thr = _threshold(absL, absL.max(-1), a.shape, atol, rtol)
        inv_l = xp.where(absL > thr[..., None], 1 / xp.where(absL == 0, 1, L), 0).astype(a.dtype)
        p = (V * inv_l[..., None, :]) @ _mT(V)
    else:
        U, S, Vh = lapack(xp, "svd", a, full_matrices=False)
        thr = _threshold(S, S[..., :1].max(-1), a.shape, atol, rtol)
        inv_s = xp.where(S > thr[..., None], 1 / xp.where(S == 0, 1, S), 0).astype(a.dtype)
        p = (_mT(Vh) * inv_s[..., None, :]) @ _mT(U)
    out = make(xp.ascontiguousarray(p.astype(a.dtype, copy=False)), A._device)
    record(out, LinalgPinvBackward0, (A,), save_versions(A), a=a, p=out._array)
    return out


def pinverse(input, rcond=1e-15):
    """``torch.pinverse``: ``linalg.pinv(input, rtol=rcond)``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False, tol=None):
    """The number of singular values (|eigenvalues| with ``hermitian``) above max(atol, rtol * the largest)."""
    a = matrix_input(A, "linalg.matrix_rank")
    xp = A._device.xp
    if tol is not None:
        atol, rtol = tol, 0.0
    if a.size == 0:
        return make(xp.zeros(a.shape[:-2], np.int64), A._device)
    S = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    thr = _threshold(S, S.max(-1), a.shape, atol, rtol)
    return make((S > thr[..., None]).sum(-1).astype(np.int64), A._device)


# ---- triangular solves and least squares ----------------------------------------------------------------

def _batch_expand(A, B):
    from .shape import expand
    batch = tuple(np.broadcast_shapes(A.shape[:-2], B.shape[:-2]))
    return expand(A, batch + tuple(A.shape[-2:])), expand(B, batch + tuple(B.shape[-2:]))


def solve_triangular(A, B, *, upper, left=True, unitriangular=False):
    """``X`` with ``T X = B`` (``X T = B`` if not ``left``), ``T`` the ``upper``/lower triangle of ``A`` (unit
    diagonal if ``unitriangular``: A's diagonal is not read)."""
    from .combine import tril, triu
    from .solve import solve
    a = matrix_input(A, "linalg.solve_triangular", square=True)
    if not isinstance(B, Tensor) or B._array.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    n = a.shape[-1]
    if B.shape[-2 if left else -1] != n:
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})")
    T = triu(A, 1 if unitriangular else 0) if upper else tril(A, -1 if unitriangular else 0)
    if unitriangular:
        T = T + make(xp_of(a).eye(n, dtype=a.dtype), A._device)
    T, B = _batch_expand(T, B)
    return solve(T, B, left=left)


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares ``solution`` of ``A X = B`` (the minimum-norm one, via the pseudo-inverse); ``residuals`` as
    PyTorch's drivers give them (for m > n and full rank, except with 'gelsy'), ``rank`` unless driver is 'gels',
    ``singular_values`` for 'gelsd'/'gelss'. Only ``solution`` is differentiable."""
    from .linalg import matmul
    from .shape import squeeze, unsqueeze
    a = matrix_input(A, "linalg.lstsq")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(f"torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    vector = B._array.ndim == a.ndim - 1
    Bm = unsqueeze(B, -1) if vector else B
    if Bm.shape[-2] != a.shape[-2]:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    driver = driver or "gelsy"
    m, n = a.shape[-2:]
    x = matmul(pinv(A, rtol=rcond if rcond is not None else None), Bm)
    xp = A._device.xp
    empty = make(xp.zeros((0,), a.dtype), A._device)
    S = xp.linalg.svd(a, compute_uv=False) if a.size else xp.zeros(a.shape[:-2] + (min(m, n),), a.dtype)
    rank_arr = (S > (rcond if rcond is not None else np.finfo(a.dtype).eps * max(m, n)) * S[..., :1]).sum(-1)
    residuals = empty
    if m > n and driver != "gelsy" and a.size and bool((rank_arr == n).all()):
        r = (matmul(A, x) - Bm)._array
        residuals = make((r * r).sum(-2).astype(a.dtype), A._device)
    rank = empty.long() if driver == "gels" else make(rank_arr.astype(np.int64), A._device)
    sv = make(S.astype(a.dtype), A._device) if driver in ("gelsd", "gelss") else empty
    return return_lstsq(squeeze(x, -1) if vector else x, residuals, rank, sv)


# ---- products -------------------------------------------------------------------------------------------

def multi_dot(tensors):
    """``tensors[0] @ tensors[1] @ ...``: the first may be a row vector and the last a column vector."""
    from .linalg import matmul
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        nd = t._array.ndim
        if nd != 2 and not (nd == 1 and i in (0, len(ts) - 1)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D{' or 1D' if i in (0, len(ts) - 1) else ''} "
                               f"but got {nd}D")
    return functools.reduce(matmul, ts)


def vecdot(x, y, *, dim=-1):
    """The dot product of ``x`` and ``y`` along ``dim`` (inputs broadcast)."""
    from .elementwise import mul
    from .reduction import sum as sum_
    prod = mul(x, y)
    return sum_(prod, norm_dim(dim, prod._array.ndim))

