"""3-D pooling: ``max_pool3d`` (``return_indices``), ``avg_pool3d`` and ``adaptive_avg_pool3d``.

The same scheme as ``pool.py``'s 2-D code, written for any number of spatial dims: one strided slice
("tap") per kernel position over the padded input. Max pooling keeps each window's first arg-max for
backward; average pooling divides by PyTorch's clipped window sizes; adaptive average pooling is one
small averaging matrix per spatial dim.
"""
import itertools
import math

import numpy as np

from ..autograd.node import Node
from ..backend import cpu, transfer
from .conv3d import ntuple
from .pool import _bins, _first_true, _pool_out
from ._util import Tensor, make, record, xp_of

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d"]

_ALL = (slice(None), slice(None))


def geometry(x, n, kernel_size, stride, padding, dilation, ceil_mode, name):
    """Kernel, stride, padding, dilation and output size (tuples of ``n``) for pooling ``x`` (N, C, *S)."""
    if x.ndim != n + 2:
        raise RuntimeError(f"{name}: expected a {n + 1}D or {n + 2}D input, got {x.ndim - 1}D")
    k = ntuple(kernel_size, n, "kernel_size")
    s = ntuple(stride if stride is not None and stride != [] else k, n, "stride")
    p, d = ntuple(padding, n, "padding"), ntuple(dilation, n, "dilation")
    if min(k + s + d) < 1 or min(p) < 0:
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be positive and padding non-negative")
    if any(p[i] > (d[i] * (k[i] - 1) + 1) // 2 for i in range(n)):
        raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, but got pad={p}, "
                           f"kernel_size={k}")
    o = tuple(_pool_out(x.shape[2 + i], k[i], s[i], p[i], d[i], ceil_mode) for i in range(n))
    if min(o) <= 0:
        raise RuntimeError(f"{name}: output size is too small ({'x'.join(map(str, o))}) for input {list(x.shape)}")
    return k, s, p, d, o


def padded(x, k, s, p, d, o, fill):
    """``x`` padded by ``p`` before each spatial dim and after it as far as the (ceil_mode) windows reach."""
    n = len(k)
    hi = [max((o[i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 - x.shape[2 + i] - p[i], p[i]) for i in range(n)]
    if not (any(p) or any(hi)):
        return x
    return xp_of(x).pad(x, ((0, 0), (0, 0)) + tuple(zip(p, hi)), constant_values=fill)


def tap(a, pos, s, d, o):
    """The ``(N, C, *o)`` strided view of kernel position ``pos`` over all windows of padded ``a``."""
    return a[_ALL + tuple(slice(q * d[i], q * d[i] + s[i] * (o[i] - 1) + 1, s[i]) for i, q in enumerate(pos))]


def _positions(k):
    return list(itertools.product(*(range(v) for v in k)))


def _unbatched(fn, input, *args):
    from .shape import squeeze, unsqueeze
    out = fn(unsqueeze(input, 0), *args)
    return tuple(squeeze(t, 0) for t in out) if isinstance(out, tuple) else squeeze(out, 0)


# ---- max pooling ---------------------------------------------------------------------------------------

class MaxPoolNdBackward(Node):
    """Each window's gradient goes to its first maximum: one masked add per kernel position."""
    __slots__ = ("arg", "xshape", "k", "s", "p", "d", "padded", "label")
    _saved = ("arg",)
    _fresh = True

    def backward(self, g):
        xp, o = xp_of(g), g.shape[2:]
        gxp = xp.zeros(self.xshape[:2] + self.padded, g.dtype)
        for i, pos in enumerate(_positions(self.k)):
            tap(gxp, pos, self.s, self.d, o)[...] += (self.arg == i) * g
        crop = tuple(slice(p, p + n) for p, n in zip(self.p, self.xshape[2:]))
        return (xp.ascontiguousarray(gxp[_ALL + crop]),)

    def name(self):
        return self.label


def max_pool_nd(input, n, kernel_size, stride, padding, dilation, ceil_mode, return_indices, name):
    """Max pooling over the last ``n`` dims; indices are flat positions in the (unpadded) spatial dims."""
    x = input._array
    k, s, p, d, o = geometry(x, n, kernel_size, stride, padding, dilation, ceil_mode, name)
    xp = xp_of(x)
    xpad = padded(x, k, s, p, d, o, -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    positions = _positions(k)
    win = xp.empty((len(positions),) + x.shape[:2] + o, x.dtype)
    for i, pos in enumerate(positions):
        win[i] = tap(xpad, pos, s, d, o)
    best = win.max(axis=0)
    hit = win == best
    if x.dtype.kind == "f":
        hit |= xp.isnan(win)                       # NaN wins its window, as in PyTorch
    arg = _first_true(hit)
    out = make(best, input._device)
    label = f"MaxPool{n}DWithIndicesBackward0"
    record(out, MaxPoolNdBackward, (input,), (), arg=arg, xshape=x.shape, k=k, s=s, p=p, d=d, padded=xpad.shape[2:],
           label=label)
    if not return_indices:
        return out
    flat = xp.zeros(arg.shape, np.int64)
    rest = arg.astype(np.int64)
    for i in reversed(range(n)):                   # decompose the kernel position, last dim fastest
        digit, rest = rest % k[i], rest // k[i]
        start = (xp.arange(o[i]) * s[i] - p[i]).reshape((o[i],) + (1,) * (n - 1 - i))
        flat += (start + digit * d[i]) * math.prod(x.shape[3 + i:])
    return out, make(flat, input._device)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over ``kernel_size`` windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``); ``return_indices`` gives flat
    ``D*H*W`` positions, as PyTorch does. NaN propagates."""
    if isinstance(input, Tensor) and input._array.ndim == 4:
        return _unbatched(max_pool3d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return max_pool_nd(input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool3d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch does)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---- average pooling -----------------------------------------------------------------------------------

class AvgPoolNdBackward(Node):
    __slots__ = ("xshape", "k", "s", "p", "scale", "padded", "label")
    _saved = ("scale",)
    _fresh = True

    def backward(self, g):
        xp, o = xp_of(g), g.shape[2:]
        gs = g * self.scale
        gxp = xp.zeros(self.xshape[:2] + self.padded, g.dtype)
        ones = (1,) * len(self.k)
        for pos in _positions(self.k):
            tap(gxp, pos, self.s, ones, o)[...] += gs
        crop = tuple(slice(p, p + n) for p, n in zip(self.p, self.xshape[2:]))
        return (xp.ascontiguousarray(gxp[_ALL + crop]),)

    def name(self):
        return self.label


def _divisors(shape, k, s, p, o, count_include_pad):
    """PyTorch's divisor per output position: the window clipped to the padded input, or to the input itself."""
    counts = np.ones((), np.int64)
    for i, size in enumerate(shape):
        lo = np.arange(o[i]) * s[i] - p[i]
        hi = np.minimum(lo + k[i], size + p[i])
        if not count_include_pad:
            lo, hi = np.maximum(lo, 0), np.minimum(hi, size)
        counts = np.multiply.outer(counts, hi - lo)
    return counts


def avg_pool_nd(input, n, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, name):
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"\"{name}\" not implemented for '{input.dtype._short}'")
    k, s, p, d, o = geometry(x, n, kernel_size, stride, padding, 1, ceil_mode, name)
    xpad = padded(x, k, s, p, d, o, 0)
    total = None
    for pos in _positions(k):
        t = tap(xpad, pos, s, d, o)
        total = t.copy() if total is None else total.__iadd__(t)
    if divisor_override:
        scale = np.full(o, 1.0 / divisor_override, x.dtype)
    else:
        scale = (1.0 / _divisors(x.shape[2:], k, s, p, o, count_include_pad)).astype(x.dtype)
    scale = transfer(scale, cpu, input._device)           # a small table computed on the host
    out = make(total * scale, input._device)
    record(out, AvgPoolNdBackward, (input,), (), xshape=x.shape, k=k, s=s, p=p, scale=scale, padded=xpad.shape[2:],
           label=f"AvgPool{n}DBackward0")
    return out


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over ``kernel_size`` windows of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``)."""
    if isinstance(input, Tensor) and input._array.ndim == 4:
        return _unbatched(avg_pool3d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override)
    return avg_pool_nd(input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                       "avg_pool3d")


# ---- adaptive average pooling --------------------------------------------------------------------------

def _along(xp, m, a, axis):
    """Apply matrix ``m`` (o, n) to axis ``axis`` of ``a``: one batched matmul over the dims around it."""
    pre, post = math.prod(a.shape[:axis]), math.prod(a.shape[axis + 1:])
    out = xp.matmul(m, xp.ascontiguousarray(a).reshape(pre, a.shape[axis], post))
    return out.reshape(a.shape[:axis] + (m.shape[0],) + a.shape[axis + 1:])


class AdaptiveAvgPool3DBackward0(Node):
    __slots__ = ("mats",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        for i, m in enumerate(self.mats):
            g = _along(xp, m.T, g, g.ndim - 3 + i)
        return (g,)


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``) to ``output_size`` (int or triple; None keeps
    that dim)."""
    x = input._array
    if x.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(x.shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"\"adaptive_avg_pool3d\" not implemented for '{input.dtype._short}'")
    size = x.shape[-3:]
    o = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(o) != 3:
        raise ValueError(f"adaptive_avg_pool3d: output_size must be an int or a triple, got {output_size}")
    o = tuple(size[i] if o[i] is None else int(o[i]) for i in range(3))
    if min(o) <= 0:
        raise RuntimeError(f"adaptive_avg_pool3d: output size must be positive, got {o}")
    mats = tuple(transfer(_bins(size[i], o[i], x.dtype), cpu, input._device) for i in range(3))
    xp, y = xp_of(x), x
    for i, m in enumerate(mats):
        y = _along(xp, m, y, x.ndim - 3 + i)
    out = make(y, input._device)
    record(out, AdaptiveAvgPool3DBackward0, (input,), None, mats=mats)
    return out
