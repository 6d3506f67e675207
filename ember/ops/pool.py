"""Pooling: ``max_pool2d`` (indices kept for backward), ``avg_pool2d``, ``adaptive_avg_pool2d``, and 1-D forms.

Windows come from the same strided view as convolution. Max pooling records the arg-max of each
window; non-overlapping windows scatter their gradient back directly, overlapping ones with
``bincount``. Adaptive average pooling is two small matrix products (bins as averaging matrices).
"""
import numpy as np

from ..autograd.node import Node
from .._kernels import lookup
from ..backend import cpu, transfer
from .conv import _pair, col2im_add, windows
from ._util import make, record, xp_of

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
           "max_pool1d_with_indices", "max_pool2d_with_indices"]


def _pool_out(n, k, s, p, d, ceil_mode):
    eff = d * (k - 1) + 1
    num = n + 2 * p - eff
    o = (-(-num // s) if ceil_mode else num // s) + 1
    if ceil_mode and (o - 1) * s >= n + p:      # the last window must start inside the input or left padding
        o -= 1
    return o


def _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, name):
    if x.ndim != 4:
        raise RuntimeError(f"{name}: expected a 3D or 4D input, got {x.ndim}D")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = _pair(stride if stride is not None and stride != [] else (kh, kw), "stride")
    ph, pw = _pair(padding, "padding")
    dh, dw = _pair(dilation, "dilation")
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be positive and padding non-negative")
    if ph > (dh * (kh - 1) + 1) // 2 or pw > (dw * (kw - 1) + 1) // 2:
        raise RuntimeError(f"{name}: pad should be at most half of effective kernel size, but got pad={max(ph, pw)}, "
                           f"kernel_size={max(kh, kw)}")
    oh = _pool_out(x.shape[2], kh, sh, ph, dh, ceil_mode)
    ow = _pool_out(x.shape[3], kw, sw, pw, dw, ceil_mode)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"{name}: output size is too small ({oh}x{ow}) for input {list(x.shape)}")
    return (kh, kw), (sh, sw), (ph, pw), (dh, dw), (oh, ow)


def _padded_shape(shape, ph, pw, k, s, d, o):
    """``(H, W)`` padded, including the extra bottom/right rows that ``ceil_mode`` windows reach."""
    need_h = (o[0] - 1) * s[0] + d[0] * (k[0] - 1) + 1
    need_w = (o[1] - 1) * s[1] + d[1] * (k[1] - 1) + 1
    return max(need_h, shape[2] + 2 * ph), max(need_w, shape[3] + 2 * pw)


def _padded(x, ph, pw, k, s, d, o, fill):
    """Pad ``x`` for pooling (``_padded_shape``)."""
    hp, wp = _padded_shape(x.shape, ph, pw, k, s, d, o)
    eh, ew = hp - (x.shape[2] + 2 * ph), wp - (x.shape[3] + 2 * pw)
    if not (ph or pw or eh or ew):
        return x
    return xp_of(x).pad(x, ((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), constant_values=fill)


def _unbatched(fn, input, *args, **kwargs):
    from .shape import squeeze, unsqueeze
    out = fn(unsqueeze(input, 0), *args, **kwargs)
    if isinstance(out, tuple):
        return tuple(squeeze(o, 0) for o in out)
    return squeeze(out, 0)


# ---- max pooling ---------------------------------------------------------------------------------------

def _tap(xpad, i, j, s, d, o):
    """The ``(N, C, OH, OW)`` strided view of kernel position ``(i, j)`` over all windows."""
    r0, c0 = i * d[0], j * d[1]
    return xpad[:, :, r0:r0 + s[0] * (o[0] - 1) + 1:s[0], c0:c0 + s[1] * (o[1] - 1) + 1:s[1]]


def _window_stack(x, xpad, k, s, d, o, direct):
    """``(kh*kw, N, C, OH, OW)``: slice ``i`` holds kernel position ``i`` of every window, contiguously."""
    (kh, kw), (oh, ow) = k, o
    n, c = x.shape[:2]
    xp = xp_of(x)
    if direct:           # non-overlapping, unpadded: one transposing copy of a reshape
        v = x[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw).transpose(3, 5, 0, 1, 2, 4)
        return xp.ascontiguousarray(v).reshape(kh * kw, n, c, oh, ow)
    out = xp.empty((kh * kw, n, c, oh, ow), x.dtype)
    for pos in range(kh * kw):
        out[pos] = _tap(xpad, pos // kw, pos % kw, s, d, o)
    return out


class MaxPool2DWithIndicesBackward0(Node):
    """Each window's gradient goes to its (first) maximum: one masked product per kernel position."""
    __slots__ = ("arg", "xshape", "k", "s", "p", "d", "direct", "padded")
    _saved = ("arg",)
    _fresh = True

    def backward(self, g):
        n, c, h, w = self.xshape
        (kh, kw), (ph, pw) = self.k, self.p
        o = g.shape[2:]
        arg, xp = self.arg, xp_of(g)
        fused = lookup("max_pool2d_backward", g)      # on a GPU: one gathering kernel (ember/cuda/_fused_pool.py)
        if fused is not None:
            gx = fused(xp, g, arg, self.xshape, self.k, self.s, self.p, self.d)
            if gx is not None:
                return (gx,)
        if self.direct:      # disjoint windows tile the input: write each position's share in place
            cover = (o[0] * kh, o[1] * kw) == (h, w)
            gx = (xp.empty if cover else xp.zeros)(self.xshape, g.dtype)
            for i in range(kh * kw):
                xp.multiply(arg == i, g, out=_tap(gx, i // kw, i % kw, self.s, self.d, o))
            return (gx,)
        gxp = xp.zeros((n, c) + self.padded, g.dtype)
        for i in range(kh * kw):
            _tap(gxp, i // kw, i % kw, self.s, self.d, o)[...] += (arg == i) * g
        return (xp.ascontiguousarray(gxp[:, :, ph:ph + h, pw:pw + w]),)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over ``kernel_size`` windows of ``(N, C, H, W)`` (or ``(C, H, W)``); ``return_indices`` gives flat
    ``H*W`` positions, as PyTorch does. NaN propagates."""
    if input._array.ndim == 3:
        return _unbatched(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    x = input._array
    k, s, p, d, o = _geometry(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")
    kw, (ph, pw) = k[1], p
    xp = xp_of(x)
    padded = _padded_shape(x.shape, ph, pw, k, s, d, o)
    direct = s == k and d == (1, 1) and padded == x.shape[2:]
    fused = lookup("max_pool2d", x)        # on a GPU: one kernel (ember/cuda/_fused_pool.py)
    found = fused(xp, x, k, s, p, d, o) if fused is not None else None
    if found is not None:
        best, arg = found
    else:
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xpad = _padded(x, ph, pw, k, s, d, o, fill)
        win = _window_stack(x, xpad, k, s, d, o, direct)
        best = win.max(axis=0)
        hit = win == best
        # NaN wins its window; on a GPU mark NaNs unconditionally (asking whether there are any would wait for it)
        if x.dtype.kind == "f" and (xp is not np or bool(xp.isnan(best).any())):
            hit |= xp.isnan(win)
        arg = _first_true(hit)            # the first maximum of each window: PyTorch's tie rule
    out = make(best, input._device)
    record(out, MaxPool2DWithIndicesBackward0, (input,), (), arg=arg, xshape=x.shape, k=k, s=s, p=p, d=d,
           direct=direct, padded=padded)
    if return_indices:
        rows = xp.arange(o[0])[:, None] * s[0] - ph + (arg // kw) * d[0]
        cols = xp.arange(o[1])[None, :] * s[1] - pw + (arg % kw) * d[1]
        return out, make((rows * x.shape[3] + cols).astype(np.int64), input._device)
    return out


def _first_true(hit):
    """Index of the first True along axis 0 (every column has one): ``K - max(hit * (K - k))``."""
    k = hit.shape[0]
    dt = np.uint8 if k < 256 else np.int32
    weights = (k - xp_of(hit).arange(k, dtype=dt)).reshape((k,) + (1,) * (hit.ndim - 1))
    return (k - (hit * weights).max(axis=0)).astype(np.int16 if k > 127 else np.int8)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over the last dim of ``(N, C, L)`` (or ``(C, L)``)."""
    from .shape import squeeze, unsqueeze
    one = (lambda v: (1, v[0] if isinstance(v, (tuple, list)) else v))
    out = max_pool2d(unsqueeze(input, -2), one(kernel_size), None if stride is None else one(stride),
                     (0, padding[0] if isinstance(padding, (tuple, list)) else padding), one(dilation), ceil_mode,
                     return_indices)
    if return_indices:
        return squeeze(out[0], -2), squeeze(out[1], -2)
    return squeeze(out, -2)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool2d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch does)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """``max_pool1d`` returning ``(output, indices)`` whatever ``return_indices`` says (as PyTorch does)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


# ---- average pooling -----------------------------------------------------------------------------------

class AvgPool2DBackward0(Node):
    __slots__ = ("xshape", "k", "s", "p", "o", "scale", "padded")
    _saved = ("scale",)
    _fresh = True

    def backward(self, g):
        n, c, h, w = self.xshape
        (kh, kw), (sh, sw), (ph, pw), (oh, ow) = self.k, self.s, self.p, self.o
        gs = g * self.scale                           # (N, C, OH, OW) share of each window element
        xp = xp_of(g)
        gxp = xp.zeros((n, c) + self.padded, g.dtype)
        gc = xp.broadcast_to(gs[:, :, None, None], (n, c, kh, kw, oh, ow))
        col2im_add(gxp, gc, sh, sw, 1, 1, oh, ow)
        return (xp.ascontiguousarray(gxp[:, :, ph:ph + h, pw:pw + w]),)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over ``kernel_size`` windows of ``(N, C, H, W)`` (or ``(C, H, W)``)."""
    if input._array.ndim == 3:
        return _unbatched(avg_pool2d, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                          divisor_override)
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"\"avg_pool2d\" not implemented for '{input.dtype._short}'")
    k, s, p, d, o = _geometry(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d")
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = k, s, p, o
    xpad = _padded(x, ph, pw, k, s, d, o, 0)
    total = windows(xpad, kh, kw, sh, sw, 1, 1, oh, ow).sum(axis=(4, 5))
    if divisor_override:
        scale = np.full((oh, ow), 1.0 / divisor_override, x.dtype)
    else:
        # PyTorch divides by the window clipped to the padded input (count_include_pad) or to the input itself
        r0 = np.arange(oh) * sh - ph
        c0 = np.arange(ow) * sw - pw
        lo_h, hi_h = (r0, np.minimum(r0 + kh, h + ph)) if count_include_pad else (np.maximum(r0, 0),
                                                                                   np.minimum(r0 + kh, h))
        lo_w, hi_w = (c0, np.minimum(c0 + kw, w + pw)) if count_include_pad else (np.maximum(c0, 0),
                                                                                   np.minimum(c0 + kw, w))
        counts = np.outer(hi_h - lo_h, hi_w - lo_w)
        scale = (1.0 / counts).astype(x.dtype)
    scale = transfer(scale, cpu, input._device)           # a small (OH, OW) table, computed on the host
    out = make(total * scale, input._device)
    record(out, AvgPool2DBackward0, (input,), (), xshape=x.shape, k=k, s=s, p=p, o=o, scale=scale,
           padded=xpad.shape[2:])
    return out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over ``kernel_size`` windows of ``(N, C, L)`` input (stride defaults to the kernel size)."""
    from .shape import squeeze, unsqueeze
    one = (lambda v: (1, v[0] if isinstance(v, (tuple, list)) else v))
    return squeeze(avg_pool2d(unsqueeze(input, -2), one(kernel_size), None if stride is None else one(stride),
                              (0, padding[0] if isinstance(padding, (tuple, list)) else padding), ceil_mode,
                              count_include_pad), -2)


# ---- adaptive average pooling --------------------------------------------------------------------------

def _bins(n, o, dtype):
    """``(o, n)`` averaging matrix: row i averages ``[floor(i*n/o), ceil((i+1)*n/o))``, PyTorch's bins."""
    m = np.zeros((o, n), dtype)
    for i in range(o):
        a, b = (i * n) // o, -(-((i + 1) * n) // o)
        m[i, a:b] = 1.0 / (b - a)
    return m


class AdaptiveAvgPool2DBackward0(Node):
    __slots__ = ("ph", "pw")
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        return (xp.matmul(xp.matmul(self.ph.T, g), self.pw),)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``output_size`` (int or pair; None keeps that dim)."""
    x = input._array
    if x.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(x.shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"\"adaptive_avg_pool2d\" not implemented for '{input.dtype._short}'")
    h, w = x.shape[-2:]
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    oh, ow = (h if oh is None else int(oh)), (w if ow is None else int(ow))
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"adaptive_avg_pool2d: output size must be positive, got {(oh, ow)}")
    # the averaging matrices are built on the host and copied to the input's device
    ph = transfer(_bins(h, oh, x.dtype), cpu, input._device)
    pw = transfer(_bins(w, ow, x.dtype), cpu, input._device)
    if (oh, ow) == (1, 1):
        out = make(x.mean(axis=(-2, -1), keepdims=True), input._device)
    else:
        xp = xp_of(x)
        out = make(xp.matmul(xp.matmul(ph, x), pw.T), input._device)
    record(out, AdaptiveAvgPool2DBackward0, (input,), None, ph=ph, pw=pw)
    return out


def adaptive_avg_pool1d(input, output_size):
    """Mean over adaptive bins of ``(N, C, L)`` input, to length ``output_size``."""
    from .shape import squeeze, unsqueeze
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return squeeze(adaptive_avg_pool2d(unsqueeze(input, -2), (1, o)), -2)


