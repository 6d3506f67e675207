"""Transposed convolutions ``conv_transpose2d`` / ``conv_transpose1d``: the adjoint of ``conv2d``.

Forward is convolution's input gradient: one batched GEMM ``W^T x`` per group makes columns
``(N, C_out, kh, kw, H, W)`` that ``col2im`` sums into the output. Backward is a forward convolution of
the output gradient: its ``im2col`` columns give the input gradient (``W @ cols``) and the weight gradient
(``x @ cols^T``).
"""
from ..autograd.node import Node
from .conv import _pair, _single, check_operands
from .fold import col2im, im2col
from ._util import Tensor, make, record, save_versions, xp_of

__all__ = ["conv_transpose2d", "conv_transpose1d"]


class ConvolutionBackward0(Node):
    __slots__ = ("x", "w", "stride", "dilation", "pads", "groups")
    _saved = ("x", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        x, w, G = self.x, self.w, self.groups
        n, ci, h, wd = x.shape
        _, cog, kh, kw = w.shape
        xp = xp_of(g)
        gx = gw = gb = None
        if nb is not None:
            gb = g.sum(axis=(0, 2, 3))
        if nx is None and nw is None:
            return gx, gw, gb
        cols = im2col(g, (kh, kw), self.stride, self.dilation, self.pads, (h, wd)).reshape(n, G, cog * kh * kw, h * wd)
        if nx is not None:
            gx = xp.matmul(w.reshape(G, ci // G, cog * kh * kw), cols).reshape(x.shape)
        if nw is not None:
            x4 = xp.ascontiguousarray(x).reshape(n, G, ci // G, h * wd)
            gw = xp.matmul(x4, cols.swapaxes(-1, -2)).sum(axis=0).reshape(w.shape)
        return gx, gw, gb


def check_transposed(input, weight, bias, groups, dims, ndim=4):
    """A transposed convolution's operands, as ``ndim``-D arrays (1-D ones arrive here made 2-D)."""
    x, w = check_operands(f"conv_transpose{dims}d", input, weight, bias)
    if w.ndim != ndim or x.ndim != ndim:
        raise RuntimeError(f"conv_transpose{dims}d: expected {dims + 2}D weight and {dims + 1}D (unbatched) or "
                           f"{dims + 2}D (batched) input, got weight {list(w.shape)} and input {list(x.shape)}")
    if groups < 1 or w.shape[0] % groups:
        raise RuntimeError(f"groups={groups}: the weight's first dimension ({w.shape[0]}) must be divisible by groups")
    if x.shape[1] != w.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected input{list(x.shape)} to "
                           f"have {w.shape[0]} channels, but got {x.shape[1]} channels instead")
    if bias is not None and bias._array.shape != (w.shape[1] * groups,):
        raise RuntimeError(f"bias must have shape [{w.shape[1] * groups}], got {list(bias._array.shape)}")
    return x, w


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution of ``(N, C_in, H, W)`` (or ``(C_in, H, W)``) input with ``(C_in, C_out/groups,
    kh, kw)`` weights; output ``(H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1`` high."""
    if isinstance(input, Tensor) and input._array.ndim == 3:
        from .shape import squeeze, unsqueeze
        return squeeze(conv_transpose2d(unsqueeze(input, 0), weight, bias, stride, padding, output_padding, groups,
                                        dilation), 0)
    if isinstance(padding, str):
        raise TypeError("conv_transpose2d(): padding must be an int or a tuple of ints, not a string")
    check_transposed(input, weight, bias, groups, 2)
    x, w = input._array, weight._array
    n, ci, h, wd = x.shape
    _, cog, kh, kw = w.shape
    s, d, p, op = (_pair(stride, "stride"), _pair(dilation, "dilation"), _pair(padding, "padding"),
                   _pair(output_padding, "output_padding"))
    if min(s + d) < 1 or min(p + op) < 0:
        raise RuntimeError("stride and dilation must be positive, padding and output_padding non-negative")
    if any(op[i] >= s[i] and op[i] >= d[i] for i in range(2)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {op[0]} output_padding_width: {op[1]} stride_height: {s[0]} "
                           f"stride_width: {s[1]} dilation_height: {d[0]} dilation_width: {d[1]}")
    oh, ow = ((h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1,
              (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1)
    if oh <= 0 or ow <= 0:
        raise RuntimeError(f"Given input size per channel: ({h} x {wd}). Calculated output size per channel: "
                           f"({oh} x {ow}). Output size is too small")
    G = groups
    xp = input._device.xp
    x4 = xp.ascontiguousarray(x).reshape(n, G, ci // G, h * wd)
    cols = xp.matmul(w.reshape(G, ci // G, cog * kh * kw).swapaxes(-1, -2), x4)   # (N, G, cog*kh*kw, H*W)
    out = col2im(cols.reshape(n, G * cog, kh, kw, h, wd), (n, G * cog, oh, ow), s, d, p)
    if bias is not None:
        out += bias._array.reshape(1, -1, 1, 1)
    result = make(out, input._device)
    record(result, ConvolutionBackward0, (input, weight, bias), save_versions(input, weight), x=x, w=w, stride=s,
           dilation=d, pads=p, groups=G)
    return result


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution of ``(N, C_in, L)`` (or ``(C_in, L)``) input with ``(C_in, C_out/groups, k)``."""
    from .shape import squeeze, unsqueeze
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("conv_transpose1d(): input and weight must be Tensors")
    if input._array.ndim not in (2, 3) or weight._array.ndim != 3:
        raise RuntimeError(f"conv_transpose1d: expected 3D weight and 2D (unbatched) or 3D (batched) input, got "
                           f"weight {list(weight._array.shape)} and input {list(input._array.shape)}")
    out = conv_transpose2d(unsqueeze(input, -2), unsqueeze(weight, -2), bias, (1, _single(stride)),
                           (0, _single(padding)), (0, _single(output_padding)), groups, (1, _single(dilation)))
    return squeeze(out, -2)
