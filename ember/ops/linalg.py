"""Matrix products: ``matmul`` (1-D cases and batched broadcasting), ``mm``, ``bmm``, ``dot``, ``mv``, ``outer``.

Operands must share a dtype (as in PyTorch). Kernels feed BLAS contiguous or transposed-contiguous
operands only: a batch of matrices times one matrix is folded into a single GEMM, and gradients that
arrive with zero strides are materialised first (NumPy skips BLAS for them).
"""
from ..autograd.node import Node
from ..backend import check_same_device
from .out_arg import write_out
from ._util import Tensor, make, record, save_versions, sum_to, xp_of

__all__ = ["matmul", "mm", "bmm", "dot", "vdot", "mv", "outer", "inner", "addmm", "baddbmm", "einsum"]


def _blas_ready(a):
    """``a`` if BLAS can use it directly (C- or F-contiguous), else a contiguous copy."""
    f = a.flags
    return a if f.c_contiguous or f.f_contiguous else xp_of(a).ascontiguousarray(a)


def _mm(a, b):
    """``a @ b`` for a (..., n, k) and b of ndim 2, as one GEMM when ``a``'s batch dims fold."""
    xp = xp_of(a)
    if a.ndim > 2 and b.ndim == 2 and a.flags.c_contiguous:
        return xp.matmul(a.reshape(-1, a.shape[-1]), b).reshape(a.shape[:-1] + (b.shape[-1],))
    return xp.matmul(a, b)


def _check(a, b, op):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a._device is not b._device:
        check_same_device(op, a._device, b._device)
    x, y = a._array, b._array
    if x.dtype != y.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype._short} != "
                           f"{b.dtype._short}")
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(f"both arguments to {op} need to be at least 1D, but they are {x.ndim}D and {y.ndim}D")
    return x, y


class MatmulBackward0(Node):
    """General ``matmul``: 1-D operands are promoted to matrices and the result squeezed, as in NumPy."""
    __slots__ = ("x", "y")
    _saved = ("x", "y")
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        x, y, xp = self.x, self.y, xp_of(g)
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        if x.ndim == 1:
            g = xp.expand_dims(g, -2)
        if y.ndim == 1:
            g = xp.expand_dims(g, -1)
        g = _blas_ready(g)
        ga = gb = None
        if na is not None:
            ga = _mm(g, y2.T) if y2.ndim == 2 else xp.matmul(g, xp.swapaxes(y2, -1, -2))
            ga = sum_to(ga, x2.shape)
            ga = ga.reshape(x.shape)
        if nb is not None:
            if y2.ndim == 2 and x2.ndim > 2 and x2.flags.c_contiguous and g.flags.c_contiguous:
                # (B, n, k)^T (B, n, m) summed over B is one GEMM on the folded batch
                gb = xp.matmul(x2.reshape(-1, x2.shape[-1]).T, g.reshape(-1, g.shape[-1]))
            else:
                gb = sum_to(xp.matmul(xp.swapaxes(x2, -1, -2), g), y2.shape)
            gb = gb.reshape(y.shape)
        return ga, gb


class MmBackward0(Node):
    __slots__ = ("x", "y")
    _saved = ("x", "y")
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        g, xp = _blas_ready(g), xp_of(g)
        return (xp.matmul(g, self.y.T) if na is not None else None,
                xp.matmul(self.x.T, g) if nb is not None else None)


class BmmBackward0(MmBackward0):
    __slots__ = ()

    def backward(self, g):
        na, nb = self._next
        g, xp = _blas_ready(g), xp_of(g)
        return (xp.matmul(g, xp.swapaxes(self.y, -1, -2)) if na is not None else None,
                xp.matmul(xp.swapaxes(self.x, -1, -2), g) if nb is not None else None)


class DotBackward0(MmBackward0):
    __slots__ = ()

    def backward(self, g):
        na, nb = self._next
        return (g * self.y if na is not None else None, g * self.x if nb is not None else None)


class MvBackward0(MmBackward0):
    __slots__ = ()

    def backward(self, g):
        na, nb = self._next
        xp = xp_of(g)
        return (xp.multiply.outer(g, self.y) if na is not None else None,
                xp.matmul(self.x.T, g) if nb is not None else None)


def _record(cls, out, a, b, x, y):
    record(out, cls, (a, b), save_versions(a, b), x=x, y=y)
    return out


def matmul(input, other, *, out=None):
    """Matrix product with NumPy/PyTorch semantics: 1-D @ 1-D is a dot product, batch dims broadcast."""
    if out is not None:
        return write_out(out, matmul(input, other), "matmul")
    x, y = _check(input, other, "matmul")
    if x.ndim == 2 and y.ndim == 2:
        _inner(x.shape[1], y.shape[0], x.shape, y.shape)
        return _record(MmBackward0, make(input._device.xp.matmul(x, y), input._device), input, other, x, y)
    if x.ndim == 1 and y.ndim == 1:
        return dot(input, other)
    k1 = x.shape[-1]
    k2 = y.shape[0] if y.ndim == 1 else y.shape[-2]
    _inner(k1, k2, x.shape, y.shape)
    if x.ndim > 2 and y.ndim == 2:
        r = _mm(x, y)
    else:
        try:
            r = input._device.xp.matmul(x, y)
        except ValueError:
            raise RuntimeError(f"The size of tensor a must match the size of tensor b at a non-singleton batch "
                               f"dimension: shapes {list(x.shape)} and {list(y.shape)}") from None
    return _record(MatmulBackward0, make(r, input._device), input, other, x, y)


def _inner(k1, k2, s1, s2):
    if k1 != k2:
        if len(s1) <= 2 and len(s2) <= 2:
            a = f"{s1[0] if len(s1) == 2 else 1}x{s1[-1]}"
            b = f"{s2[0]}x{s2[1] if len(s2) == 2 else 1}"
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a} and {b})")
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: {list(s1[:-2])} x {k1} "
                           f"but got: {list(s2[:-2])} x {k2}; shapes {list(s1)} and {list(s2)}.")


def mm(input, mat2, *, out=None):
    """Product of two matrices (2-D only)."""
    if out is not None:
        return write_out(out, mm(input, mat2), "mm")
    x, y = _check(input, mat2, "mm")
    if x.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if y.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _inner(x.shape[1], y.shape[0], x.shape, y.shape)
    return _record(MmBackward0, make(input._device.xp.matmul(x, y), input._device), input, mat2, x, y)


def bmm(input, mat2, *, out=None):
    """Batched product of (b, n, k) and (b, k, m) tensors (no broadcasting)."""
    if out is not None:
        return write_out(out, bmm(input, mat2), "bmm")
    x, y = _check(input, mat2, "bmm")
    if x.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if y.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{x.shape[0]}, "
                           f"{x.shape[2]}] but got: [{y.shape[0]}, {y.shape[1]}].")
    return _record(BmmBackward0, make(input._device.xp.matmul(x, y), input._device), input, mat2, x, y)


def dot(input, other):
    """Inner product of two 1-D tensors of the same length."""
    x, y = _check(input, other, "dot")
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {x.ndim}D and {y.ndim}D tensors")
    if x.shape[0] != y.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{x.shape[0]}] and src [{y.shape[0]}] to have "
                           f"the same number of elements, but got {x.shape[0]} and {y.shape[0]} elements respectively")
    xp = input._device.xp
    return _record(DotBackward0, make(xp.asarray(xp.dot(x, y)), input._device), input, other, x, y)


vdot = dot


def mv(input, vec):
    """Matrix-vector product."""
    x, y = _check(input, vec, "mv")
    if x.ndim != 2 or y.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {x.ndim}, {y.ndim}")
    _inner(x.shape[1], y.shape[0], x.shape, y.shape)
    return _record(MvBackward0, make(input._device.xp.matmul(x, y), input._device), input, vec, x, y)


def outer(input, vec2):
    """Outer product of two 1-D tensors."""
    x, y = _check(input, vec2, "outer")
    if x.ndim != 1 or y.ndim != 1:
        raise RuntimeError(f"outer: expected 1D tensors, got {x.ndim}D and {y.ndim}D")
    from .shape import unsqueeze
    return unsqueeze(input, 1) * unsqueeze(vec2, 0)


def inner(input, other):
    """Inner product over the last dimension: the dot product for 1-D tensors, else
    ``sum(input[..., None, :] * other, -1)`` for every pair of rows."""
    if input._array.ndim == 1 and other._array.ndim == 1:
        return dot(input, other)
    from .shape import mT
    return matmul(input, mT(other) if other._array.ndim >= 2 else other)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)``."""
    r = mm(mat1, mat2)
    if alpha != 1:
        r = r * alpha
    return r + (input * beta if beta != 1 else input)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """``beta * input + alpha * bmm(batch1, batch2)``; ``input`` broadcasts, and is ignored when ``beta`` is 0."""
    r = bmm(batch1, batch2)
    if alpha != 1:
        r = r * alpha
    if beta == 0:               # input's values (even nan) are ignored, as in PyTorch; it must still broadcast
        from ._util import broadcastable_to
        if not broadcastable_to(input._array.shape, r._array.shape):
            raise RuntimeError(f"baddbmm: input of shape {list(input.shape)} does not broadcast to {list(r.shape)}")
        return r
    return r + (input * beta if beta != 1 else input)


def einsum(equation, *operands):
    """Einstein summation, differentiable: each operand's gradient is another einsum."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    from .einsum import einsum as _einsum
    return _einsum(equation, *operands)
