"""3-D convolutions ``conv3d`` and ``conv_transpose3d``: the 2-D im2col + batched GEMM scheme, for any rank.

``im2col_nd`` copies the sliding windows of a ``(N, C, *S)`` array into columns ``(N, C, *K, *O)``
(one ``as_strided`` view, one copy); ``col2im_nd`` is its adjoint (one strided slice-add per kernel
position). A plain convolution is ``W @ cols``; a transposed one is ``col2im_nd(W^T x)``, and each
one's backward is the other's forward, as in ``conv.py`` and ``conv_transpose.py``.
"""
import itertools
import math

from ..autograd.node import Node
from .conv import _check_conv
from .conv_transpose import check_transposed
from ._util import Tensor, as_strided, make, record, save_versions, xp_of

__all__ = ["conv3d", "conv_transpose3d"]


def ntuple(v, n, name):
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{name} must be an int or a {n}-tuple of ints, got {v}")
        return tuple(int(x) for x in v)
    return (int(v),) * n


def _span(o, k, s, d):
    return (o - 1) * s + d * (k - 1) + 1


def im2col_nd(x, k, s, d, lo, o):
    """``(N, C, *k, *o)`` copy of the windows of ``x`` padded by ``lo`` before each spatial dim (and with zeros
    after it as far as the windows reach)."""
    n = len(k)
    hi = [max(_span(o[i], k[i], s[i], d[i]) - lo[i] - x.shape[2 + i], 0) for i in range(n)]
    xp = xp_of(x)
    if any(lo) or any(hi):
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple(zip(lo, hi)))
    st = x.strides
    view = as_strided(x, x.shape[:2] + tuple(k) + tuple(o),
                      st[:2] + tuple(st[2 + i] * d[i] for i in range(n)) + tuple(st[2 + i] * s[i] for i in range(n)),
                      writeable=False)
    return xp.ascontiguousarray(view)


def col2im_nd(gc, shape, s, d, lo):
    """The adjoint of ``im2col_nd``: sum columns ``gc`` (N, C, *k, *o) into a ``shape`` (N, C, *S) array, dropping the
    ``lo`` padding (and whatever lies beyond the input)."""
    n = len(shape) - 2
    k, o = gc.shape[2:2 + n], gc.shape[2 + n:]
    full = tuple(max(shape[2 + i] + lo[i], _span(o[i], k[i], s[i], d[i])) for i in range(n))
    xp = xp_of(gc)
    out = xp.zeros(tuple(shape[:2]) + full, gc.dtype)
    for pos in itertools.product(*(range(ki) for ki in k)):
        sl = tuple(slice(p * d[i], p * d[i] + s[i] * (o[i] - 1) + 1, s[i]) for i, p in enumerate(pos))
        out[(slice(None), slice(None)) + sl] += gc[(slice(None), slice(None)) + pos]
    crop = tuple(slice(lo[i], lo[i] + shape[2 + i]) for i in range(n))
    return xp.ascontiguousarray(out[(slice(None), slice(None)) + crop])


def _unbatched(fn, input, *args):
    from .shape import squeeze, unsqueeze
    return squeeze(fn(unsqueeze(input, 0), *args), 0)


# ---- conv3d --------------------------------------------------------------------------------------------

class ConvolutionBackward0(Node):
    __slots__ = ("cols", "w", "xshape", "lo", "stride", "dilation", "groups", "oshape")
    _saved = ("cols", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        n, c = self.xshape[:2]
        o, cg = self.w.shape[:2]
        k, G, L = self.w.shape[2:], self.groups, math.prod(self.oshape)
        xp = xp_of(g)
        g3 = xp.ascontiguousarray(g).reshape(n, G, o // G, L)
        gx = gw = gb = None
        if nb is not None:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        if nw is not None:
            gw = xp.matmul(g3, self.cols.swapaxes(-1, -2)).sum(axis=0).reshape(self.w.shape)
        if nx is not None:
            gc = xp.matmul(self.w.reshape(G, o // G, -1).swapaxes(-1, -2), g3)
            gx = col2im_nd(gc.reshape((n, c) + k + self.oshape), self.xshape, self.stride, self.dilation, self.lo)
        return gx, gw, gb


def _conv_padding(padding, k, d, s):
    """(before, after) per spatial dim, from ints, tuples, 'valid' or 'same' (extra padding goes after)."""
    n = len(k)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * n
        if padding == "same":
            if any(v != 1 for v in s):
                raise ValueError("padding='same' is not supported for strided convolutions")
            return tuple((d[i] * (k[i] - 1) // 2, d[i] * (k[i] - 1) - d[i] * (k[i] - 1) // 2) for i in range(n))
        raise ValueError(f"Invalid padding string '{padding}', should be one of ('valid', 'same')")
    p = ntuple(padding, n, "padding")
    if min(p) < 0:
        raise RuntimeError("negative padding is not supported")
    return tuple((v, v) for v in p)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation of ``(N, C, D, H, W)`` (or unbatched ``(C, D, H, W)``) input with ``(O, C/groups, kd,
    kh, kw)`` weights."""
    if isinstance(input, Tensor) and input._array.ndim == 4:
        return _unbatched(conv3d, input, weight, bias, stride, padding, dilation, groups)
    _check_conv(input, weight, bias, groups, 3)
    x, w = input._array, weight._array
    n, c = x.shape[:2]
    o, cg = w.shape[:2]
    k = w.shape[2:]
    s, d = ntuple(stride, 3, "stride"), ntuple(dilation, 3, "dilation")
    if min(s + d) < 1:
        raise RuntimeError("stride and dilation must be positive")
    pads = _conv_padding(padding, k, d, s)
    oshape = tuple((x.shape[2 + i] + sum(pads[i]) - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(3))
    if min(oshape) <= 0:
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(str(x.shape[2 + i] + sum(pads[i])) for i in range(3))}). Kernel size: "
                           f"({' x '.join(str(d[i] * (k[i] - 1) + 1) for i in range(3))}). Kernel size can't be "
                           f"greater than actual input size")
    xp = input._device.xp
    lo = tuple(p[0] for p in pads)
    G, L = groups, math.prod(oshape)
    cols = im2col_nd(x, k, s, d, lo, oshape).reshape(n, G, cg * math.prod(k), L)
    out = xp.matmul(w.reshape(G, o // G, -1), cols).reshape((n, o) + oshape)
    if bias is not None:
        out += bias._array.reshape(1, o, 1, 1, 1)
    result = make(out, input._device)
    record(result, ConvolutionBackward0, (input, weight, bias), save_versions(input, weight), cols=cols, w=w,
           xshape=x.shape, lo=lo, stride=s, dilation=d, groups=G, oshape=oshape)
    return result


# ---- conv_transpose3d ----------------------------------------------------------------------------------

class ConvTransposeBackward(Node):
    __slots__ = ("x", "w", "stride", "dilation", "pads", "groups")
    _saved = ("x", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        x, w, G = self.x, self.w, self.groups
        n, ci = x.shape[:2]
        ishape, k = x.shape[2:], w.shape[2:]
        cog, L = w.shape[1], math.prod(ishape)
        xp = xp_of(g)
        gx = gw = gb = None
        if nb is not None:
            gb = g.sum(axis=(0,) + tuple(range(2, g.ndim)))
        if nx is None and nw is None:
            return gx, gw, gb
        cols = im2col_nd(g, k, self.stride, self.dilation, self.pads, ishape).reshape(n, G, cog * math.prod(k), L)
        if nx is not None:
            gx = xp.matmul(w.reshape(G, ci // G, -1), cols).reshape(x.shape)
        if nw is not None:
            x4 = xp.ascontiguousarray(x).reshape(n, G, ci // G, L)
            gw = xp.matmul(x4, cols.swapaxes(-1, -2)).sum(axis=0).reshape(w.shape)
        return gx, gw, gb

    def name(self):
        return "ConvolutionBackward0"          # PyTorch's name for plain and transposed convolutions alike


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 3-D convolution of ``(N, C_in, D, H, W)`` (or ``(C_in, D, H, W)``) input with ``(C_in,
    C_out/groups, kd, kh, kw)`` weights."""
    if isinstance(input, Tensor) and input._array.ndim == 4:
        return _unbatched(conv_transpose3d, input, weight, bias, stride, padding, output_padding, groups, dilation)
    if isinstance(padding, str):
        raise TypeError("conv_transpose3d(): padding must be an int or a tuple of ints, not a string")
    x, w = check_transposed(input, weight, bias, groups, 3, ndim=5)
    s, d = ntuple(stride, 3, "stride"), ntuple(dilation, 3, "dilation")
    p, op = ntuple(padding, 3, "padding"), ntuple(output_padding, 3, "output_padding")
    if min(s + d) < 1 or min(p + op) < 0:
        raise RuntimeError("stride and dilation must be positive, padding and output_padding non-negative")
    if any(op[i] >= s[i] and op[i] >= d[i] for i in range(3)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={op}, stride={s}, dilation={d}")
    n, ci = x.shape[:2]
    ishape, k, cog = x.shape[2:], w.shape[2:], w.shape[1]
    oshape = tuple((ishape[i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + op[i] + 1 for i in range(3))
    if min(oshape) <= 0:
        raise RuntimeError(f"Given input size per channel: {tuple(ishape)}. Calculated output size per channel: "
                           f"{oshape}. Output size is too small")
    G, xp = groups, input._device.xp
    x4 = xp.ascontiguousarray(x).reshape(n, G, ci // G, math.prod(ishape))
    cols = xp.matmul(w.reshape(G, ci // G, -1).swapaxes(-1, -2), x4)        # (N, G, cog*K, D*H*W)
    out = col2im_nd(cols.reshape((n, G * cog) + k + ishape), (n, G * cog) + oshape, s, d, p)
    if bias is not None:
        out += bias._array.reshape(1, -1, 1, 1, 1)
    result = make(out, input._device)
    record(result, ConvTransposeBackward, (input, weight, bias), save_versions(input, weight), x=x, w=w, stride=s,
           dilation=d, pads=p, groups=G)
    return result
