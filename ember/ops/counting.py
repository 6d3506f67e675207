"""Counting and binning: ``unique``, ``unique_consecutive``, ``bincount``, ``histc``, ``searchsorted``,
``bucketize``. None is differentiable (as in PyTorch); indices and counts are int64."""
import numpy as np

from .. import dtypes as _dt
from ..backend import check_same_device
from ._util import Tensor, make, norm_dim

__all__ = ["unique", "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize"]


def _results(values, inverse, counts, return_inverse, return_counts, dev):
    out = [make(values, dev)]
    if return_inverse:
        out.append(make(inverse.astype(np.int64), dev))
    if return_counts:
        out.append(make(counts.astype(np.int64), dev))
    return out[0] if len(out) == 1 else tuple(out)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or slices along ``dim``), always sorted (as PyTorch's CPU kernel does)."""
    x, xp = input._array, input._device.xp
    if dim is None:
        flat = x.reshape(-1)
        vals, inv, cnt = xp.unique(flat, return_inverse=True, return_counts=True)
        return _results(vals, inv.reshape(x.shape), cnt, return_inverse, return_counts, input._device)
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        raise IndexError("unique(): dim given for a 0-d tensor")
    vals, inv, cnt = xp.unique(x, return_inverse=True, return_counts=True, axis=d)
    return _results(xp.ascontiguousarray(vals), inv.reshape(-1), cnt, return_inverse, return_counts,
                    input._device)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``) to one."""
    x, xp = input._array, input._device.xp
    if dim is None:
        rows, shape = x.reshape(-1, 1), x.shape
    else:
        if x.ndim == 0:
            raise IndexError("unique_consecutive(): dim given for a 0-d tensor")
        d = norm_dim(dim, x.ndim)
        moved = xp.moveaxis(x, d, 0)
        rows, shape = moved.reshape(moved.shape[0], -1), (x.shape[d],)
    n = rows.shape[0]
    starts = xp.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = (rows[1:] != rows[:-1]).any(axis=1) if rows.shape[1] else False
    first = xp.nonzero(starts)[0]
    if dim is None:
        vals = x.reshape(-1)[first]
    else:
        vals = xp.ascontiguousarray(xp.take(x, first, axis=d))
    inv = (xp.cumsum(starts) - 1).reshape(shape)
    cnt = xp.diff(xp.concatenate([first, xp.asarray([n], dtype=first.dtype)])) if n else xp.zeros(0, np.int64)
    return _results(vals, inv, cnt, return_inverse, return_counts, input._device)


def bincount(input, weights=None, minlength=0):
    """Occurrences of each value of a 1-D non-negative integer tensor (summing ``weights`` instead if given)."""
    x, xp = input._array, input._device.xp
    if x.ndim != 1 or x.dtype.kind not in "iu" or (x.size and bool((x < 0).any())):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None or x.size == 0:      # PyTorch counts an empty input in int64 even with weights
        return make(xp.bincount(x, minlength=minlength).astype(np.int64), input._device)
    w = weights._array
    if weights._device is not input._device:
        check_same_device("bincount", input._device, weights._device)
    if w.ndim != 1 or w.shape[0] != x.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    rt = w.dtype if w.dtype.kind == "f" else np.dtype(np.float64)       # integer weights count in double
    return make(xp.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(rt), input._device)


def histc(input, bins=100, min=0, max=0):
    """Histogram of ``bins`` equal bins over [min, max] (the data's range when both are equal); values outside
    are ignored, ``max`` itself falls in the last bin."""
    x, xp = input._array, input._device.xp
    if x.dtype.kind != "f":
        raise RuntimeError(f"histc: expected a floating-point input, got {input.dtype}")
    if bins <= 0:
        raise RuntimeError("torch.histc: bins must be > 0")
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{lo}, {hi}] is not finite")
    flat = x.reshape(-1)
    flat = flat[(flat >= lo) & (flat <= hi)]
    idx = ((flat - lo) * (bins / (hi - lo))).astype(np.int64)
    idx = xp.minimum(idx, bins - 1)            # x == max belongs to the last bin
    return make(xp.bincount(idx, minlength=bins).astype(x.dtype), input._device)


def _batched_searchsorted(xp, seq, v, right):
    """``searchsorted`` of each row of ``v`` in the same row of ``seq``: ``ceil(log2(m + 1))`` whole-array
    bisection steps (a host-known count, so no sync), NaN sorting last as in NumPy."""
    m = seq.shape[-1]
    lo = xp.zeros(v.shape, np.int64)
    hi = xp.full(v.shape, m, np.int64)
    vnan = xp.isnan(v) if v.dtype.kind == "f" else None
    for _ in range(int(m).bit_length()):
        mid = (lo + hi) // 2
        a = xp.take_along_axis(seq, xp.minimum(mid, m - 1), axis=-1)
        go = (a <= v) if right else (a < v)     # does the insertion point lie right of mid?
        if vnan is not None:
            go = go | (vnan if right else (vnan & ~xp.isnan(a)))
        active = lo < hi
        lo, hi = xp.where(go & active, mid + 1, lo), xp.where(~go & active, mid, hi)
    return lo


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion points of ``input`` in the innermost dim of ``sorted_sequence`` (leading dims must match)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left "
                               "while right was True")
        right = side == "right"
    seq_t = sorted_sequence
    scalar = not isinstance(input, Tensor)
    if scalar:
        from ..creation import tensor as _tensor
        input = _tensor(input, device=seq_t._device)
    if input._device is not seq_t._device:
        check_same_device("searchsorted", seq_t._device, input._device)
    seq, v, xp = seq_t._array, input._array, seq_t._device.xp
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 "
                           "dimension")
    if seq.ndim > 1 and (v.ndim != seq.ndim or v.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, but we got "
                           f"boundaries tensor {list(seq.shape)} and input value tensor {list(v.shape)}")
    if sorter is not None:
        s = sorter._array
        if s.shape != seq.shape or s.dtype != np.int64:
            raise RuntimeError("torch.searchsorted(): sorter must be an int64 tensor of the boundaries' shape")
        seq = xp.take_along_axis(seq, s, axis=-1)
    rt = _dt.result_type(seq_t, input).np
    seq, v = seq.astype(rt, copy=False), v.astype(rt, copy=False)
    how = "right" if right else "left"
    if seq.ndim == 1:
        out = xp.searchsorted(seq, v, side=how)
    elif xp is np:      # one row at a time: the array modules' searchsorted takes a 1-D sequence only
        s2, v2 = seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1])
        out = xp.empty(v2.shape, np.int64)
        for i in range(s2.shape[0]):
            out[i] = xp.searchsorted(s2[i], v2[i], side=how)
        out = out.reshape(v.shape)
    else:               # off the CPU a row loop is launches per row: one batched binary search instead
        out = _batched_searchsorted(xp, seq, v, right)
    return make(out.astype(np.int32 if out_int32 else np.int64), seq_t._device)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each element of ``input`` given 1-D ascending ``boundaries``."""
    if boundaries._array.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries._array.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
