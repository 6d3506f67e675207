"""More indexing: ``take_along_dim``, ``argwhere``, ``unravel_index``, ``select``, ``select_scatter``,
``slice_scatter``, ``index_copy``, ``index_fill``, ``index_put``, ``masked_scatter``, ``scatter_reduce``
and ``index_reduce`` (plus the ``_`` in-place variants).

Writes at arbitrary positions go through flat positions (``arange(numel)[index]``) and the differentiable
``scatter``/``scatter_add``; ``scatter_reduce`` has its own node. Segment reductions are built from
``bincount`` and sorts, which CuPy has (it has no ``ufunc.at``). Floating inputs reduce in float64; integer ones
in their own dtype (``_int_segments``), wrapping as PyTorch's do, so int64 stays exact above 2**53.
"""
import numpy as np

from ..autograd.node import Node
from ._util import Tensor, make, norm_dim, record, xp_of

__all__ = ["take_along_dim", "argwhere", "unravel_index", "select", "select_scatter", "slice_scatter", "index_copy",
           "index_fill", "index_put", "masked_scatter", "scatter_reduce", "index_reduce", "index_copy_",
           "index_fill_", "index_put_", "masked_scatter_", "scatter_reduce_", "index_reduce_"]


def take_along_dim(input, indices, dim=None):
    """``gather`` with the index broadcast against ``input`` off ``dim`` (flattened when ``dim`` is None)."""
    from .indexing import _index_tensor, gather
    from .shape import expand, reshape
    _index_tensor(indices, "take_along_dim")
    if dim is None:
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    x, i = input._array, indices._array
    if x.ndim != i.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, but "
                           f"got {x.ndim} dimensions for input, and {i.ndim} dimensions for indices")
    d = norm_dim(dim, x.ndim)
    off = np.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:], i.shape[:d] + (1,) + i.shape[d + 1:])
    xs, ids = list(off), list(off)
    xs[d], ids[d] = x.shape[d], i.shape[d]
    return gather(expand(input, xs), d, expand(indices, ids).contiguous())


def argwhere(input):
    """Indices of the non-zero elements, one row each (``nonzero``)."""
    from .indexing import nonzero
    return nonzero(input)


def unravel_index(indices, shape):
    """Flat ``indices`` as a tuple of coordinate tensors into ``shape`` (negative indices count back)."""
    if not isinstance(indices, Tensor):
        from ..creation import tensor
        indices = tensor(indices)
    a = indices._array
    if a.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    total = int(np.prod(shape))
    a64 = a.astype(np.int64, copy=False)           # a signed compare also for uint8 indices (CuPy, NEP 50)
    if a.size and bool(((a64 < -total) | (a64 >= total)).any()):      # one device read, not two
        raise ValueError(f"'indices' must be in range [{-total}, {total - 1}] for 'shape' {tuple(shape)}")
    a = a.astype(np.int64) % max(total, 1)
    out = []
    for s in reversed(shape):
        out.append(make(a % s if s else a, indices._device))
        a = a // s if s else a
    return tuple(reversed(out))


def select(input, dim, index):
    """The slice at ``index`` along ``dim`` (a view without that dim)."""
    from .indexing import getitem
    x = input._array
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {d}")
    return getitem(input, (slice(None),) * d + (int(index),))


def _scatter_into(input, src, index):
    from .indexing import setitem
    from .shape import clone
    out = clone(input)
    setitem(out, index, src)
    return out


def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` written at ``index`` along ``dim``."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    want = x.shape[:d] + x.shape[d + 1:]
    if src._array.shape != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._array.shape)}, slice size = {list(want)}")
    select(input, d, index)            # bounds check
    return _scatter_into(input, src, (slice(None),) * d + (int(index),))


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of ``input`` with ``src`` written at ``start:end:step`` along ``dim``."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    sl = (slice(None),) * d + (slice(start, end, step),)
    want = x[sl].shape
    if src._array.shape != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._array.shape)}, slice size = {list(want)}")
    return _scatter_into(input, src, sl)


def _along(input, dim, index, op):
    from .indexing import _index_tensor
    idx = _index_tensor(index, op)
    if idx.ndim > 1:
        raise IndexError(f"{op}_(): Index is supposed to be a vector")
    x = input._array
    d = norm_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    idx = idx.reshape(-1)
    if idx.size and bool(((idx < -n) | (idx >= n)).any()):            # one device read, not two
        raise IndexError(f"{op}(): index out of range in self")
    return idx, d


def _expanded_index(input, idx, d, source, op):
    """``idx`` along ``d`` broadcast to ``source``'s shape (the index of ``scatter`` doing ``index_*``)."""
    xs, ss = input._array.shape, source._array.shape
    if len(ss) != len(xs) or ss[d] != idx.size or any(a != b for i, (a, b) in enumerate(zip(xs, ss)) if i != d):
        raise RuntimeError(f"{op}(): source must have the shape of self with dim {d} of size {idx.size} (the index "
                           f"length), got source {list(ss)} and self {list(xs)}")
    xp = xp_of(idx)
    shape = [1] * len(xs)
    shape[d] = idx.size
    return make(xp.ascontiguousarray(xp.broadcast_to(idx.reshape(shape), ss)), input._device)


def index_copy(input, dim, index, source):
    """A copy of ``input`` with ``source``'s slices written at ``index`` along ``dim``."""
    from .indexing import scatter
    if input._array.ndim == 0:
        from .shape import reshape
        return reshape(index_copy(reshape(input, (1,)), 0, index, reshape(source, (1,))), ())
    idx, d = _along(input, dim, index, "index_copy")
    if source._array.dtype != input._array.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{input.dtype} and (source) {source.dtype}")
    return scatter(input, d, _expanded_index(input, idx, d, source, "index_copy"), source)


def index_fill(input, dim, index, value):
    """A copy of ``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    from .indexing import masked_fill
    idx, d = _along(input, dim, index, "index_fill")
    x = input._array
    xp = xp_of(x)
    mask = xp.zeros(x.shape[d] if x.ndim else 1, bool)
    mask[idx] = True
    shape = [1] * x.ndim
    if x.ndim:
        shape[d] = x.shape[d]
    return masked_fill(input, make(mask.reshape(shape), input._device), value)


def _positions(input, index):
    """Flat positions of the elements ``input[index]`` addresses, in that result's shape."""
    from .indexing import _convert_index
    idx, _ = _convert_index(index, input)
    x = input._array
    return xp_of(x).arange(x.size, dtype=np.int64).reshape(x.shape)[idx]


def _write_flat(input, pos, values, accumulate):
    from .indexing import scatter, scatter_add
    from .shape import reshape
    p = make(pos.reshape(-1), input._device)
    flat = reshape(input, (-1,))
    r = (scatter_add if accumulate else scatter)(flat, 0, p, values)
    return reshape(r, input._array.shape)


def index_put(input, indices, values, accumulate=False):
    """A copy of ``input`` with ``values`` (broadcast) written at ``input[indices]``, or added when
    ``accumulate`` (repeated indices then sum)."""
    from .shape import expand, reshape
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): indices must be a tuple of Tensors")
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): values must be a Tensor, got {type(values).__name__}")
    if values._array.dtype != input._array.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got {input.dtype} for the "
                           f"destination and {values.dtype} for the source.")
    pos = _positions(input, tuple(indices))
    try:
        v = expand(values, pos.shape)
    except RuntimeError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values._array.shape)} cannot be broadcast "
                           f"to indexing result of shape {list(pos.shape)}") from None
    return _write_flat(input, pos, reshape(v.contiguous(), (-1,)), accumulate)


def masked_scatter(input, mask, source):
    """A copy of ``input`` with ``source``'s leading elements written, in order, where ``mask`` is True."""
    from .indexing import _mask_array
    from .shape import reshape
    m = _mask_array(mask, "masked_scatter_")
    x = input._array
    xp = xp_of(x)
    try:
        shape = np.broadcast_shapes(x.shape, m.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise RuntimeError(f"masked_scatter: the mask of shape {list(m.shape)} must broadcast to the tensor of shape "
                           f"{list(x.shape)}")
    if source._array.dtype != x.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got {input.dtype} and "
                           f"{source.dtype}")
    pos = _positions(input, (make(xp.broadcast_to(m, x.shape), input._device),))
    k = pos.size
    if source._array.size < k:
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as ones in mask "
                           f"({source._array.size} < {k})")
    return _write_flat(input, pos, reshape(source, (-1,))[:k], False)


# ---- scatter_reduce ------------------------------------------------------------------------------------

_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def _segments(lin, vals, size, reduce):
    """Per flat position: the reduction of ``vals`` over equal ``lin`` (only touched positions matter)."""
    xp = xp_of(vals)
    fv = vals.astype(np.float64)

    def bc(w):
        return xp.bincount(lin, weights=w, minlength=size)[:size]
    if reduce in ("sum", "mean"):
        return bc(fv)
    if reduce == "prod":
        zero = fv == 0
        logs = bc(xp.log(xp.where(zero, 1.0, xp.abs(fv))))
        neg = bc((fv < 0).astype(np.float64))
        sign = 1.0 - 2.0 * (xp.rint(neg) % 2)
        return xp.where(bc(zero.astype(np.float64)) > 0, 0.0, sign * xp.exp(logs))
    # amax / amin: sort by value, then stably by position, so each position's run is ordered by value
    o1 = xp.argsort(fv, kind="stable")
    o2 = xp.argsort(lin[o1], kind="stable")
    order = o1[o2]
    sl, sv = lin[order], fv[order]
    n = sl.shape[0]
    boundary = sl[1:] != sl[:-1]
    pick = xp.concatenate([boundary, xp.ones(1, bool)]) if reduce == "amax" else \
        xp.concatenate([xp.ones(1, bool), boundary])
    out = xp.zeros(size, np.float64)
    if n:
        out[sl[pick]] = sv[pick]
        nan = bc(xp.isnan(fv).astype(np.float64)) > 0
        out = xp.where(nan, np.nan, out)
    return out


def _int_segments(lin, vals, reduce, longest):
    """Exact reductions of integer ``vals`` over equal ``lin``, in their dtype (wrapping, as PyTorch's kernels):
    ``(positions, values)``, one per touched position. Sorted by position, a segment's sum is a difference of
    running sums, its max/min the last/first of a run also sorted by value, its product a segmented doubling scan
    (``log2(longest)`` passes, no ``ufunc.at``)."""
    xp = xp_of(vals)
    order = xp.argsort(lin, kind="stable")
    if reduce in ("amax", "amin"):
        o1 = xp.argsort(vals, kind="stable")
        order = o1[xp.argsort(lin[o1], kind="stable")]
    sl, v = lin[order], vals[order]
    bound = sl[1:] != sl[:-1]
    one = xp.ones(1, bool)
    if reduce == "amin":
        first = xp.concatenate([one, bound])
        return sl[first], v[first]
    last = xp.concatenate([bound, one])
    if reduce in ("sum", "mean"):
        run = xp.cumsum(v, dtype=v.dtype)[last]
        return sl[last], run - xp.concatenate([xp.zeros(1, v.dtype), run[:-1]])
    step = 1
    while reduce == "prod" and step < longest:     # then v[i] is the product of the <= 2*step values ending at i
        v[step:] = xp.where(sl[step:] == sl[:-step], v[step:] * v[:-step], v[step:])
        step *= 2
    return sl[last], v[last]


def _int_scatter_reduce(x, vals, lin, reduce, include_self):
    """``scatter_reduce`` of integer arrays, exact in their dtype (PyTorch's floor division for 'mean')."""
    xp = xp_of(x)
    r = x.flatten()
    if not lin.size:
        return r.reshape(x.shape)
    counts = xp.bincount(lin)
    longest = int(counts.max()) if reduce == "prod" else 0       # prod only: one device read on a GPU
    pos, seg = _int_segments(lin, vals.ravel(), reduce, longest)
    own = r[pos]
    if reduce in ("sum", "mean"):
        tot = own + seg if include_self else seg
        if reduce == "mean":     # PyTorch counts in the dtype too (it wraps), then turns a zero count into 1
            n = (counts[pos] + (1 if include_self else 0)).astype(x.dtype)
            tot = xp.floor_divide(tot, xp.where(n == 0, xp.ones(1, x.dtype), n))
    elif reduce == "prod":
        tot = own * seg if include_self else seg
    else:
        tot = ((xp.maximum if reduce == "amax" else xp.minimum)(own, seg)) if include_self else seg
    r[pos] = tot
    return r.reshape(x.shape)


class ScatterReduceBackward0(Node):
    __slots__ = ("x", "vals", "lin", "idx", "dim", "src_shape", "reduce", "include_self", "result", "counts",
                 "touched")
    _saved = ("x", "vals", "lin", "idx", "result", "counts", "touched")
    _fresh = True

    def backward(self, g):
        nx, ns = self._next
        xp = xp_of(g)
        x, vals, lin, r, touched = self.x, self.vals.ravel(), self.lin, self.result, self.touched
        gf, rf, xf = g.reshape(-1), r.reshape(-1), x.reshape(-1)
        inc = self.include_self
        red = self.reduce
        if red == "sum":
            gx, gsrc = xp.where(touched, gf if inc else 0, gf).reshape(g.shape), gf[lin]
        elif red == "mean":
            n = self.counts + (1 if inc else 0)
            scaled = gf / xp.maximum(n, 1)
            gx = xp.where(touched, scaled if inc else 0, gf).reshape(g.shape)
            gsrc = scaled[lin]
        elif red == "prod":
            # gradient of one factor = product of the others: safe where that factor is zero too
            size = xf.shape[0]
            fv = vals.astype(np.float64)
            zero_src = fv == 0
            zeros = xp.bincount(lin, weights=zero_src.astype(np.float64), minlength=size)[:size]
            logs = xp.bincount(lin, weights=xp.log(xp.where(zero_src, 1.0, xp.abs(fv))), minlength=size)[:size]
            neg = xp.bincount(lin, weights=(fv < 0).astype(np.float64), minlength=size)[:size]
            if inc:
                xv = xf.astype(np.float64)
                zeros = zeros + (xv == 0)
                logs = logs + xp.log(xp.where(xv == 0, 1.0, xp.abs(xv)))
                neg = neg + (xv < 0)
            sign = 1.0 - 2.0 * (xp.rint(neg) % 2)
            nz_prod = sign * xp.exp(logs)                   # product of the non-zero factors

            def others(v, zero_count):
                safe = xp.where(v == 0, 1.0, v)
                return xp.where(v == 0, xp.where(zero_count == 1, nz_prod_at, 0.0), rf_at / safe)
            nz_prod_at, rf_at = nz_prod, rf.astype(np.float64)
            gx = xp.where(touched, gf * others(xf.astype(np.float64), zeros) if inc else 0, gf).reshape(g.shape)
            nz_prod_at, rf_at = nz_prod[lin], rf[lin].astype(np.float64)
            gsrc = gf[lin] * others(fv, zeros[lin])
        else:
            # PyTorch counts an input value equal to the result among the ties even when include_self=False
            eq_self = (xf == rf) & touched
            eq_src = vals == rf[lin]
            count = eq_self + xp.bincount(lin, weights=eq_src.astype(np.float64), minlength=xf.shape[0])[:xf.shape[0]]
            share = gf / xp.maximum(count, 1)
            gx = xp.where(touched, share * eq_self if inc else 0, gf).reshape(g.shape)
            gsrc = share[lin] * eq_src
        gs = None
        if ns is not None:
            gs = xp.zeros(self.src_shape, g.dtype)
            gs[tuple(slice(0, s) for s in self.idx.shape)] = gsrc.reshape(self.idx.shape).astype(g.dtype)
        return (xp.asarray(gx).astype(g.dtype) if nx is not None else None), gs


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``out[index[i][j]][j] = reduce(out[...], src[i][j])`` (dim=0) for ``reduce`` in sum, prod, mean, amax,
    amin; ``include_self=False`` leaves the input's values out where something is scattered."""
    from .indexing import _check_gather_shapes, _index_tensor, _linear_scatter_index
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): src must be a Tensor, got {type(src).__name__}")
    x, s = input._array, src._array
    if s.dtype != x.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype, got {input.dtype} and "
                           f"{src.dtype}")
    idx = _index_tensor(index, "scatter_reduce")
    if x.ndim == 0:
        from .shape import reshape
        return reshape(scatter_reduce(reshape(input, (1,)), 0, reshape(index, (-1,)), reshape(src, (-1,)), reduce,
                                      include_self=include_self), ())
    d = norm_dim(dim, x.ndim)
    _check_gather_shapes(x, idx, d, "scatter_reduce")
    if any(a > b for a, b in zip(idx.shape, s.shape)):
        raise RuntimeError(f"Expected index {list(idx.shape)} to be smaller than self {list(x.shape)} apart from "
                           f"dimension {d} and to be smaller size than src {list(s.shape)}")
    xp = xp_of(x)
    vals = s[tuple(slice(0, n) for n in idx.shape)]
    lin = _linear_scatter_index(x.shape, idx, d).ravel()
    if x.dtype.kind in "iu":            # integers never need a gradient
        return make(_int_scatter_reduce(x, vals, lin, reduce, include_self), input._device)
    size = x.size
    counts = xp.bincount(lin, minlength=size)[:size].astype(np.float64) if lin.size else xp.zeros(size)
    touched = (counts > 0).reshape(x.shape)
    red = _segments(lin, vals.ravel(), size, reduce) if lin.size else xp.zeros(size)
    red = red.reshape(x.shape)
    xf = x.astype(np.float64)
    if reduce in ("sum", "mean"):
        tot = red + xf if include_self else red
        if reduce == "mean":
            tot = tot / xp.maximum(counts.reshape(x.shape) + (1 if include_self else 0), 1)
            if x.dtype.kind != "f":         # bool (PyTorch refuses it)
                tot = xp.floor(tot)
    elif reduce == "prod":
        tot = red * xf if include_self else red
    elif reduce == "amax":
        tot = xp.maximum(red, xf) if include_self else red
    else:
        tot = xp.minimum(red, xf) if include_self else red
    r = xp.where(touched, tot, xf)
    r = (xp.rint(r) if x.dtype.kind != "f" else r).astype(x.dtype)
    out = make(r, input._device)
    record(out, ScatterReduceBackward0, (input, src), None, x=x, vals=vals, lin=lin, idx=idx, dim=d,
           src_shape=s.shape, reduce=reduce, include_self=include_self, result=r, counts=counts,
           touched=touched.reshape(-1))
    return out


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """Reduce ``source``'s slices into ``input``'s slices at ``index`` along ``dim`` (prod, mean, amax, amin)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    idx, d = _along(input, dim, index, "index_reduce")
    return scatter_reduce(input, d, _expanded_index(input, idx, d, source, "index_reduce"), source, reduce,
                          include_self=include_self)


# ---- in-place variants ---------------------------------------------------------------------------------

def _inplace(op, other_pos):
    def fn(self, *args, **kwargs):
        from .inplace import apply_inplace
        other = args[other_pos] if len(args) > other_pos else None
        return apply_inplace(self, op, *args, other=other if isinstance(other, Tensor) else None, **kwargs)
    fn.__name__ = op.__name__ + "_"
    fn.__doc__ = f"In-place ``{op.__name__}``."
    return fn


index_copy_ = _inplace(index_copy, 2)
index_fill_ = _inplace(index_fill, 2)
index_put_ = _inplace(index_put, 1)
masked_scatter_ = _inplace(masked_scatter, 1)
scatter_reduce_ = _inplace(scatter_reduce, 2)
index_reduce_ = _inplace(index_reduce, 2)
