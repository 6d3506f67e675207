"""Resampling: ``interpolate`` (nearest, nearest-exact, (bi/tri)linear, bicubic, area), ``pixel_shuffle``,
``pixel_unshuffle``.

Every interpolation mode PyTorch has (antialias aside) is separable: each output index along an axis is
a fixed combination of at most four input indices. The combination is built on the host as an
``(out, in)`` matrix per axis (PyTorch's source-index and weight formulas, clamped borders summed in), so
forward applies one GEMM per spatial axis and backward the transposes. Nearest modes gather instead
(``take``), which keeps inf/nan where they are. The matrices (and gather indices) are kept in a small LRU per
geometry, dtype and device, so a training loop builds and uploads each once, not every step.
"""
import math
from collections import OrderedDict

import numpy as np

from ..autograd.node import Node
from ._util import Tensor, make, record, register_cache, xp_of

__all__ = ["interpolate", "pixel_shuffle", "pixel_unshuffle"]

_SPATIAL = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")


def _scale(n_in, n_out, scale, align_corners, ft):
    """PyTorch's ``area_pixel_compute_scale`` in the kernel's arithmetic type ``ft``."""
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    return ft(1.0 / scale) if scale is not None and scale > 0 else ft(n_in) / ft(n_out)


def _nearest_index(mode, n_in, n_out, scale, ft, nd):
    if mode == "nearest" and nd == 2:      # PyTorch's 2-D kernel (nearest_idx): shortcuts, float32 indices
        if n_out in (n_in, 2 * n_in):
            return np.arange(n_out) // (n_out // n_in)
        ft = np.float32
    sc = _scale(n_in, n_out, scale, False, ft)
    dst = np.arange(n_out, dtype=ft)
    src = dst * sc if mode == "nearest" else (dst + ft(0.5)) * sc
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _cubic(t, a=-0.75):
    """The four bicubic convolution weights for fractional offsets ``t`` (PyTorch's A = -0.75)."""
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _matrix(mode, n_in, n_out, scale, align_corners, ft, nd):
    """The ``(n_out, n_in)`` float64 interpolation matrix of one axis."""
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        m[rows, _nearest_index(mode, n_in, n_out, scale, ft, nd)] = 1.0
        return m
    cubic = mode == "bicubic"
    if not cubic and n_out == n_in:
        return np.eye(n_in)
    sc = _scale(n_in, n_out, scale, align_corners, ft)
    dst = np.arange(n_out, dtype=ft)
    src = sc * dst if align_corners else sc * (dst + ft(0.5)) - ft(0.5)
    if not cubic:
        src = np.maximum(src, ft(0))
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    lam = np.clip(src - i0, 0, 1).astype(np.float64)
    if cubic:
        w = _cubic(lam)
        for j in range(4):
            np.add.at(m, (rows, np.clip(i0 - 1 + j, 0, n_in - 1)), w[:, j])
    else:
        np.add.at(m, (rows, i0), 1 - lam)
        np.add.at(m, (rows, i0 + (i0 < n_in - 1)), lam)
    return m


_AXIS_CACHE = OrderedDict()     # (mode, sizes, scale, align_corners, nd, dtype, device, xp) -> (matrix, index)
_AXIS_KEPT = 64
register_cache(_AXIS_CACHE.clear)       # ember.cuda.empty_cache() frees the device copies


def _axis_arrays(mode, n_in, n_out, scale, align_corners, nd, dtype, device):
    """One axis's ``(out, in)`` matrix in ``dtype`` on ``device`` and, for nearest modes, its gather index (else
    None); built on the host and uploaded on first use, then reused (they are never written to)."""
    xp = device.xp
    key = (mode, n_in, n_out, scale, align_corners, nd, dtype, device, xp)     # xp: the tests swap GPU backends
    hit = _AXIS_CACHE.get(key)
    if hit is not None:
        _AXIS_CACHE.move_to_end(key)
        return hit
    ft = np.float64 if dtype == np.float64 else np.float32      # PyTorch computes indices in opmath
    m = _matrix(mode, n_in, n_out, scale, align_corners, ft, nd).astype(dtype)
    idx = _nearest_index(mode, n_in, n_out, scale, ft, nd) if mode.startswith("nearest") else None
    with device:                        # uploaded to the GPU the key names, even if another is current
        m, idx = xp.asarray(m), (None if idx is None else xp.asarray(idx))
    for a in (m, idx):
        if isinstance(a, np.ndarray):
            a.flags.writeable = False       # shared by every call and backward node
    hit = _AXIS_CACHE[key] = (m, idx)
    if len(_AXIS_CACHE) > _AXIS_KEPT:
        _AXIS_CACHE.popitem(last=False)
    return hit


def _along(a, m, axis, xp):
    """Contract axis ``axis`` of ``a`` with the matrix ``m`` (out, in)."""
    shp = a.shape
    pre, post = math.prod(shp[:axis]), math.prod(shp[axis + 1:])
    if post == 1:
        r = xp.matmul(a.reshape(pre, shp[axis]), m.T)
    else:
        r = xp.matmul(m, xp.ascontiguousarray(a).reshape(pre, shp[axis], post))
    return r.reshape(shp[:axis] + (m.shape[0],) + shp[axis + 1:])


class _ResampleBackward(Node):
    __slots__ = ("mats",)
    _saved = ("mats",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        for axis, m in reversed(self.mats):
            g = _along(g, m.T, axis, xp)
        return (g if g.flags.c_contiguous else xp.ascontiguousarray(g),)


# one node class per PyTorch grad_fn name (UpsampleBilinear2DBackward0...), keyed by (mode, spatial dims)
_NODES = {}
for _mode, _name in (("nearest", "UpsampleNearest"), ("nearest-exact", "UpsampleNearestExact"),
                     ("linear", "UpsampleLinear"), ("bilinear", "UpsampleBilinear"), ("bicubic", "UpsampleBicubic"),
                     ("trilinear", "UpsampleTrilinear")):
    for _nd in (1, 2, 3):
        _NODES[_mode, _nd] = type(f"{_name}{_nd}DBackward0", (_ResampleBackward,), {"__slots__": ()})


def _resample(input, mode, sizes, scales, align_corners):
    x = input._array
    xp = input._device.xp
    mats, out = [], x
    for i, (n_out, sc) in enumerate(zip(sizes, scales)):
        axis = 2 + i
        dm, idx = _axis_arrays(mode, x.shape[axis], n_out, sc, align_corners, len(sizes), x.dtype, input._device)
        if idx is not None:
            out = xp.take(out, idx, axis=axis)
        else:
            out = _along(out, dm, axis, xp)
        mats.append((axis, dm))
    if out is x:
        out = x.copy()
    result = make(xp.ascontiguousarray(out), input._device)
    record(result, _NODES[mode, len(sizes)], (input,), None, mats=mats)
    return result


def _per_axis(value, kind, dim, input, what, given, wanted):
    """``value`` (one number or one per spatial axis) as a list of ``dim`` numbers, with PyTorch's message."""
    if not isinstance(value, (list, tuple)):
        return [kind(value)] * dim
    if len(value) != dim:
        raise ValueError(f"Input and {what} must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of {list(input.shape[2:])} and {given} {value}. Please provide input "
                         f"tensor in (N, C, d1, d2, ...,dK) format and {wanted} format.")
    return [kind(v) for v in value]


def _output_geometry(input, size, scale_factor, mode, recompute_scale_factor):
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = _per_axis(size, int, dim, input, "output", "output size of", "output size in (o1, o2, ...,oK)")
        scales = None
    elif scale_factor is not None:
        sizes, scales = None, _per_axis(scale_factor, float, dim, input, "scale_factor", "scale_factor of shape",
                                        "scale_factor in (s1, s2, ...,sK)")
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and sizes is None:
        recompute_scale_factor = True
    if sizes is None:
        sizes = [math.floor(float(input.shape[i + 2]) * scales[i]) for i in range(dim)]
        if recompute_scale_factor:
            scales = None
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(str(s) for s in input.shape[2:])}) and output ({', '.join(map(str, sizes))})")
    return sizes, scales or [None] * dim


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dims of ``(N, C, *spatial)`` input to ``size`` or by ``scale_factor`` (PyTorch's rules)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): input must be a Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                             "bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by ember")
    if input.dim() not in (3, 4, 5):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    need = _SPATIAL.get(mode)
    if need is not None and input.dim() - 2 != need:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {need + 2}D input")
    if input._array.dtype.kind != "f" and not mode.startswith("nearest"):
        raise RuntimeError(f"interpolate(mode={mode!r}): expected a floating-point input, got {input.dtype}")
    sizes, scales = _output_geometry(input, size, scale_factor, mode, recompute_scale_factor)
    if mode == "area":
        from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d
        if input.dim() == 5:
            raise NotImplementedError("interpolate(mode='area') of 5-D input is not supported by ember")
        return adaptive_avg_pool1d(input, sizes) if input.dim() == 3 else adaptive_avg_pool2d(input, sizes)
    return _resample(input, mode, sizes, scales, bool(align_corners))


def pixel_shuffle(input, upscale_factor):
    """``(*, C*r*r, H, W)`` -> ``(*, C, H*r, W*r)``."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    k = len(b)
    y = input.reshape(*b, c // (r * r), r, r, h, w).permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*b, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """``(*, C, H*r, W*r)`` -> ``(*, C*r*r, H, W)``."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *b, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but input "
                           f"of size {list(input.shape)} is not divisible by {r}")
    k = len(b)
    y = input.reshape(*b, c, h // r, r, w // r, r).permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*b, c * r * r, h // r, w // r)
