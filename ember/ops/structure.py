"""Structured tensors: ``meshgrid``, ``diag``, ``diag_embed``, ``trace``, ``kron``, ``repeat_interleave``.

Most are compositions of differentiable shape and indexing ops, so their gradients come for free;
``diag_embed`` has its own node (its backward is the diagonal of the gradient).
"""
import numpy as np

from ..autograd.node import Node
from ._util import Tensor, make, norm_dim, record, xp_of

__all__ = ["meshgrid", "diag", "diag_embed", "trace", "kron", "repeat_interleave"]


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D (or 0-d) tensors; ``indexing='xy'`` swaps the first two output dims."""
    from .shape import expand, reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    if not tensors:
        raise RuntimeError("torch.meshgrid expects a non-empty TensorList")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid(): expected Tensors, got {type(t).__name__}")
        if t._array.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t._array.ndim}D")
        if t._array.dtype != tensors[0]._array.dtype:
            raise RuntimeError("torch.meshgrid: expects all tensors to have the same dtype")
    sizes = [int(t._array.size) for t in tensors]
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:            # 'xy' is 'ij' with the first two inputs' roles exchanged
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(tensors):
        pos = (1 - i if i < 2 else i) if swap else i
        shape = [1] * len(tensors)
        shape[pos] = sizes[pos]
        out.append(expand(reshape(t, shape), sizes))
    return tuple(out)


class DiagEmbedBackward0(Node):
    __slots__ = ("offset", "d1", "d2")
    _fresh = True

    def backward(self, g):
        return (xp_of(g).diagonal(g, self.offset, self.d1, self.d2).copy(),)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (over ``dim1``/``dim2``) whose ``offset`` diagonal is ``input``'s last dim."""
    x = input._array
    n = x.ndim + 1
    d1, d2 = norm_dim(dim1, n), norm_dim(dim2, n)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if x.ndim == 0:
        raise RuntimeError("diag_embed(): expected a tensor with at least one dimension, got a 0-d tensor")
    xp = input._device.xp
    k = x.shape[-1]
    m = k + abs(offset)
    out = xp.zeros(x.shape[:-1] + (m, m), x.dtype)
    i = xp.arange(k)
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    out[..., rows, cols] = x
    out = xp.ascontiguousarray(xp.moveaxis(out, (-2, -1), (d1, d2)))
    res = make(out, input._device)
    record(res, DiagEmbedBackward0, (input,), (), offset=offset, d1=d1, d2=d2)
    return res


def diag(input, diagonal=0):
    """A 1-D input becomes a square matrix with it on diagonal ``diagonal``; a matrix gives that diagonal."""
    nd = input._array.ndim
    if nd == 1:
        return diag_embed(input, diagonal)
    if nd == 2:
        from .shape import clone, diagonal as _diagonal
        return clone(_diagonal(input, diagonal))       # torch.diag returns a copy, not a view
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")


def trace(input):
    """Sum of a matrix's main diagonal."""
    if input._array.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._array.ndim}")
    from .reduction import sum as _sum
    from .shape import diagonal
    return _sum(diagonal(input))


def kron(input, other):
    """Kronecker product: every block ``input[i...] * other`` laid out over the dims (ndims padded with 1s)."""
    from .shape import reshape
    a, b = input._array, other._array
    n = max(a.ndim, b.ndim)
    sa, sb = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    # interleave dims: a as (sa0, 1, sa1, 1, ...) times b as (1, sb0, 1, sb1, ...), then merge pairs
    ra = reshape(input, tuple(v for s in sa for v in (s, 1)))
    rb = reshape(other, tuple(v for s in sb for v in (1, s)))
    return reshape(ra * rb, tuple(x * y for x, y in zip(sa, sb)))


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element (or slice along ``dim``) ``repeats`` times; ``repeat_interleave(counts)`` alone
    repeats ``arange(len(counts))``."""
    from .indexing import index_select
    from .shape import reshape
    if repeats is None:             # torch.repeat_interleave(repeats): indices repeated by their counts
        counts = _counts(input, None, output_size)
        xp = input._device.xp
        return make(xp.repeat(xp.arange(len(counts), dtype=np.int64), counts), input._device)
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = norm_dim(dim, input._array.ndim)
        if input._array.ndim == 0:
            input = reshape(input, (1,))
    n = input._array.shape[d]
    xp = input._device.xp
    if isinstance(repeats, Tensor) and repeats._array.ndim > 0:
        counts = _counts(repeats, n, output_size)
    else:
        r = int(repeats.item() if isinstance(repeats, Tensor) else repeats)
        if r < 0:
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        counts = r
    index = make(xp.repeat(xp.arange(n, dtype=np.int64), counts), input._device)
    if output_size is not None and index._array.size != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the total of repeats "
                           f"{index._array.size}")
    return index_select(input, d, index)


def _counts(repeats, n, output_size):
    r = repeats._array
    if r.ndim != 1 or r.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be a 1-D integer tensor, got {r.ndim}-D {repeats.dtype}")
    if n is not None and r.shape[0] != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                           f"{r.shape[0]} and the input's size {n}")
    if r.size and bool((r < 0).any()):
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    return r.astype(np.int64).tolist()      # CuPy's repeat takes host counts only
