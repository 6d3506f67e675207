"""Max pooling on the GPU (``kernels/pool.cu``): one launch forward (values and window positions) and one
backward (each input element gathers its windows' gradients), against about 10 and 5 launches of array code.
Registered in ``ember._kernels`` as ``max_pool2d`` and ``max_pool2d_backward``; each returns None outside what
the kernels cover (dtypes other than float32/float64), so the op runs its array-module code instead.
"""
import numpy as np

from ._compile import BLOCK, CTYPES as _CTYPES, grid_for, Kernels

__all__ = ["KERNELS", "KERNELS_BY_OP"]

KERNELS = Kernels("pool.cu", [f"{k}<{t}>" for k in ("max_pool_forward", "max_pool_backward")
                              for t in ("float", "double")])


def _geometry_args(nc, h, w, o, k, s, p, d):
    return (np.int64(nc), np.int64(h), np.int64(w), np.int64(o[0]), np.int64(o[1]),
            *(np.int32(v) for v in (*k, *s, *p, *d)))


def max_pool2d(xp, x, k, s, p, d, o):
    """``(values, positions)`` for ``(N, C, H, W)`` ``x``: positions are int32 window indices ``i * kw + j``;
    None when the kernel does not cover ``x``."""
    ct = _CTYPES.get(x.dtype)
    if ct is None:
        return None
    x = xp.ascontiguousarray(x)
    n, c, h, w = x.shape
    out = xp.empty((n, c) + tuple(o), x.dtype)
    arg = xp.empty(out.shape, np.int32)
    if out.size:
        KERNELS[f"max_pool_forward<{ct}>"](grid_for(out.size), BLOCK, (x, out, arg,
                                                                        *_geometry_args(n * c, h, w, o, k, s, p, d)))
    return out, arg


def max_pool2d_backward(xp, g, arg, xshape, k, s, p, d):
    """The input gradient from the output gradient ``g`` and the forward's int32 positions, or None."""
    ct = _CTYPES.get(g.dtype)
    if ct is None or arg.dtype != np.int32:
        return None
    g = xp.ascontiguousarray(g)
    n, c, h, w = xshape
    gx = xp.empty(xshape, g.dtype)
    if gx.size:
        KERNELS[f"max_pool_backward<{ct}>"](grid_for(gx.size), BLOCK, (
            g, arg, gx, *_geometry_args(n * c, h, w, g.shape[2:], k, s, p, d)))
    return gx


KERNELS_BY_OP = {"max_pool2d": max_pool2d, "max_pool2d_backward": max_pool2d_backward}
