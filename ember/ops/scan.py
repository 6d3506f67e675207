"""Running and difference ops: ``cummax``, ``cummin``, ``logcumsumexp``, ``diff``, ``trapezoid``,
``cumulative_trapezoid`` and ``gradient``.

The scans are log-step (Hillis-Steele) passes of whole-array ops, so they run unchanged on CuPy, which
has no ``ufunc.accumulate``; the rest are compositions of differentiable ops.
"""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from ._util import Tensor, make, norm_dim, record, xp_of
from .numpy_names import numpy_names

__all__ = ["cummax", "cummin", "logcumsumexp", "diff", "trapezoid", "trapz", "cumulative_trapezoid", "gradient"]

return_cummax = structseq("cummax", ["values", "indices"])
return_cummin = structseq("cummin", ["values", "indices"])


def _shifted(a, s, d, fill):
    """``a`` moved ``s`` places forward along ``d`` (the first ``s`` entries become ``fill``)."""
    xp = xp_of(a)
    out = xp.empty_like(a)
    lead = (slice(None),) * d
    out[lead + (slice(0, s),)] = fill
    out[lead + (slice(s, None),)] = a[lead + (slice(0, a.shape[d] - s),)]
    return out


def _scan_extreme(x, d, take_earlier):
    """Running extreme values and their indices along ``d``; ties keep the later index, as PyTorch does."""
    xp = xp_of(x)
    n = x.shape[d]
    shape = [1] * x.ndim
    shape[d] = n
    v = x.copy()
    idx = xp.broadcast_to(xp.arange(n, dtype=np.int64).reshape(shape), x.shape).copy()
    s = 1
    while s < n:
        ve, ie = _shifted(v, s, d, 0), _shifted(idx, s, d, 0)
        valid = xp.broadcast_to(xp.arange(n).reshape(shape) >= s, x.shape)
        pick = take_earlier(ve, v) & valid
        v = xp.where(pick, ve, v)
        idx = xp.where(pick, ie, idx)
        s *= 2
    return v, idx


def _cum_extreme(input, dim, greater, ret):
    from .indexing import gather
    x = input._array
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0 or x.size == 0:
        xp = xp_of(x)
        return ret(input.clone(), make(xp.zeros(x.shape, np.int64), input._device))
    xp = xp_of(x)
    if x.dtype.kind == "f":
        def earlier(e, c):       # NaN wins and stays (PyTorch propagates it)
            return ((e > c) if greater else (e < c)) | (xp.isnan(e) & ~xp.isnan(c))
    else:
        def earlier(e, c):
            return (e > c) if greater else (e < c)
    _, idx = _scan_extreme(x, d, earlier)
    idx_t = make(idx, input._device)
    return ret(gather(input, d, idx_t), idx_t)        # values via gather: the gradient flows to the argmax


@numpy_names
def cummax(input, dim):
    """Running maximum along ``dim`` and the index where it was attained (the latest on ties)."""
    return _cum_extreme(input, dim, True, return_cummax)


@numpy_names
def cummin(input, dim):
    """Running minimum along ``dim`` and the index where it was attained (the latest on ties)."""
    return _cum_extreme(input, dim, False, return_cummin)


def _logcumsumexp(x, d):
    xp = xp_of(x)
    v = x.copy()
    s = 1
    while s < x.shape[d]:
        v = xp.logaddexp(v, _shifted(v, s, d, -np.inf))
        s *= 2
    return v


class LogcumsumexpBackward0(Node):
    __slots__ = ("x", "out", "dim")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        # dx_j = sum_{i >= j} g_i exp(x_j - out_i), done in log space separately for g's two signs
        xp, d, x, out = xp_of(g), self.dim, self.x, self.out
        if g.ndim == 0:
            return (g.copy(),)

        def part(gp):
            with np.errstate(divide="ignore"):
                lg = xp.log(gp) - out
            rev = xp.flip(_logcumsumexp(xp.flip(lg, d), d), d)
            return xp.exp(rev + x)
        return ((part(xp.maximum(g, 0)) - part(xp.maximum(-g, 0))).astype(g.dtype, copy=False),)


@numpy_names
def logcumsumexp(input, dim):
    """``log(cumsum(exp(input)))`` along ``dim``, computed stably."""
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"logcumsumexp: expected a floating point tensor, got {input.dtype}")
    d = norm_dim(dim, x.ndim)
    r = x.copy() if x.ndim == 0 or x.size == 0 else _logcumsumexp(x, d)
    out = make(r, input._device)
    record(out, LogcumsumexpBackward0, (input,), None, x=x, out=r, dim=d)
    return out


def _slice(t, d, lo, hi):
    return t[(slice(None),) * d + (slice(lo, hi),)]


@numpy_names
def diff(input, n=1, dim=-1, prepend=None, append=None):
    """``n``-th forward difference along ``dim`` (``prepend``/``append`` joined first); bool uses xor."""
    from .combine import cat
    x = input._array
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = norm_dim(dim, x.ndim)
    parts = [p for p in (prepend, input, append) if p is not None]
    if len(parts) > 1:
        for p in parts:
            if not isinstance(p, Tensor):
                raise TypeError(f"diff(): prepend and append must be Tensors, got {type(p).__name__}")
        input = cat(parts, d)
    for _ in range(n):
        m = input._array.shape[d]
        if m == 0:
            break
        a, b = _slice(input, d, 1, m), _slice(input, d, 0, m - 1)
        input = (a != b) if input._array.dtype == np.bool_ else a - b
    return input


def _spacing_like(y, x, d, name):
    """``x`` as a tensor broadcastable against ``y`` along ``d`` (a 1-D ``x`` lies along ``d``)."""
    from .shape import reshape
    if x._array.ndim == 1 and y._array.ndim != 1:
        shape = [1] * y._array.ndim
        shape[d] = x._array.shape[0]
        x = reshape(x, shape)
    return x


def _trapezoid_parts(y, x, dx, dim, name):
    if not isinstance(y, Tensor):
        raise TypeError(f"{name}(): y must be a Tensor, got {type(y).__name__}")
    if y._array.ndim == 0:
        raise IndexError(f"{name}: Dimension out of range (expected to be in range of [-1, 0], but got {dim})")
    d = norm_dim(dim, y._array.ndim)
    m = y._array.shape[d]
    avg = (_slice(y, d, 1, m) + _slice(y, d, 0, m - 1)) / 2 if m else None
    if x is None:
        return avg, (1.0 if dx is None else dx), d
    if dx is not None:
        raise TypeError(f"{name}(): pass x or dx, not both")
    x = _spacing_like(y, x, d, name)
    xd = norm_dim(dim, x._array.ndim)
    if x._array.shape[xd] != m:
        raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
    return avg, diff(x, dim=xd), d


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """Integral of ``y`` along ``dim`` by the trapezoid rule, at points ``x`` or spacing ``dx``."""
    from .reduction import sum as _sum
    avg, h, d = _trapezoid_parts(y, x, dx, dim, "trapezoid")
    if avg is None or avg._array.shape[d] == 0:
        shape = y._array.shape[:d] + y._array.shape[d + 1:]
        dt = y._array.dtype if y._array.dtype.kind == "f" else np.float32
        return make(y._device.xp.zeros(shape, dt), y._device)
    return _sum(avg * h, d)


def trapz(y, x=None, *, dx=None, dim=-1):
    """Alias of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running trapezoid-rule integral along ``dim`` (one element shorter than ``y``)."""
    from .reduction import cumsum
    avg, h, d = _trapezoid_parts(y, x, dx, dim, "cumulative_trapezoid")
    if avg is None:
        return y
    return cumsum(avg * h, d)


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Central differences inside, one-sided at the edges (``edge_order=1``), one tensor per dim.

    ``spacing`` is a number, a list of numbers (one per dim) or a list of 1-D coordinate tensors."""
    from .combine import cat
    x = input._array
    if edge_order != 1:
        raise NotImplementedError("gradient: ember supports edge_order=1 only")
    dims = list(range(x.ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [norm_dim(d, x.ndim) for d in dims]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.")
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    out = []
    for d, h in zip(dims, spacings):
        n = x.shape[d]
        if n < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
        f0, f1 = _slice(input, d, 0, 1), _slice(input, d, 1, 2)
        fl, fm = _slice(input, d, n - 1, n), _slice(input, d, n - 2, n - 1)
        if isinstance(h, Tensor):
            shape = [1] * x.ndim
            shape[d] = n
            c = h.reshape(shape)
            hs = diff(c, dim=d)                       # n - 1 steps
            hl, hr = _slice(hs, d, 0, n - 2), _slice(hs, d, 1, n - 1)
            fp, fc, fn = _slice(input, d, 0, n - 2), _slice(input, d, 1, n - 1), _slice(input, d, 2, n)
            mid = (hl * hl * fn - hr * hr * fp + (hr * hr - hl * hl) * fc) / (hl * hr * (hl + hr))
            first, last = (f1 - f0) / _slice(hs, d, 0, 1), (fl - fm) / _slice(hs, d, n - 2, n - 1)
        else:
            mid = (_slice(input, d, 2, n) - _slice(input, d, 0, n - 2)) / (2 * h)
            first, last = (f1 - f0) / h, (fl - fm) / h
        out.append(cat([first, mid, last], d))
    return tuple(out)
