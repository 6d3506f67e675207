"""Order statistics: ``median``, ``nanmedian``, ``quantile``, ``nanquantile``.

The chosen positions are found on arrays (a stable sort; NaN sorts last), the values are then picked with
the differentiable ``gather``/``sort``, so gradients flow to the selected (or interpolated) elements.
"""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from ._util import Tensor, make, norm_dim, record, save_versions, xp_of
from .numpy_names import numpy_names

__all__ = ["median", "nanmedian", "quantile", "nanquantile"]

return_median = structseq("median", ["values", "indices"])
return_nanmedian = structseq("nanmedian", ["values", "indices"])
_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


class EvenlyDistributeBackward(Node):
    """A whole-tensor median's gradient, shared evenly by every element equal to it (NaNs if it is NaN)."""
    __slots__ = ("x", "v")
    _saved = ("x",)
    _fresh = True

    def backward(self, g):
        xp, x, v = xp_of(g), self.x, self.v
        mask = (x == v) | (xp.isnan(x) & xp.isnan(v)) if x.dtype.kind == "f" else x == v
        return (mask * (g / xp.maximum(mask.sum(), 1)).astype(x.dtype),)      # max: an empty input has no share


def _median(input, dim, keepdim, ignore_nan, name):
    from .indexing import gather
    from .shape import clone, squeeze
    x, xp = input._array, input._device.xp
    if dim is None:
        if x.size == 0:
            v = xp.full((), np.nan, x.dtype if x.dtype.kind == "f" else np.float32)
        else:
            v = x.reshape(-1)[_middle(x.reshape(-1), 0, ignore_nan, xp)].reshape(())
        out = make(v, input._device)
        record(out, EvenlyDistributeBackward, (input,), save_versions(input), x=x, v=v)
        return out
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        tup = return_nanmedian if ignore_nan else return_median
        return tup(clone(input), make(xp.zeros((), np.int64), input._device))
    if x.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    idx = make(_middle(x, d, ignore_nan, xp), input._device)
    values = gather(input, d, idx)
    if not keepdim:
        values, idx = squeeze(values, d), squeeze(idx, d)
    return (return_nanmedian if ignore_nan else return_median)(values, idx)


def _middle(x, d, ignore_nan, xp):
    """Index (keepdim shape, int64) along ``d`` of the lower median; of the first NaN where one is present
    (``median``) or among the non-NaN values only (``nanmedian``)."""
    order = xp.argsort(x, axis=d, kind="stable")
    n = x.shape[d]
    if x.dtype.kind == "f":
        nans = xp.isnan(x).sum(axis=d, keepdims=True)
    else:
        nans = xp.zeros((1,) * x.ndim, np.int64)
    if ignore_nan:
        k = xp.maximum((n - nans - 1) // 2, 0)
    else:
        k = xp.where(nans > 0, n - nans, (n - 1) // 2)
    return xp.take_along_axis(order, k.astype(np.int64), axis=d).astype(np.int64)


@numpy_names
def median(input, dim=None, keepdim=False):
    """The lower of the two middle values (NaN if any is NaN); with ``dim``, ``(values, indices)``."""
    return _median(input, dim, keepdim, False, "median")


@numpy_names
def nanmedian(input, dim=None, keepdim=False):
    """``median`` ignoring NaNs (NaN only where every value is NaN)."""
    return _median(input, dim, keepdim, True, "nanmedian")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, name):
    from .elementwise import add, mul, sub
    from .indexing import gather
    from .shape import movedim, reshape, squeeze, unsqueeze
    from .sorting import sort
    x, xp, dev = input._array, input._device.xp, input._device
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _MODES:
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    if isinstance(q, Tensor):
        if q._array.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._array.dtype != x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        qa, scalar_q = q._array.reshape(-1), q._array.ndim == 0
    else:
        if not 0 <= float(q) <= 1:         # checked on the host: no device sync for a Python q
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        qa, scalar_q = xp.asarray([float(q)], dtype=x.dtype), True
    if isinstance(q, Tensor) and qa.size and not bool(((qa >= 0) & (qa <= 1)).all()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if x.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if dim is None:
        rows, d = reshape(input, (-1,)), None
    else:
        d = norm_dim(dim, x.ndim)
        rows = movedim(input, d, -1) if x.ndim else reshape(input, (1,))
    vals = sort(rows, -1).values                            # (..., n), NaN last
    n = vals._array.shape[-1]
    nans = xp.isnan(rows._array).sum(axis=-1, keepdims=True)
    if ignore_nan:
        ranks = qa * xp.maximum(n - nans - 1, 0).astype(x.dtype)
    else:           # a row with a NaN gives NaN: point at the last (NaN) value
        ranks = xp.where(nans > 0, float(n - 1), qa * (n - 1))
    lo, hi = xp.floor(ranks), xp.ceil(ranks)
    if interpolation == "nearest":
        lo = hi = xp.round(ranks)           # half to even, as PyTorch's round
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    below = gather(vals, -1, make(lo.astype(np.int64), dev))
    if interpolation in ("linear", "midpoint"):
        above = gather(vals, -1, make(hi.astype(np.int64), dev))
        w = ranks - lo if interpolation == "linear" else xp.full(ranks.shape, 0.5, x.dtype)
        below = add(below, mul(make(w.astype(x.dtype), dev), sub(above, below)))
    out = below                                             # (..., Q)
    if keepdim:
        out = reshape(out, (1,) * x.ndim + out.shape[-1:]) if d is None else unsqueeze(out, d)
    out = movedim(out, -1, 0)
    return squeeze(out, 0) if scalar_q else out


@numpy_names
def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The ``q``-th quantiles (a number or a 0-d/1-D tensor; a 1-D ``q`` adds a leading dim) over ``dim``."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@numpy_names
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """``quantile`` ignoring NaNs (NaN only where a row is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")
