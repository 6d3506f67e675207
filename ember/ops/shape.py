"""Shape ops: views (reshape/view, squeeze, unsqueeze, permute, transpose, expand, narrow, diagonal) and
``repeat``/``tile``/``clone``/``contiguous``; joins and splits live in ``combine.py``.

Like PyTorch, view ops return tensors sharing storage (and the version counter) with their input;
``view`` refuses when no view is possible (use ``reshape``). NumPy supplies the views directly.
"""
import math

import numpy as np

from ..autograd.node import Node
from .indexing import SliceBackward0
from ._util import Tensor, as_strided, make, make_view, norm_dim, record, reshape_view, sum_to, xp_of
from .numpy_names import numpy_names

__all__ = ["reshape", "view", "view_as", "reshape_as", "flatten", "unflatten", "squeeze", "unsqueeze", "permute",
           "transpose", "swapaxes", "swapdims", "t", "T", "mT", "movedim", "moveaxis", "expand", "expand_as",
           "broadcast_to", "broadcast_tensors", "repeat", "tile", "narrow", "contiguous", "clone", "diagonal"]


def _sizes(args):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` (and ``ember.Size``)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = a.item()
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"sizes must be integers, got {type(a).__name__}")
        out.append(int(a))
    return tuple(out)


def _view_out(arr, input, cls, **attrs):
    out = make_view(arr, input)
    record(out, cls, (input,), None, **attrs)
    return out


def _copy_out(arr, input, cls, **attrs):
    out = make(arr, input._device)
    record(out, cls, (input,), None, **attrs)
    return out


# ---- reshape family ------------------------------------------------------------------------------------

class ViewBackward0(Node):
    __slots__ = ("shape",)

    def backward(self, g):
        return (g.reshape(self.shape),)


class UnsafeViewBackward0(ViewBackward0):
    __slots__ = ()


def _infer_shape(shape, size):
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if any(s < -1 for s in shape):
        raise RuntimeError(f"invalid shape dimension {min(shape)}")
    known = math.prod(s for s in shape if s != -1)
    if neg:
        if known == 0 or size % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


def reshape(input, *shape):
    """Same data in a new shape (a view when possible, else a copy); one dim may be ``-1``."""
    x = input._array
    shape = _infer_shape(_sizes(shape), x.size)
    r = reshape_view(x, shape)
    if r is not None:
        return _view_out(r, input, ViewBackward0, shape=x.shape)
    # strides allow no view: copy, as PyTorch's reshape does
    return _copy_out(x.reshape(shape), input, UnsafeViewBackward0, shape=x.shape)


def view(input, *shape):
    """A view with a new shape; raises when the strides don't allow one (use ``reshape`` then)."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer, Tensor)):
        raise NotImplementedError("view(dtype) is not supported by ember; use .to(dtype)")
    x = input._array
    shape = _infer_shape(_sizes(shape), x.size)
    r = reshape_view(x, shape)
    if r is None:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one dimension "
                           "spans across two contiguous subspaces). Use .reshape(...) instead.")
    return _view_out(r, input, ViewBackward0, shape=x.shape)


def view_as(input, other):
    """A view of ``input`` with ``other``'s shape: ``input.view(other.shape)``."""
    return view(input, other._array.shape)


def reshape_as(input, other):
    """``input`` reshaped to ``other``'s shape: ``input.reshape(other.shape)``."""
    return reshape(input, other._array.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one."""
    x = input._array
    if x.ndim == 0:
        return reshape(input, 1)
    s, e = norm_dim(start_dim, x.ndim), norm_dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return _view_out(x.view(), input, ViewBackward0, shape=x.shape)
    return reshape(input, x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    sizes = _infer_shape(_sizes((sizes,)), x.shape[d])
    return view(input, x.shape[:d] + sizes + x.shape[d + 1:])


class SqueezeBackward0(ViewBackward0):
    __slots__ = ()


class UnsqueezeBackward0(ViewBackward0):
    __slots__ = ()


@numpy_names
def squeeze(input, dim=None):
    """Drop size-1 dims (all, or those in ``dim``; other sizes are left alone)."""
    x = input._array
    if dim is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = tuple(sorted({norm_dim(d, x.ndim) for d in dims})) if x.ndim else ()
        axes = tuple(a for a in axes if x.shape[a] == 1)
    return _view_out(x.squeeze(axes) if axes else x.view(), input, SqueezeBackward0, shape=x.shape)


@numpy_names
def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim`` (in ``[-ndim-1, ndim]``)."""
    x = input._array
    d = norm_dim(dim, x.ndim + 1)
    return _view_out(xp_of(x).expand_dims(x, d), input, UnsqueezeBackward0, shape=x.shape)


# ---- permutations --------------------------------------------------------------------------------------

class PermuteBackward0(Node):
    __slots__ = ("inv",)

    def backward(self, g):
        return (g.transpose(self.inv),)


class TransposeBackward0(Node):
    __slots__ = ("d0", "d1")

    def backward(self, g):
        return (g.swapaxes(self.d0, self.d1),)


class TBackward0(TransposeBackward0):
    __slots__ = ()


def permute(input, *dims):
    """Reorder dims: ``x.permute(2, 0, 1)``."""
    x = input._array
    dims = _sizes(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the length "
                           f"of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
                           f"len(dims) = {len(dims)}")
    dims = tuple(norm_dim(d, x.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_out(x.transpose(dims), input, PermuteBackward0, inv=tuple(int(i) for i in np.argsort(dims)))


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    x = input._array
    if x.ndim == 0:
        return _view_out(x.view(), input, TransposeBackward0, d0=0, d1=0) if dim0 in (0, -1) and dim1 in (0, -1) \
            else norm_dim(2, 0)
    d0, d1 = norm_dim(dim0, x.ndim), norm_dim(dim1, x.ndim)
    return _view_out(x.swapaxes(d0, d1), input, TransposeBackward0, d0=d0, d1=d1)


swapaxes = swapdims = transpose


def t(input):
    """Transpose of a tensor with at most 2 dims."""
    x = input._array
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    if x.ndim < 2:
        return _view_out(x.view(), input, TBackward0, d0=0, d1=0)
    return _view_out(x.T, input, TBackward0, d0=0, d1=1)


def T(input):
    """All dims reversed (the property ``x.T``)."""
    x = input._array
    if x.ndim == 2:
        return _view_out(x.T, input, TBackward0, d0=0, d1=1)
    return _view_out(x.T, input, PermuteBackward0, inv=tuple(reversed(range(x.ndim))))


def mT(input):
    """The last two dims swapped (batched matrix transpose)."""
    x = input._array
    if x.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return _view_out(x.swapaxes(-1, -2), input, TransposeBackward0, d0=x.ndim - 2, d1=x.ndim - 1)


def movedim(input, source, destination):
    """Move dimension(s) ``source`` to position(s) ``destination``, keeping the others' order.

        ember.zeros(2, 3, 4).movedim(0, -1).shape     # ember.Size([3, 4, 2])"""
    x = input._array
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    axes = [norm_dim(s, x.ndim) for s in src]
    dests = [norm_dim(d, x.ndim) for d in dst]
    rest = [i for i in range(x.ndim) if i not in axes]
    result = [None] * x.ndim
    for a, d in zip(axes, dests):
        result[d] = a
    it = iter(rest)
    result = [r if r is not None else next(it) for r in result]
    return permute(input, *result)


moveaxis = movedim


# ---- expand / repeat -----------------------------------------------------------------------------------

class ExpandBackward0(Node):
    __slots__ = ("shape",)
    _fresh = True

    def backward(self, g):
        r = sum_to(g, self.shape)
        return (r if r is not g else g.copy(),)


def expand(input, *sizes):
    """Broadcast to ``sizes`` without copying (``-1`` keeps a dim); the result is read-only."""
    x = input._array
    sizes = _sizes(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError(f"expand(ember.FloatTensor{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
                           f"tensor ({x.ndim})")
    lead = len(sizes) - x.ndim
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing "
                                   f"dimension {i}")
            target.append(s)
            continue
        cur = x.shape[i - lead]
        if s == -1:
            s = cur
        if cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                               f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                               f"{list(x.shape)}")
        target.append(s)
    return _view_out(xp_of(x).broadcast_to(x, tuple(target)), input, ExpandBackward0, shape=x.shape)


def expand_as(input, other):
    """``input`` broadcast (without copying) to ``other``'s shape: ``input.expand(other.shape)``."""
    return expand(input, other._array.shape)


def broadcast_to(input, shape):
    """``input`` broadcast (without copying) to ``shape``: ``ember.broadcast_to(ember.ones(3), (2, 3))``."""
    return expand(input, shape)


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (views, as a tuple).

        a, b = ember.broadcast_tensors(ember.ones(3, 1), ember.ones(4))   # both (3, 4)"""
    shape = np.broadcast_shapes(*[t._array.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


class RepeatBackward0(Node):
    __slots__ = ("reps", "shape")
    _fresh = True

    def backward(self, g):
        reps, shape = self.reps, self.shape
        lead = len(reps) - len(shape)
        full = (1,) * lead + shape
        inter = []
        for r, s in zip(reps, full):
            inter += [r, s]
        gg = g.reshape(inter).sum(axis=tuple(range(0, 2 * len(reps), 2)))
        return (gg.reshape(shape),)


def repeat(input, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (``len(sizes) >= ndim``)."""
    x = input._array
    reps = _sizes(sizes)
    if len(reps) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    xr = x.reshape((1,) * (len(reps) - x.ndim) + x.shape)
    return _copy_out(xp_of(x).tile(xr, reps), input, RepeatBackward0, reps=reps, shape=x.shape)


def tile(input, *dims):
    """Like ``repeat`` but ``dims`` shorter than ``ndim`` are padded with ones on the left."""
    x = input._array
    reps = _sizes(dims)
    reps = (1,) * (x.ndim - len(reps)) + reps
    return repeat(input, reps)


@numpy_names
def narrow(input, dim, start, length):
    """The slice ``start:start+length`` of ``dim`` (a view)."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    index = (slice(None),) * d + (slice(start, start + length),)
    return _view_out(x[index], input, SliceBackward0, shape=x.shape, index=index)


# ---- copies ---------------------------------------------------------------------------------------------
class CloneBackward0(Node):
    __slots__ = ()

    def backward(self, g):
        return (g,)


def clone(input, *, memory_format=None):
    """A copy that stays in the graph (gradients flow back to ``input``)."""
    return _copy_out(input._array.copy(), input, CloneBackward0)


def contiguous(input, memory_format=None):
    """``input`` itself if C-contiguous, else a contiguous copy."""
    if input._array.flags.c_contiguous:
        return input
    return _copy_out(input._device.xp.ascontiguousarray(input._array), input, CloneBackward0)


class DiagonalBackward0(Node):
    __slots__ = ("shape", "offset", "d1", "d2")
    _fresh = True

    def backward(self, g):
        out = xp_of(g).zeros(self.shape, g.dtype)
        diag = _writable_diagonal(out, self.offset, self.d1, self.d2)
        diag[...] = g
        return (out,)


def _writable_diagonal(a, offset, d1, d2):
    # NumPy's diagonal is a read-only view; build the same view with as_strided (writes go to ``a``)
    n1, n2 = a.shape[d1], a.shape[d2]
    start = [0] * a.ndim
    if offset >= 0:
        start[d2] = min(offset, n2)
        length = max(0, min(n1, n2 - offset))
    else:
        start[d1] = min(-offset, n1)
        length = max(0, min(n1 + offset, n2))
    base = a[tuple(slice(s, None) for s in start)]
    other = [i for i in range(a.ndim) if i not in (d1, d2)]
    shape = tuple(a.shape[i] for i in other) + (length,)
    strides = tuple(a.strides[i] for i in other) + (a.strides[d1] + a.strides[d2],)
    return as_strided(base, shape, strides)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal over ``dim1``/``dim2`` (moved to the last dim)."""
    x = input._array
    d1, d2 = norm_dim(dim1, x.ndim), norm_dim(dim2, x.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return _view_out(xp_of(x).diagonal(x, offset, d1, d2), input, DiagonalBackward0, shape=x.shape, offset=offset,
                     d1=d1, d2=d2)
