"""``max_unpool1d/2d/3d``: scatter pooled values back to the flat spatial positions ``max_pool*`` reported.

The output is zeros of the unpooled size with ``out[n, c, indices[n, c, ...]] = input[n, c, ...]``;
backward gathers the output gradient at the same positions.
"""
import math

import numpy as np

from ..autograd.node import Node
from ..backend import check_same_device
from .conv3d import ntuple
from ._util import Tensor, make, record, xp_of

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _output_size(shape, k, s, p, output_size):
    """PyTorch's ``_unpool_output_size``: the default size, or a requested one within a stride of it."""
    n = len(k)
    default = [(shape[-n + i] - 1) * s[i] + k[i] - 2 * p[i] for i in range(n)]
    if output_size is None:
        out = default
    else:
        out = [int(v) for v in output_size]
        if len(out) == n + 2:
            out = out[2:]
        if len(out) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                             f"length of '{len(out)}'")
        for i in range(n):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < out[i] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {i} must be between {lo} and {hi})')
    if min(out) < 0:
        raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, got {out}")
    return tuple(out)


class MaxUnpoolBackward(Node):
    __slots__ = ("lin", "xshape", "label")
    _saved = ("lin",)
    _fresh = True

    def backward(self, g):
        return (xp_of(g).ascontiguousarray(g).ravel()[self.lin].reshape(self.xshape),)

    def name(self):
        return self.label


def _unpool(input, indices, n, kernel_size, stride, padding, output_size):
    name = f"max_unpool{n}d"
    if not isinstance(input, Tensor) or not isinstance(indices, Tensor):
        raise TypeError(f"{name}(): input and indices must be Tensors")
    if input._device is not indices._device:
        check_same_device(name, input._device, indices._device)
    x, idx = input._array, indices._array
    if x.ndim not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): expected a {n + 1}D or {n + 2}D input, got {list(x.shape)}")
    if idx.dtype != np.int64:
        raise RuntimeError(f"{name}(): elements in indices should be type int64 but got: {indices.dtype._short}")
    if idx.shape != x.shape:
        raise RuntimeError(f"{name}(): Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: {list(idx.shape)}")
    k = ntuple(kernel_size, n, "kernel_size")
    s = ntuple(stride if stride is not None else k, n, "stride")
    p = ntuple(padding, n, "padding")
    o = _output_size(x.shape, k, s, p, output_size)
    lead = x.shape[:-n]
    nc, size = math.prod(lead), math.prod(o)
    xp = xp_of(x)
    flat = idx.reshape(nc, -1)
    # a bounds check needs the values on the host (a GPU sync), as PyTorch's kernel does: one read, not two
    if flat.size and bool(((flat < 0) | (flat >= size)).any()):
        bad = int(flat.max()) if int(flat.min()) >= 0 else int(flat.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {'x'.join(map(str, o))})")
    lin = (flat + (xp.arange(nc) * size)[:, None]).ravel()
    out = xp.zeros(nc * size, x.dtype)
    out[lin] = xp.ascontiguousarray(x).ravel()
    result = make(out.reshape(lead + o), input._device)
    record(result, MaxUnpoolBackward, (input,), None, lin=lin, xshape=x.shape,
           label="MaxUnpool3DBackward0" if n == 3 else "MaxUnpool2DBackward0")
    return result


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: ``(N, C, L)`` values placed at their ``indices``, zeros elsewhere."""
    return _unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d`` (``indices`` flat over ``H*W``)."""
    return _unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d`` (``indices`` flat over ``D*H*W``)."""
    return _unpool(input, indices, 3, kernel_size, stride, padding, output_size)
