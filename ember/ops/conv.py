"""Convolutions: ``conv2d`` and ``conv1d`` (stride, padding, dilation, groups) as im2col + batched GEMM.

The input's sliding windows are one ``as_strided`` view; one copy lays them out as ``(N, groups,
C/groups*kh*kw, OH*OW)`` so ``W @ cols`` (a batched matmul) yields the output directly in NCHW order.
Backward reuses those columns for the weight gradient; the input gradient is the transposed GEMM
followed by ``kh*kw`` strided slice-adds (col2im).
"""
from .._kernels import lookup
from ..autograd.node import Node
from ..backend import check_same_device
from ._util import Tensor, as_strided, make, record, save_versions, xp_of

__all__ = ["conv2d", "conv1d"]


def _pair(v, name):
    if isinstance(v, (tuple, list)):
        if len(v) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {v}")
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _padding(padding, kernel, dilation, stride):
    """((top, bottom), (left, right)) padding, accepting ints, pairs, 'valid' and 'same'."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError("padding='same' is not supported for strided convolutions")
            out = []
            for k, d in zip(kernel, dilation):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return tuple(out)
        raise ValueError(f"Invalid padding string '{padding}', should be one of ('valid', 'same')")
    ph, pw = _pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise RuntimeError("negative padding is not supported")
    return (ph, ph), (pw, pw)


def windows(xpad, kh, kw, sh, sw, dh, dw, oh, ow):
    """``(N, C, OH, OW, kh, kw)`` view of the receptive fields of a padded ``(N, C, H, W)`` array."""
    s = xpad.strides
    return as_strided(xpad, xpad.shape[:2] + (oh, ow, kh, kw),
                      (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw), writeable=False)


def out_size(n, k, s, d, pad_total):
    return (n + pad_total - d * (k - 1) - 1) // s + 1


def col2im_add(gxp, gc, sh, sw, dh, dw, oh, ow):
    """Scatter-add column gradients ``gc`` (N, C, kh, kw, OH, OW) back into padded input grads ``gxp``."""
    kh, kw = gc.shape[2], gc.shape[3]
    for i in range(kh):
        for j in range(kw):
            r0, c0 = i * dh, j * dw
            gxp[:, :, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw] += gc[:, :, i, j]
    return gxp


class ConvolutionBackward0(Node):
    __slots__ = ("cols", "w", "xshape", "pads", "stride", "dilation", "groups", "oshape")
    _saved = ("cols", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        n, c, h, wd = self.xshape
        o, cg, kh, kw = self.w.shape
        G = self.groups
        oh, ow = self.oshape
        xp = xp_of(g)
        g3 = xp.ascontiguousarray(g).reshape(n, G, o // G, oh * ow)
        gx = gw = gb = None
        if nb is not None:
            gb = g.sum(axis=(0, 2, 3))
        if nw is not None:
            # sum over the batch of g[n] @ cols[n].T: one batched GEMM, then a reduction
            gw = xp.matmul(g3, self.cols.swapaxes(-1, -2)).sum(axis=0).reshape(self.w.shape)
        if nx is not None:
            wm = self.w.reshape(G, o // G, cg * kh * kw)
            gc = xp.matmul(wm.swapaxes(-1, -2), g3).reshape(n, c, kh, kw, oh, ow)
            (pt, pb), (pl, pr) = self.pads
            k = lookup("col2im", gc)                 # on a GPU: one gathering kernel (ember/cuda/_fused_conv.py)
            gx = k(gc, self.xshape, self.stride, self.dilation, (pt, pl)) if k is not None else None
            if gx is None:
                gxp = xp.zeros((n, c, h + pt + pb, wd + pl + pr), g.dtype)
                col2im_add(gxp, gc, *self.stride, *self.dilation, oh, ow)
                gx = gxp[:, :, pt:pt + h, pl:pl + wd]
                if pt or pb or pl or pr:
                    gx = xp.ascontiguousarray(gx)
        return gx, gw, gb


def check_operands(op, input, weight, bias):
    """What every convolution (plain or transposed) asks of its operands: tensors, one device, one dtype."""
    for t, name in ((input, "input"), (weight, "weight")):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {name} must be a Tensor, got {type(t).__name__}")
    devs = [t._device for t in (input, weight, bias) if t is not None]
    if any(d is not devs[0] for d in devs):
        check_same_device(op, *devs)
    x, w = input._array, weight._array
    if x.dtype != w.dtype or (bias is not None and bias._array.dtype != x.dtype):
        raise RuntimeError(f"Input type ({input.dtype._short}) and weight type ({weight.dtype._short}) should be the "
                           f"same")
    return x, w


def _check_conv(input, weight, bias, groups, dims):
    x, w = check_operands(f"conv{dims}d", input, weight, bias)
    if w.ndim != dims + 2:
        raise RuntimeError(f"weight should have {dims + 2} dimensions for conv{dims}d, got shape {list(w.shape)}")
    if x.ndim != dims + 2:
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to conv{dims}d, but got "
                           f"input of size: {list(x.shape)}")
    if groups < 1 or x.shape[1] % groups or w.shape[0] % groups:
        raise RuntimeError(f"groups={groups}: in_channels ({x.shape[1]}) and out_channels ({w.shape[0]}) must both be "
                           f"divisible by groups")
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected input{list(x.shape)} to "
                           f"have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead")
    if bias is not None and bias._array.shape != (w.shape[0],):
        raise RuntimeError(f"bias must have shape [{w.shape[0]}], got {list(bias._array.shape)}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of ``(N, C, H, W)`` (or unbatched ``(C, H, W)``) input with ``(O, C/groups, kh, kw)``."""
    if isinstance(input, Tensor) and input._array.ndim == 3:
        from .shape import squeeze, unsqueeze
        return squeeze(conv2d(unsqueeze(input, 0), weight, bias, stride, padding, dilation, groups), 0)
    _check_conv(input, weight, bias, groups, 2)
    x, w = input._array, weight._array
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    if sh < 1 or sw < 1 or dh < 1 or dw < 1:
        raise RuntimeError("stride and dilation must be positive")
    pads = _padding(padding, (kh, kw), (dh, dw), (sh, sw))
    (pt, pb), (pl, pr) = pads
    oh = out_size(h, kh, sh, dh, pt + pb)
    ow = out_size(wd, kw, sw, dw, pl + pr)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Calculated padded input size per channel: ({h + pt + pb} x {wd + pl + pr}). Kernel size: "
                           f"({dh * (kh - 1) + 1} x {dw * (kw - 1) + 1}). Kernel size can't be greater than actual "
                           f"input size")
    k = lookup("conv2d", x)                          # cuDNN on a GPU that has it (ember/cuda/_fused_conv.py)
    if k is not None:
        out = k(input, weight, bias, (sh, sw), pads, (dh, dw), groups)
        if out is not None:
            return out
    xp = input._device.xp
    xpad = xp.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr))) if pt or pb or pl or pr else x
    G = groups
    cols = windows(xpad, kh, kw, sh, sw, dh, dw, oh, ow).transpose(0, 1, 4, 5, 2, 3)
    cols = cols.reshape(n, G, cg * kh * kw, oh * ow)                  # the one im2col copy
    out = xp.matmul(w.reshape(G, o // G, cg * kh * kw), cols).reshape(n, o, oh, ow)
    if bias is not None:
        out += bias._array.reshape(1, o, 1, 1)
    result = make(out, input._device)
    record(result, ConvolutionBackward0, (input, weight, bias), save_versions(input, weight), cols=cols, w=w,
           xshape=x.shape, pads=pads, stride=(sh, sw), dilation=(dh, dw), groups=G, oshape=(oh, ow))
    return result


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of ``(N, C, L)`` (or ``(C, L)``) input with ``(O, C/groups, k)`` weights."""
    from .shape import squeeze, unsqueeze
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("conv1d(): input and weight must be Tensors")
    if input._array.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input._array.shape)}")
    if weight._array.ndim != 3:
        raise RuntimeError(f"weight should have 3 dimensions for conv1d, got shape {list(weight._array.shape)}")
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(unsqueeze(input, -2), unsqueeze(weight, -2), bias, (1, _single(stride)), pad,
                 (1, _single(dilation)), groups)
    return squeeze(out, -2)


def _single(v):
    if isinstance(v, (tuple, list)):
        if len(v) != 1:
            raise ValueError(f"expected an int or a 1-tuple, got {v}")
        return int(v[0])
    return int(v)
