"""Joining, splitting and rearranging copies: cat, stack, split, chunk, unbind, flip, roll, tril, triu.

Splits return views (one multi-output node); joins and rearrangements return copies.
"""
import numpy as np

from ..autograd.node import Node
from ._util import Tensor, edge, grad_state, make, make_view, new_node, norm_dim, xp_of
from .numpy_names import numpy_names
from .out_arg import write_out
from .shape import _copy_out, reshape

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "chunk", "unbind", "flip", "fliplr",
           "flipud", "roll", "tril", "triu", "atleast_1d", "atleast_2d"]


# ---- joining and splitting -----------------------------------------------------------------------------

class CatBackward0(Node):
    __slots__ = ("dim", "bounds")

    def backward(self, g):
        d, b = self.dim, self.bounds
        idx = [slice(None)] * g.ndim
        out = []
        for e, (lo, hi) in zip(self._next, b):
            if e is None or hi is None:     # hi None: a skipped legacy empty 1-D input
                out.append(None if e is None else xp_of(g).zeros((0,), g.dtype))
                continue
            idx[d] = slice(lo, hi)
            out.append(g[tuple(idx)])
        return tuple(out)


def _tensor_list(tensors, op):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}(): argument 'tensors' must be a tuple or list of Tensors, not "
                        f"{type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._device is not tensors[0]._device:
            from ..backend import check_same_device
            check_same_device(op, tensors[0]._device, t._device)
    from ..dtypes import result_type
    rt = result_type(*tensors).np if len({t._array.dtype for t in tensors}) > 1 else tensors[0]._array.dtype
    return [t._array if t._array.dtype == rt else t._array.astype(rt) for t in tensors]


def _record_multi_in(cls, out, tensors, **attrs):
    if grad_state.enabled and any(t._requires_grad for t in tensors):
        n = new_node(cls, tuple(edge(t) for t in tensors))
        for k, v in attrs.items():
            setattr(n, k, v)
        out.grad_fn = n
        out._requires_grad = True
    return out


@numpy_names
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim (legacy 1-D empty tensors are skipped, as in PyTorch)."""
    if out is not None:
        return write_out(out, cat(tensors, dim), "cat")
    arrays = _tensor_list(tensors, "cat")
    keep = [i for i, a in enumerate(arrays) if not (a.ndim == 1 and a.shape[0] == 0)]
    if not keep:
        return make(arrays[0].copy(), tensors[0]._device)
    ref = arrays[keep[0]]
    if ref.ndim == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = norm_dim(dim, ref.ndim)
    for i in keep:
        a = arrays[i]
        if a.ndim != ref.ndim or any(s != r for j, (s, r) in enumerate(zip(a.shape, ref.shape)) if j != d):
            raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                               f"{list(ref.shape)} but got size {list(a.shape)} for tensor number {i} in the list.")
    r = xp_of(ref).concatenate([arrays[i] for i in keep], axis=d)
    bounds, pos = [], 0
    for i, a in enumerate(arrays):
        if i not in keep:
            bounds.append((pos, None))
            continue
        bounds.append((pos, pos + a.shape[d]))
        pos += a.shape[d]
    out = make(r, tensors[0]._device)
    return _record_multi_in(CatBackward0, out, tensors, dim=d, bounds=bounds)


concat = concatenate = cat


class StackBackward0(Node):
    __slots__ = ("dim",)

    def backward(self, g):
        d = self.dim
        idx = (slice(None),) * d
        return tuple(None if e is None else g[idx + (i,)] for i, e in enumerate(self._next))


@numpy_names
def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim."""
    if out is not None:
        return write_out(out, stack(tensors, dim), "stack")
    arrays = _tensor_list(tensors, "stack")
    for i, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at entry "
                               f"0 and {list(a.shape)} at entry {i}")
    d = norm_dim(dim, arrays[0].ndim + 1)
    out = make(xp_of(arrays[0]).stack(arrays, axis=d), tensors[0]._device)
    return _record_multi_in(StackBackward0, out, tensors, dim=d)


def hstack(tensors):
    """Concatenate horizontally: along dim 1, or dim 0 for 1-D tensors.

        ember.hstack([ember.zeros(2, 1), ember.ones(2, 2)]).shape   # ember.Size([2, 3])"""
    return cat(tensors, 0 if tensors[0]._array.ndim == 1 else 1)


def vstack(tensors):
    """Stack vertically: 1-D tensors become rows, then everything is concatenated along dim 0.

        ember.vstack([ember.zeros(3), ember.ones(3)]).shape         # ember.Size([2, 3])"""
    return cat([atleast_2d(t) for t in tensors], 0)


def atleast_1d(t):
    """``t`` with at least one dimension (a 0-d tensor becomes shape ``(1,)``)."""
    return t if t._array.ndim >= 1 else reshape(t, 1)


def atleast_2d(t):
    """``t`` with at least two dimensions (0-d and 1-d tensors become one row, shape ``(1, n)``)."""
    return t if t._array.ndim >= 2 else reshape(t, 1, -1)


class SplitBackward0(Node):
    """Multi-output: each output is a slice; missing output gradients count as zeros."""
    __slots__ = ("_n_out", "dim", "bounds", "shape")
    _fresh = True

    def backward(self, *grads):
        ref = next(g for g in grads if g is not None)
        out = xp_of(ref).zeros(self.shape, ref.dtype)
        idx = [slice(None)] * len(self.shape)
        for g, (lo, hi) in zip(grads, self.bounds):
            if g is not None:
                idx[self.dim] = slice(lo, hi)
                out[tuple(idx)] = g
        return (out,)


class UnbindBackward0(SplitBackward0):
    __slots__ = ()

    def backward(self, *grads):
        ref = next(g for g in grads if g is not None)
        out = xp_of(ref).zeros(self.shape, ref.dtype)
        idx = [slice(None)] * len(self.shape)
        for i, g in enumerate(grads):
            if g is not None:
                idx[self.dim] = i
                out[tuple(idx)] = g
        return (out,)


def _multi_view(input, arrays, cls, **attrs):
    outs = [make_view(a, input) for a in arrays]
    if grad_state.enabled and input._requires_grad:
        n = new_node(cls, (edge(input),))
        n._n_out = len(outs)
        n.shape = input._array.shape
        for k, v in attrs.items():
            setattr(n, k, v)
        for i, o in enumerate(outs):
            o.grad_fn = n
            o._output_nr = i
            o._requires_grad = True
    return tuple(outs)


def _split_bounds(input, sizes, d):
    idx = [slice(None)] * input._array.ndim
    arrays, bounds, pos = [], [], 0
    for s in sizes:
        idx[d] = slice(pos, pos + s)
        arrays.append(input._array[tuple(idx)])
        bounds.append((pos, pos + s))
        pos += s
    return arrays, bounds


@numpy_names
def split(input, split_size_or_sections, dim=0):
    """Split into pieces of ``split_size`` (last may be smaller) or of the listed sizes (views)."""
    x = input._array
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        s = int(split_size_or_sections)
        if s <= 0 and not (s == 0 and n == 0):
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = [s] * (n // s) + ([n % s] if n % s else []) if s else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
                               f"dimension {d}), but got split_sizes={sizes}")
    arrays, bounds = _split_bounds(input, sizes, d)
    return _multi_view(input, arrays, SplitBackward0, dim=d, bounds=bounds)


@numpy_names
def chunk(input, chunks, dim=0):
    """Split into ``chunks`` pieces of ``ceil(n / chunks)`` (possibly fewer pieces, as in PyTorch)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = input._array
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = x.shape[norm_dim(dim, x.ndim)]
    size = -(-n // chunks) if n else 0
    return split(input, size, dim) if size else split(input, [0] * chunks if n == 0 else [n], dim)


@numpy_names
def unbind(input, dim=0):
    """The slices along ``dim`` as a tuple of views."""
    x = input._array
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = norm_dim(dim, x.ndim)
    arrays = [x[(slice(None),) * d + (i,)] for i in range(x.shape[d])]
    return _multi_view(input, arrays, UnbindBackward0, dim=d)


# ---- copies --------------------------------------------------------------------------------------------

class FlipBackward0(Node):
    __slots__ = ("dims",)
    _fresh = True

    def backward(self, g):
        return (xp_of(g).flip(g, self.dims).copy(),)


def flip(input, dims):
    """Reverse the order along ``dims`` (a copy, as in PyTorch)."""
    x = input._array
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    axes = tuple(norm_dim(d, x.ndim) for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError("flip(): dims has duplicates")
    return _copy_out(xp_of(x).flip(x, axes).copy() if axes else x.copy(), input, FlipBackward0, dims=axes)


def fliplr(input):
    """Reverse the order of the columns (dim 1): ``[[1, 2]]`` becomes ``[[2, 1]]``."""
    return flip(input, 1)


def flipud(input):
    """Reverse the order of the rows (dim 0)."""
    return flip(input, 0)


class RollBackward0(Node):
    __slots__ = ("shifts", "dims")
    _fresh = True

    def backward(self, g):
        neg = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (xp_of(g).roll(g, neg, self.dims),)


def roll(input, shifts, dims=None):
    """Rotate elements along ``dims`` (the flattened tensor if None)."""
    x = input._array
    if isinstance(shifts, (list, tuple)):
        shifts = tuple(shifts)
    if isinstance(dims, list):
        dims = tuple(dims)
    return _copy_out(xp_of(x).roll(x, shifts, dims), input, RollBackward0, shifts=shifts, dims=dims)


class _TriBackward(Node):
    __slots__ = ("k",)
    _fresh = True
    _fn = None

    def backward(self, g):
        return (getattr(xp_of(g), self._fn)(g, self.k),)


class TrilBackward0(_TriBackward):
    __slots__ = ()
    _fn = "tril"


class TriuBackward0(_TriBackward):
    __slots__ = ()
    _fn = "triu"


def tril(input, diagonal=0):
    """Lower triangle of the last two dims (the rest set to zero)."""
    if input._array.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return _copy_out(input._device.xp.tril(input._array, diagonal), input, TrilBackward0, k=diagonal)


def triu(input, diagonal=0):
    """Upper triangle of the last two dims (the rest set to zero)."""
    if input._array.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return _copy_out(input._device.xp.triu(input._array, diagonal), input, TriuBackward0, k=diagonal)
