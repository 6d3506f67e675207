"""``adaptive_max_pool1d/2d/3d``: max over PyTorch's adaptive bins, with ``return_indices``.

Bin ``i`` of a dim of size ``n`` pooled to ``o`` covers ``[floor(i*n/o), ceil((i+1)*n/o))``. Bins differ
in length by at most one, so each dim gathers a fixed ``(o, kmax)`` index table whose short rows
repeat their last element (a repeat never beats the first maximum). Backward scatters each output's
gradient to its arg-max with one ``bincount`` (bins may overlap).
"""
import math

import numpy as np

from ..autograd.node import Node
from ..backend import cpu, transfer
from ._util import Tensor, make, record, xp_of

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices"]


def _table(n, o):
    """``(o, kmax)`` input positions of each bin, short bins padded with their last position."""
    starts = (np.arange(o) * n) // o
    ends = -(-((np.arange(o) + 1) * n) // o)
    kmax = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(kmax), ends[:, None] - 1)


class AdaptiveMaxPoolBackward(Node):
    __slots__ = ("idx", "xshape", "label")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        nc = math.prod(self.xshape[:2])
        size = math.prod(self.xshape[2:])
        lin = (self.idx.reshape(nc, -1) + (xp.arange(nc) * size)[:, None]).ravel()
        gx = xp.bincount(lin, weights=g.astype(np.float64).ravel(), minlength=nc * size)
        return (gx.astype(g.dtype, copy=False).reshape(self.xshape),)

    def name(self):
        return self.label


def _adaptive_max(input, output_size, n, return_indices):
    name = f"adaptive_max_pool{n}d"
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): input must be a Tensor, got {type(input).__name__}")
    x = input._array
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got {list(x.shape)}")
    if x.ndim == n + 1:
        from .shape import squeeze, unsqueeze
        out = _adaptive_max(unsqueeze(input, 0), output_size, n, return_indices)
        return tuple(squeeze(t, 0) for t in out) if return_indices else squeeze(out, 0)
    size = x.shape[2:]
    o = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(o) != n:
        raise ValueError(f"{name}: output_size must be an int or a {n}-tuple, got {output_size}")
    o = tuple(size[i] if o[i] is None else int(o[i]) for i in range(n))
    if min(o) <= 0 or min(size) <= 0:
        raise RuntimeError(f"{name}: output size must be positive, got {o} for input {list(x.shape)}")
    xp = xp_of(x)
    tables = [_table(size[i], o[i]) for i in range(n)]
    g = x
    for i, t in enumerate(tables):      # gather dim 2+2i into (o_i, k_i): (N, C, o0, k0, ..., o_{n-1}, k_{n-1})
        ax = 2 + 2 * i
        g = xp.take(g, transfer(t.ravel(), cpu, input._device), axis=ax)
        g = g.reshape(g.shape[:ax] + t.shape + g.shape[ax + 1:])
    order = (0, 1) + tuple(2 + 2 * i for i in range(n)) + tuple(3 + 2 * i for i in range(n))
    win = g.transpose(order).reshape(x.shape[:2] + o + (-1,))
    best = win.max(axis=-1)
    hit = win == best[..., None]
    if x.dtype.kind == "f":
        hit |= xp.isnan(win)                     # NaN wins its bin, as in PyTorch
    arg = hit.argmax(axis=-1)                    # the first maximum
    # flat input position of each bin's arg-max: decompose arg over the kernel dims, look each digit up
    flat = xp.zeros(arg.shape, np.int64)
    rest = arg
    for i in reversed(range(n)):
        kmax = tables[i].shape[1]
        digit, rest = rest % kmax, rest // kmax
        rows = xp.arange(o[i]).reshape((o[i],) + (1,) * (n - 1 - i))
        flat += transfer(tables[i], cpu, input._device)[rows, digit] * math.prod(size[i + 1:])
    out = make(best, input._device)
    record(out, AdaptiveMaxPoolBackward, (input,), (), idx=flat, xshape=x.shape,
           label=f"AdaptiveMaxPool{max(n, 2)}DBackward0")
    return (out, make(flat, input._device)) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over adaptive bins of ``(N, C, L)`` (or ``(C, L)``)."""
    return _adaptive_max(input, output_size, 1, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive bins of ``(N, C, H, W)`` (or ``(C, H, W)``); None in ``output_size`` keeps that dim."""
    return _adaptive_max(input, output_size, 2, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over adaptive bins of ``(N, C, D, H, W)`` (or ``(C, D, H, W)``)."""
    return _adaptive_max(input, output_size, 3, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool1d`` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, 1, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool2d`` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, 2, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool3d`` returning ``(output, indices)``."""
    return _adaptive_max(input, output_size, 3, True)
