"""Convolutions, pooling, unfold/fold and resampling: backwards that are linear maps of the gradient, recorded.

Everything is built from ``unfold`` (im2col), ``fold`` (col2im), slices, reshapes and matmuls, so the
formulas of ``Im2ColBackward0`` and ``Col2ImBackward0`` below (each the other's adjoint) carry every
higher derivative. Zero padding is itself an ``unfold`` with a 1x1 kernel, so no other op is needed.
Convolution nodes that saved im2col columns rather than their input get the input rebuilt from the
columns (positions no window reaches are left zero: they take no part in any gradient).
"""
import itertools
import math

import ember as E

from ...autograd.higher_order import formula, saved
from ...backend import device_of
from ...cuda import _fused_conv as fc
from .. import adaptive_max_pool as amp, conv, conv3d, conv_transpose as ct, fold, pool, pool3d, resample, unpool
from ._common import const

F = E.nn.functional
_ALL = (slice(None), slice(None))


def _span(o, k, s, d):
    return (o - 1) * s + d * (k - 1) + 1


def _shift(t, lo, size):
    """``r[..., i, j] = t[..., i - lo[0], j - lo[1]]`` for ``r`` of spatial ``size``, zero outside ``t``."""
    h, w = t.shape[2:]
    pad = [(max(lo[i], 0), max(size[i] - lo[i] - (h, w)[i], 0)) for i in range(2)]
    if any(a or b for a, b in pad):
        # zero padding as a symmetric 1x1 unfold; the slice below keeps the (asymmetric) part wanted
        P = (max(pad[0]), max(pad[1]))
        t = F.unfold(t, 1, padding=P).reshape(t.shape[0], t.shape[1], h + 2 * P[0], w + 2 * P[1])
        lo = (lo[0] - P[0], lo[1] - P[1])
    a, b = -lo[0], -lo[1]
    if (a, b, a + size[0], b + size[1]) != (0, 0) + tuple(t.shape[2:]):
        t = t[:, :, a:a + size[0], b:b + size[1]]
    return t


def _im2col(x, k, s, d, lo, o):
    """``(N, C*kh*kw, OH*OW)`` windows of ``x`` padded by ``lo = (top, left)`` (and zeros beyond)."""
    span = (_span(o[0], k[0], s[0], d[0]), _span(o[1], k[1], s[1], d[1]))
    return F.unfold(_shift(x, lo, span), k, dilation=d, stride=s)


def _col2im(gc, hw, k, s, d, lo, o):
    """The adjoint of ``_im2col``: columns ``(N, C*kh*kw, OH*OW)`` summed into ``(N, C, *hw)``."""
    span = (_span(o[0], k[0], s[0], d[0]), _span(o[1], k[1], s[1], d[1]))
    return _shift(F.fold(gc, span, k, dilation=d, stride=s), (-lo[0], -lo[1]), hw)


def _uncols(cols, xshape, s, d, lo):
    """The input a convolution saw, rebuilt from its columns ``(N, C, *k, *o)`` (assignments, no sums: exact)."""
    nd = len(xshape) - 2
    k, o = cols.shape[2:2 + nd], cols.shape[2 + nd:]
    full = tuple(max(xshape[2 + i] + lo[i], _span(o[i], k[i], s[i], d[i])) for i in range(nd))
    xp = device_of(cols).xp
    out = xp.zeros(tuple(xshape[:2]) + full, cols.dtype)
    for pos in itertools.product(*map(range, k)):
        out[_ALL + tuple(slice(p * d[i], p * d[i] + s[i] * (o[i] - 1) + 1, s[i]) for i, p in enumerate(pos))] = \
            cols[_ALL + pos]
    return xp.ascontiguousarray(out[_ALL + tuple(slice(lo[i], lo[i] + xshape[2 + i]) for i in range(nd))])


# ---- 3-D: one axis at a time (a window's kernel positions factor over the axes), each a 1-column 2-D unfold

def _im2col_axis(t, a, k, s, d, lo, o):
    """Axis ``a`` (size S) of ``t`` becomes the two axes ``(k, o)`` of its sliding windows."""
    perm = [i for i in range(t.ndim) if i != a] + [a]
    u = t.permute(*perm)
    r = _im2col(u.reshape(-1, 1, u.shape[-1], 1), (k, 1), (s, 1), (d, 1), (lo, 0), (o, 1))
    r = r.reshape(tuple(u.shape[:-1]) + (k, o))
    back = list(range(a)) + [t.ndim - 1, t.ndim] + list(range(a, t.ndim - 1))
    return r.permute(*back)


def _col2im_axis(t, a, size, k, s, d, lo, o):
    """The adjoint of ``_im2col_axis``: axes ``(a, a + 1)`` = ``(k, o)`` summed into one axis of ``size``."""
    perm = [i for i in range(t.ndim) if i not in (a, a + 1)] + [a, a + 1]
    u = t.permute(*perm)
    r = _col2im(u.reshape(-1, k, o), (size, 1), (k, 1), (s, 1), (d, 1), (lo, 0), (o, 1))
    r = r.reshape(tuple(u.shape[:-2]) + (size,))
    back = list(range(a)) + [t.ndim - 2] + list(range(a, t.ndim - 2))
    return r.permute(*back)


def _im2col_nd(x, k, s, d, lo, o):
    """``(N, C, *k, *o)`` windows of ``x`` (N, C, *S) padded by ``lo`` before each spatial dim."""
    nd = len(k)
    for i in range(nd):
        x = _im2col_axis(x, 2 + 2 * i, k[i], s[i], d[i], lo[i], o[i])
    return x.permute(0, 1, *(2 + 2 * i for i in range(nd)), *(3 + 2 * i for i in range(nd)))


def _col2im_nd(gc, size, s, d, lo):
    """The adjoint of ``_im2col_nd``: columns ``(N, C, *k, *o)`` summed into ``(N, C, *size)``."""
    nd = len(size)
    k, o = gc.shape[2:2 + nd], gc.shape[2 + nd:]
    gc = gc.permute(0, 1, *(j for i in range(nd) for j in (2 + i, 2 + nd + i)))
    for i in reversed(range(nd)):
        gc = _col2im_axis(gc, 2 + 2 * i, size[i], k[i], s[i], d[i], lo[i], o[i])
    return gc


def _conv2d_grads(node, g, x, w, lo, s, d, G):
    """conv2d's three gradients from Tensors ``x`` and ``w``: im2col of ``x`` against ``g`` for the weight,
    col2im of ``W^T g`` for the input."""
    nx, nw, nb = node._next
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2:]
    g3 = g.reshape(n, G, o // G, oh * ow)
    gx = gw = None
    if nw is not None:
        cols = _im2col(x, (kh, kw), s, d, lo, (oh, ow)).reshape(n, G, cg * kh * kw, oh * ow)
        gw = (g3 @ cols.transpose(-1, -2)).sum(0).reshape(w.shape)
    if nx is not None:
        gc = (w.reshape(G, o // G, cg * kh * kw).transpose(-1, -2) @ g3).reshape(n, c * kh * kw, oh * ow)
        gx = _col2im(gc, (h, wd), (kh, kw), s, d, lo, (oh, ow))
    gb = g.sum((0, 2, 3)) if nb is not None else None
    return gx, gw, gb


@formula(conv.ConvolutionBackward0)
def _conv2d(node, g):
    lo = (node.pads[0][0], node.pads[1][0])
    cols = node.cols.reshape(tuple(node.xshape[:2]) + node.w.shape[2:] + tuple(node.oshape))
    x = saved(node, 0, _uncols(cols, node.xshape, node.stride, node.dilation, lo))
    return _conv2d_grads(node, g, x, saved(node, 1, node.w), lo, node.stride, node.dilation, node.groups)


@formula(fc._CudnnConvolutionBackward)
def _conv2d_cudnn(node, g):
    return _conv2d_grads(node, g, saved(node, 0, node.x), saved(node, 1, node.w), node.pad, node.stride,
                         node.dilation, node.groups)


@formula(fc._GemmConvolutionBackward)
def _conv2d_gemm(node, g):
    n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow = (int(v) for v in node.geometry)
    cols = node.cols.reshape(c, kh, kw, n, oh, ow).transpose(3, 0, 1, 2, 4, 5)     # (C*K, N*P) -> (N, C, K, P)
    x = saved(node, 0, _uncols(cols, node.xshape, (sh, sw), (dh, dw), (pt, pl)))
    return _conv2d_grads(node, g, x, saved(node, 1, node.w), (pt, pl), (sh, sw), (dh, dw), 1)


@formula(ct.ConvolutionBackward0)
def _conv_transpose2d(node, g):
    nx, nw, nb = node._next
    G = node.groups
    x, w = saved(node, 0, node.x), saved(node, 1, node.w)
    n, ci, h, wd = x.shape
    _, cog, kh, kw = w.shape
    gx = gw = None
    if nx is not None or nw is not None:       # the backward is a plain convolution of g
        cols = _im2col(g, (kh, kw), node.stride, node.dilation, node.pads, (h, wd)).reshape(n, G, cog * kh * kw,
                                                                                              h * wd)
        if nx is not None:
            gx = (w.reshape(G, ci // G, cog * kh * kw) @ cols).reshape(x.shape)
        if nw is not None:
            gw = (x.reshape(n, G, ci // G, h * wd) @ cols.transpose(-1, -2)).sum(0).reshape(w.shape)
    gb = g.sum((0, 2, 3)) if nb is not None else None
    return gx, gw, gb


@formula(fold.Im2ColBackward0)
def _unfold(node, g):
    n, c, h, w = node.shape
    return (_col2im(g.reshape(n, -1, g.shape[-1]), (h, w), node.k, node.s, node.d, node.p, node.o),)


@formula(fold.Col2ImBackward0)
def _fold(node, g):
    return (_im2col(g, node.k, node.s, node.d, node.p, node.o),)


# ---- pooling: fixed linear maps of g (of the saved argmax positions for max pooling) ----------

def _argmax_mask(arg, K, dtype):
    """``(N, C, K, *o)`` one-hot of the kernel position each window's maximum sits at (``arg``: ``(N, C, *o)``)."""
    xp = device_of(arg).xp
    return const((arg[:, :, None] == xp.arange(K).reshape((1, 1, K) + (1,) * (arg.ndim - 2))).astype(dtype))


@formula(pool.MaxPool2DWithIndicesBackward0)
def _max_pool2d(node, g):
    n, c, h, w = node.xshape
    kh, kw = node.k
    o = tuple(g.shape[2:])
    gc = (_argmax_mask(node.arg, kh * kw, g._array.dtype) * g.unsqueeze(2)).reshape(n, c * kh * kw, o[0] * o[1])
    return (_col2im(gc, (h, w), node.k, node.s, node.d, node.p, o),)


@formula(pool.AvgPool2DBackward0)
def _avg_pool2d(node, g):
    n, c, h, w = node.xshape
    kh, kw = node.k
    o = tuple(node.o)
    gs = (g * const(node.scale)).reshape(n, c, 1, o[0] * o[1]).expand(n, c, kh * kw, o[0] * o[1])
    return (_col2im(gs.reshape(n, c * kh * kw, o[0] * o[1]), (h, w), node.k, node.s, (1, 1), node.p, o),)


@formula(pool.AdaptiveAvgPool2DBackward0)
def _adaptive_avg_pool2d(node, g):
    return (const(node.ph.T) @ g @ const(node.pw),)


def _along(t, m, axis):
    """Contract axis ``axis`` of Tensor ``t`` with rows of matrix ``m`` (out, in): ``(..., out, ...) -> (..., in,
    ...)``, the transpose of the forward's resampling along that axis."""
    return (t.transpose(axis, -1) @ const(m)).transpose(axis, -1)


@formula(*resample._NODES.values())
def _resample(node, g):
    for axis, m in reversed(node.mats):
        g = _along(g, m, axis)
    return (g,)


@formula(pool3d.AdaptiveAvgPool3DBackward0)
def _adaptive_avg_pool3d(node, g):
    for i, m in enumerate(node.mats):
        g = _along(g, m, g.ndim - 3 + i)
    return (g,)


# ---- 3-D convolutions and pooling -------------------------------------------------------------------------

@formula(conv3d.ConvolutionBackward0)
def _conv3d(node, g):
    nx, nw, nb = node._next
    n, c = node.xshape[:2]
    o, cg = node.w.shape[:2]
    k, G, L = node.w.shape[2:], node.groups, math.prod(node.oshape)
    s, dl, lo = node.stride, node.dilation, node.lo
    cols = node.cols.reshape((n, c) + k + tuple(node.oshape))
    g3 = g.reshape(n, G, o // G, L)
    gx = gw = None
    if nw is not None:
        x = saved(node, 0, _uncols(cols, node.xshape, s, dl, lo))
        xc = _im2col_nd(x, k, s, dl, lo, node.oshape).reshape(n, G, cg * math.prod(k), L)
        gw = (g3 @ xc.transpose(-1, -2)).sum(0).reshape(node.w.shape)
    if nx is not None:
        w = saved(node, 1, node.w)
        gc = (w.reshape(G, o // G, -1).transpose(-1, -2) @ g3).reshape((n, c) + k + tuple(node.oshape))
        gx = _col2im_nd(gc, node.xshape[2:], s, dl, lo)
    gb = g.sum((0, 2, 3, 4)) if nb is not None else None
    return gx, gw, gb


@formula(conv3d.ConvTransposeBackward)
def _conv_transpose3d(node, g):
    nx, nw, nb = node._next
    G = node.groups
    x, w = saved(node, 0, node.x), saved(node, 1, node.w)
    n, ci = x.shape[:2]
    ishape, k, cog = tuple(x.shape[2:]), tuple(w.shape[2:]), w.shape[1]
    L = math.prod(ishape)
    gx = gw = None
    if nx is not None or nw is not None:
        cols = _im2col_nd(g, k, node.stride, node.dilation, node.pads, ishape).reshape(n, G, cog * math.prod(k), L)
        if nx is not None:
            gx = (w.reshape(G, ci // G, -1) @ cols).reshape(x.shape)
        if nw is not None:
            gw = (x.reshape(n, G, ci // G, L) @ cols.transpose(-1, -2)).sum(0).reshape(w.shape)
    gb = g.sum((0, 2, 3, 4)) if nb is not None else None
    return gx, gw, gb


@formula(pool3d.MaxPoolNdBackward)
def _max_pool_nd(node, g):
    n, c = node.xshape[:2]
    K, o = math.prod(node.k), tuple(g.shape[2:])
    gc = (_argmax_mask(node.arg, K, g._array.dtype) * g.unsqueeze(2)).reshape((n, c) + tuple(node.k) + o)
    return (_col2im_nd(gc, node.xshape[2:], node.s, node.d, node.p),)


@formula(pool3d.AvgPoolNdBackward)
def _avg_pool_nd(node, g):
    n, c = node.xshape[:2]
    K, o = math.prod(node.k), tuple(g.shape[2:])
    gs = (g * const(node.scale)).unsqueeze(2).expand((n, c, K) + o).reshape((n, c) + tuple(node.k) + o)
    return (_col2im_nd(gs, node.xshape[2:], node.s, (1,) * len(o), node.p),)


# ---- index-driven pooling: scatters and gathers of g at the saved positions --------------------------------

@formula(amp.AdaptiveMaxPoolBackward)
def _adaptive_max_pool(node, g):
    nc, size = math.prod(node.xshape[:2]), math.prod(node.xshape[2:])
    gx = E.zeros((nc, size), dtype=g.dtype, device=g.device)
    return (gx.scatter_add(1, const(node.idx.reshape(nc, -1)), g.reshape(nc, -1)).reshape(node.xshape),)


@formula(unpool.MaxUnpoolBackward)
def _max_unpool(node, g):
    return (g.reshape(-1)[const(node.lin)].reshape(node.xshape),)
