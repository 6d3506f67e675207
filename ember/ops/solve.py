"""Inverses, determinants and linear solves of (batches of) square matrices: ``inverse``/``linalg.inv``,
``det``, ``slogdet``, ``logdet``, ``linalg.solve``.

The array module's LAPACK wrappers (``xp.linalg``) do the work. NumPy's singular-matrix error becomes a
RuntimeError as in PyTorch; CuPy does not check (a singular input gives inf/nan there).
"""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from ..backend import check_same_device
from ._util import Tensor, make, record, save_versions, sum_to, xp_of

__all__ = ["inverse", "det", "slogdet", "logdet"]

return_slogdet = structseq("slogdet", ["sign", "logabsdet"])
return_linalg_slogdet = structseq("linalg_slogdet", ["sign", "logabsdet"])


def _square(t, op):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(t).__name__}")
    a = t._array
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point tensor as input. Got {t.dtype._short}")
    return a


def _lapack(fn, op, *args):
    try:
        return fn(*args)
    except np.linalg.LinAlgError:
        raise RuntimeError(f"{op}: The input matrix is singular, so the operation could not be "
                           f"completed.") from None


def _mT(a):
    return xp_of(a).swapaxes(a, -1, -2)


class InverseBackward0(Node):
    __slots__ = ("inv",)
    _saved = ("inv",)
    _fresh = True

    def backward(self, g):
        it = _mT(self.inv)
        return (-(it @ g @ it),)


def inv(A):
    """The inverse of each square matrix in ``A`` (..., n, n)."""
    a = _square(A, "linalg.inv")
    r = _lapack(A._device.xp.linalg.inv, "linalg.inv", a) if a.size else a.copy()
    out = make(r, A._device)
    record(out, InverseBackward0, (A,), (), inv=r)
    return out


inverse = inv


class DetBackward0(Node):
    __slots__ = ("a", "det")
    _saved = ("a", "det")
    _fresh = True

    def backward(self, g):      # d det / dA = det * A^-T (A must be invertible: ember has no SVD fallback)
        xp = xp_of(g)
        return ((g * self.det)[..., None, None] * _mT(xp.linalg.inv(self.a)),)


def det(A):
    """The determinant of each square matrix in ``A`` (..., n, n)."""
    a = _square(A, "linalg.det")
    xp = A._device.xp
    d = xp.linalg.det(a) if a.shape[-1] else xp.ones(a.shape[:-2], a.dtype)
    out = make(xp.asarray(d, dtype=a.dtype), A._device)
    record(out, DetBackward0, (A,), save_versions(A), a=a, det=out._array)
    return out


class SlogdetBackward0(Node):
    """Two outputs, ``(sign, logabsdet)``: the sign is piecewise constant, so only ``logabsdet`` has a gradient."""
    __slots__ = ("a", "_n_out")
    _saved = ("a",)
    _fresh = True

    def backward(self, g_sign, g):      # d log|det A| / dA = A^-T
        if g is None:
            return (xp_of(g_sign).zeros_like(self.a),)
        return (g[..., None, None] * _mT(xp_of(g).linalg.inv(self.a)),)


def slogdet(A):
    """``(sign, logabsdet)`` of each square matrix: the sign (0 if singular) and log of |det| (-inf if singular).
    Only ``logabsdet`` is differentiable."""
    a = _square(A, "linalg.slogdet")
    xp = A._device.xp
    if a.shape[-1]:
        sign, logabs = xp.linalg.slogdet(a)
    else:
        sign, logabs = xp.ones(a.shape[:-2], a.dtype), xp.zeros(a.shape[:-2], a.dtype)
    sign_t = make(xp.asarray(sign, dtype=a.dtype), A._device)
    out = make(xp.asarray(logabs, dtype=a.dtype), A._device)
    node = record(out, SlogdetBackward0, (A,), save_versions(A), a=a, _n_out=2)
    if node is not None:        # PyTorch's sign output is in the graph too (its gradient is zero)
        out._output_nr = 1
        sign_t.grad_fn, sign_t._requires_grad = node, True
    return return_slogdet(sign_t, out)


def linalg_slogdet(A):
    """``ember.linalg.slogdet``: ``slogdet`` under PyTorch's ``linalg_slogdet`` result name."""
    return return_linalg_slogdet(*slogdet(A))


def logdet(A):
    """``log(det(A))``: NaN for a negative determinant, -inf for a singular matrix."""
    from .elementwise import add
    sign, logabs = slogdet(A)
    xp = A._device.xp
    sg = sign._array                # log(sign): 0 for 1, nan for -1, -inf for 0 (a singular matrix)
    return add(logabs, make(xp.where(sg > 0, 0.0, xp.where(sg < 0, np.nan, -np.inf)).astype(sg.dtype), A._device))


class LinalgSolveBackward0(Node):
    __slots__ = ("a", "x", "sa", "sb", "vector")
    _saved = ("a", "x")
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        xp = xp_of(g)
        if self.vector:
            g = g[..., None]
        a = xp.broadcast_to(self.a, g.shape[:-2] + self.a.shape[-2:])
        gb = xp.linalg.solve(_mT(a), g)                 # A^T gB = g
        ga = sum_to(-(gb @ _mT(self.x)), self.sa) if na is not None else None
        if nb is not None:
            gb = sum_to(gb[..., 0] if self.vector else gb, self.sb)
        return ga, (gb if nb is not None else None)


def solve(A, B, *, left=True):
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``); batch dims broadcast and ``B`` may be
    a (batch of) vector(s)."""
    a = _square(A, "linalg.solve")
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): expected B to be a Tensor, got {type(B).__name__}")
    if A._device is not B._device:
        check_same_device("linalg.solve", A._device, B._device)
    if not left:
        from .shape import mT
        return mT(solve(mT(A), mT(B)))
    b = B._array
    if b.dtype != a.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A of type "
                           f"{A.dtype._short} and B of type {B.dtype._short} instead")
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    if bm.ndim < 2 or bm.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {'x'.join(map(str, b.shape))})")
    xp = A._device.xp
    try:
        batch = np.broadcast_shapes(a.shape[:-2], bm.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: batch dims of A {list(a.shape[:-2])} and B {list(bm.shape[:-2])} do "
                           f"not broadcast") from None
    ab = xp.broadcast_to(a, batch + a.shape[-2:])
    bb = xp.broadcast_to(bm, batch + bm.shape[-2:])
    x = _lapack(xp.linalg.solve, "linalg.solve", ab, bb) if ab.size and bb.size else xp.zeros(bb.shape, a.dtype)
    out = make(xp.ascontiguousarray(x[..., 0]) if vector else x, A._device)
    record(out, LinalgSolveBackward0, (A, B), save_versions(A), a=a, x=x, sa=a.shape, sb=b.shape, vector=vector)
    return out
