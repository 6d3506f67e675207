"""``unfold`` (im2col) and ``fold`` (col2im): sliding blocks of a ``(N, C, H, W)`` array and their adjoint.

``im2col`` and ``col2im`` are the array-level helpers the transposed convolutions share: columns are laid
out ``(N, C, kh, kw, OH, OW)``, the layout of convolution's input gradient, so the GPU's fused col2im
kernel (``ember/cuda/_fused_conv.py``) serves both.
"""
from .._kernels import lookup
from ..autograd.node import Node
from .conv import _pair, col2im_add, windows
from ._util import Tensor, make, record, xp_of

__all__ = ["unfold", "fold"]


def _span(o, k, s, d):
    return (o - 1) * s + d * (k - 1) + 1


def im2col(x, k, s, d, pads, o):
    """``(N, C, kh, kw, OH, OW)`` copy of the windows of ``x`` padded by ``pads = (top, left)`` (zeros below and
    right as far as the windows reach)."""
    (kh, kw), (ph, pw), (oh, ow) = k, pads, o
    n, c, h, w = x.shape
    eh, ew = max(_span(oh, kh, s[0], d[0]) - ph - h, 0), max(_span(ow, kw, s[1], d[1]) - pw - w, 0)
    xp = xp_of(x)
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, eh), (pw, ew))) if ph or pw or eh or ew else x
    return xp.ascontiguousarray(windows(xpad, kh, kw, *s, *d, oh, ow).transpose(0, 1, 4, 5, 2, 3))


def col2im(gc, shape, s, d, pads):
    """The adjoint of ``im2col``: sum columns ``gc`` (N, C, kh, kw, OH, OW) into a ``shape`` (N, C, H, W) array
    whose padding ``pads = (top, left)`` (and whatever lies beyond it) is dropped."""
    n, c, h, w = shape
    kh, kw, oh, ow = gc.shape[2:]
    xp = xp_of(gc)
    gc = xp.ascontiguousarray(gc)
    k = lookup("col2im", gc)                       # on a GPU: one gathering kernel
    out = k(gc, shape, s, d, pads) if k is not None else None
    if out is not None:
        return out
    ph, pw = pads
    hp, wp = max(h + ph, _span(oh, kh, s[0], d[0])), max(w + pw, _span(ow, kw, s[1], d[1]))
    full = col2im_add(xp.zeros((n, c, hp, wp), gc.dtype), gc, *s, *d, oh, ow)
    return xp.ascontiguousarray(full[:, :, ph:ph + h, pw:pw + w])


def _blocks(size, k, s, d, p, name):
    o = [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]
    if min(k + s + d) < 1 or min(p) < 0:
        raise RuntimeError(f"{name}: kernel_size, stride and dilation must be positive and padding non-negative")
    if o[0] < 1 or o[1] < 1:
        raise RuntimeError(f"{name}: given input with spatial size {tuple(size)}, kernel_size={k}, dilation={d}, "
                           f"padding={p}, calculated shape of the array of sliding blocks as ({o[0]}, {o[1]}), but "
                           f"its components must be at least one.")
    return tuple(o)


class Im2ColBackward0(Node):
    __slots__ = ("shape", "k", "s", "d", "p", "o")
    _fresh = True

    def backward(self, g):
        n, c = self.shape[:2]
        gc = g.reshape((n, c) + self.k + self.o)
        return (col2im(gc, self.shape, self.s, self.d, self.p),)


class Col2ImBackward0(Node):
    __slots__ = ("k", "s", "d", "p", "o")
    _fresh = True

    def backward(self, g):
        cols = im2col(g, self.k, self.s, self.d, self.p, self.o)
        return (cols.reshape(g.shape[0], -1, self.o[0] * self.o[1]),)


def _batched(fn, input, ndim, *args):
    from .shape import squeeze, unsqueeze
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn.__name__}(): input must be a Tensor, got {type(input).__name__}")
    if input._array.ndim == ndim - 1:
        return squeeze(fn(unsqueeze(input, 0), *args), 0)
    if input._array.ndim != ndim:
        raise RuntimeError(f"{fn.__name__}(): expected a {ndim - 1}D (unbatched) or {ndim}D (batched) input, got "
                           f"{input._array.ndim}D")
    return fn(input, *args)


def _unfold(input, k, d, p, s):
    x = input._array
    n, c, h, w = x.shape
    o = _blocks((h, w), k, s, d, p, "unfold")
    cols = im2col(x, k, s, d, p, o).reshape(n, c * k[0] * k[1], o[0] * o[1])
    out = make(cols, input._device)
    record(out, Im2ColBackward0, (input,), None, shape=x.shape, k=k, s=s, d=d, p=p, o=o)
    return out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding ``kernel_size`` blocks of ``(N, C, H, W)`` input as columns ``(N, C*kh*kw, L)``."""
    args = (_pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"), _pair(padding, "padding"),
            _pair(stride, "stride"))
    return _batched(_unfold, input, 4, *args)


def _fold(input, size, k, d, p, s):
    x = input._array
    n, ck, length = x.shape
    if ck % (k[0] * k[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={ck} and kernel_size={k}")
    o = _blocks(size, k, s, d, p, "fold")
    if o[0] * o[1] != length:
        raise RuntimeError(f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, "
                           f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
                           f"{o[0]} * {o[1]} = {o[0] * o[1]}, but got input.size(2)={length}.")
    c = ck // (k[0] * k[1])
    out = make(col2im(x.reshape((n, c) + k + o), (n, c) + size, s, d, p), input._device)
    record(out, Col2ImBackward0, (input,), None, k=k, s=s, d=d, p=p, o=o)
    return out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns ``(N, C*kh*kw, L)`` back into ``(N, C, *output_size)`` (the adjoint of ``unfold``)."""
    args = (_pair(output_size, "output_size"), _pair(kernel_size, "kernel_size"), _pair(dilation, "dilation"),
            _pair(padding, "padding"), _pair(stride, "stride"))
    return _batched(_fold, input, 3, *args)
