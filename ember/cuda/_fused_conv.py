"""Convolutions on the GPU: im2col + cuBLAS GEMM, or cuDNN through ``cupyx.cudnn`` where CuPy has it (CuPy 13
and older: CuPy 14 removed cuDNN). The im2col path (groups == 1) lays columns out as (C*kh*kw, N*OH*OW) with
one kernel, so the forward and both gradients are single plain GEMMs plus one layout kernel each, and col2im is
one gathering kernel; grouped convolutions take ember's generic array code (batched GEMMs), whose input
gradient also uses a one-launch col2im kernel. ``EMBER_CONV`` (``auto``, ``im2col``, ``cudnn``; read at
import) or ``set_conv_algorithm`` chooses; ``auto`` takes cuDNN when present. The GPU check times both where
both exist.
"""
import os

import numpy as np

from ..autograd.node import Node
from ..backend import cuda_backend, xp_of
from ._compile import BLOCK, CTYPES as _CTYPES, grid_for, Kernels

__all__ = ["col2im", "conv2d_gpu", "conv2d_cudnn", "conv2d_gemm", "set_conv_algorithm", "conv_algorithm",
           "cudnn_available", "ALGORITHMS"]

ALGORITHMS = ("auto", "im2col", "cudnn")
KERNELS = Kernels("conv.cu", [f"{k}<{t}>" for k in ("col2im", "im2col_knp", "onp_to_nop", "nop_to_onp", "col2im_knp")
                              for t in ("float", "double")])
_algorithm = [os.environ.get("EMBER_CONV", "auto").strip().lower() or "auto"]
if _algorithm[0] not in ALGORITHMS:
    _algorithm[0] = "auto"


def set_conv_algorithm(name):
    """``"auto"``, ``"im2col"`` or ``"cudnn"`` for GPU convolutions; returns the previous choice. ``"cudnn"``
    without cuDNN in CuPy falls back to im2col (``cudnn_available()`` says which)."""
    if name not in ALGORITHMS:
        raise ValueError(f"conv algorithm must be one of {ALGORITHMS}, got {name!r}")
    prev, _algorithm[0] = _algorithm[0], name
    return prev


def conv_algorithm():
    return _algorithm[0]


def cudnn_available():
    """Whether the GPU backend offers cuDNN convolutions (``cupyx.cudnn``: CuPy 13 or older with cuDNN)."""
    return cuda_backend().cudnn() is not None


def col2im(gc, xshape, stride, dilation, pads):
    """The input gradient ``(N, C, H, W)`` from column gradients ``gc`` ``(N, C, kh, kw, OH, OW)`` (padding
    ``(top, left)`` cropped), or None when the kernel does not cover the arrays."""
    ct = _CTYPES.get(gc.dtype)
    if ct is None or not gc.flags.c_contiguous:
        return None
    n, c, kh, kw, oh, ow = gc.shape
    h, w = xshape[2], xshape[3]
    gx = xp_of(gc).empty((n, c, h, w), gc.dtype)
    total = n * c * h * w
    if total:
        sizes = (n * c, h, w, kh, kw, stride[0], stride[1], dilation[0], dilation[1], pads[0], pads[1], oh, ow)
        KERNELS[f"col2im<{ct}>"](grid_for(total), BLOCK, (gc, gx) + tuple(np.int64(v) for v in sizes))
    return gx


# ---- cuDNN ------------------------------------------------------------------------------------------------

class _CudnnConvolutionBackward(Node):
    __slots__ = ("x", "w", "pad", "stride", "dilation", "groups", "cudnn")
    _saved = ("x", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        xp = xp_of(g)
        g = xp.ascontiguousarray(g)
        geometry = (self.pad, self.stride, self.dilation, self.groups)
        gx = gw = gb = None
        if nx is not None:
            gx = xp.empty_like(self.x)
            self.cudnn.convolution_backward_data(self.w, g, None, gx, *geometry, deterministic=False,
                                                 auto_tune=False, tensor_core="auto")
        if nw is not None:
            gw = xp.empty_like(self.w)
            self.cudnn.convolution_backward_filter(self.x, g, gw, *geometry, deterministic=False, auto_tune=False,
                                                   tensor_core="auto")
        if nb is not None:
            gb = g.sum(axis=(0, 2, 3))
        return gx, gw, gb


_CudnnConvolutionBackward.__name__ = _CudnnConvolutionBackward.__qualname__ = "ConvolutionBackward0"


def conv2d_cudnn(input, weight, bias, stride, pads, dilation, groups):
    """``conv2d`` through cuDNN, or None (im2col chosen, no cuDNN, asymmetric padding, other dtypes)."""
    from ..ops._util import make, record, save_versions
    if _algorithm[0] == "im2col":
        return None
    cudnn = cuda_backend().cudnn()
    (pt, pb), (pl, pr) = pads
    x, w = input._array, weight._array
    if cudnn is None or pt != pb or pl != pr or x.dtype not in _CTYPES:
        return None
    xp = input._device.xp
    x, w = xp.ascontiguousarray(x), xp.ascontiguousarray(w)
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh = (h + 2 * pt - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * pl - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = xp.empty((n, o, oh, ow), x.dtype)
    b = None if bias is None else xp.ascontiguousarray(bias._array)
    cudnn.convolution_forward(x, w, b, y, (pt, pl), tuple(stride), tuple(dilation), groups, auto_tune=False,
                              tensor_core="auto")
    out = make(y, input._device)
    record(out, _CudnnConvolutionBackward, (input, weight, bias), save_versions(input, weight), x=x, w=w,
           pad=(pt, pl), stride=tuple(stride), dilation=tuple(dilation), groups=groups, cudnn=cudnn)
    return out


# ---- im2col + one plain GEMM (groups == 1) ------------------------------------------------------------------

def _geometry(n, c, h, w, kh, kw, stride, dilation, pt, pl, oh, ow):
    return tuple(np.int64(v) for v in (n, c, h, w, kh, kw, *stride, *dilation, pt, pl, oh, ow))


class _GemmConvolutionBackward(Node):
    __slots__ = ("cols", "w", "xshape", "geometry", "oshape")
    _saved = ("cols", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        xp = xp_of(g)
        ct = _CTYPES[g.dtype]
        n = self.xshape[0]
        o, p = self.w.shape[0], self.oshape[0] * self.oshape[1]
        g = xp.ascontiguousarray(g)
        g2 = xp.empty((o, n * p), g.dtype)                   # (O, N*P): the layout both GEMMs read
        KERNELS[f"nop_to_onp<{ct}>"](grid_for(g2.size), BLOCK, (g, g2, np.int64(o), np.int64(n), np.int64(p)))
        gb = g2.sum(axis=1) if nb is not None else None
        gw = xp.matmul(g2, self.cols.T).reshape(self.w.shape) if nw is not None else None
        gx = None
        if nx is not None:
            gcols = xp.matmul(self.w.reshape(o, -1).T, g2)     # (C*kh*kw, N*P)
            gx = xp.empty(self.xshape, g.dtype)
            KERNELS[f"col2im_knp<{ct}>"](grid_for(gx.size), BLOCK, (gcols, gx) + self.geometry)
        return gx, gw, gb


_GemmConvolutionBackward.__name__ = _GemmConvolutionBackward.__qualname__ = "ConvolutionBackward0"


def conv2d_gemm(input, weight, bias, stride, pads, dilation, groups):
    """``conv2d`` as one im2col kernel, one GEMM and one layout kernel (with the bias); None where it does not
    apply (groups, other dtypes, empty arrays)."""
    from ..ops._util import make, record, save_versions
    from ..ops.conv import out_size
    x, w = input._array, weight._array
    ct = _CTYPES.get(x.dtype)
    if ct is None or groups != 1 or x.size == 0 or w.size == 0:
        return None
    xp = input._device.xp
    x = xp.ascontiguousarray(x)
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    (pt, pb), (pl, pr) = pads
    oh = out_size(h, kh, stride[0], dilation[0], pt + pb)
    ow = out_size(wd, kw, stride[1], dilation[1], pl + pr)
    geometry = _geometry(n, c, h, wd, kh, kw, stride, dilation, pt, pl, oh, ow)
    cols = xp.empty((c * kh * kw, n * oh * ow), x.dtype)
    KERNELS[f"im2col_knp<{ct}>"](grid_for(cols.size), BLOCK, (x, cols) + geometry)
    out2 = xp.matmul(w.reshape(o, -1), cols)                    # (O, N*P)
    y = xp.empty((n, o, oh, ow), x.dtype)
    b = xp.ascontiguousarray(bias._array) if bias is not None else out2
    KERNELS[f"onp_to_nop<{ct}>"](grid_for(y.size), BLOCK, (out2, b, y, np.int64(o), np.int64(n),
                                                            np.int64(oh * ow), np.int32(bias is not None)))
    out = make(y, input._device)
    record(out, _GemmConvolutionBackward, (input, weight, bias), save_versions(input, weight), cols=cols, w=w,
           xshape=x.shape, geometry=geometry, oshape=(oh, ow))
    return out


def conv2d_gpu(input, weight, bias, stride, pads, dilation, groups):
    """The GPU's ``conv2d``: cuDNN where chosen and present, else the im2col GEMM path, else None (the generic
    array code)."""
    out = conv2d_cudnn(input, weight, bias, stride, pads, dilation, groups)
    if out is None:
        out = conv2d_gemm(input, weight, bias, stride, pads, dilation, groups)
    return out
