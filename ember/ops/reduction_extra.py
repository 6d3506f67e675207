"""More reductions: ``nansum``, ``nanmean``, ``kthvalue``, ``mode``, ``dist``, ``renorm``, ``cov``,
``corrcoef`` and ``histogram``.

Values that come from a position of the input (kthvalue, mode) are gathered at the chosen indices, so the
gradient reaches that element; the rest are compositions of differentiable ops.
"""

import numpy as np

from ..return_types import structseq
from ._util import Tensor, make, norm_dim, xp_of
from .numpy_names import numpy_names

__all__ = ["nansum", "nanmean", "kthvalue", "mode", "dist", "renorm", "renorm_", "cov", "corrcoef", "histogram"]

return_kthvalue = structseq("kthvalue", ["values", "indices"])
return_mode = structseq("mode", ["values", "indices"])
return_histogram = structseq("histogram", ["hist", "bin_edges"])


def _isnan(input):
    from .compare import isnan
    return isnan(input)


@numpy_names
def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """``sum`` treating NaN as zero."""
    from .indexing import masked_fill
    from .reduction import sum as _sum
    if input._array.dtype.kind == "f":
        input = masked_fill(input, _isnan(input), 0)
    return _sum(input, dim, keepdim, dtype=dtype)


@numpy_names
def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """``mean`` over the non-NaN elements."""
    from .reduction import sum as _sum
    if input._array.dtype.kind != "f" and dtype is None:
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {input.dtype}")
    count = _sum(~_isnan(input), dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def _select_along(input, idx, d, keepdim):
    """Values of ``input`` at the int64 array ``idx`` (keepdim shape) along ``d``, plus the indices."""
    from .indexing import gather
    from .shape import squeeze
    it = make(idx, input._device)
    vals = gather(input, d, it)
    if not keepdim:
        vals, it = squeeze(vals, d), squeeze(it, d)
    return vals, it


@numpy_names
def kthvalue(input, k, dim=-1, keepdim=False):
    """The ``k``-th smallest value along ``dim`` (1-based) and its index."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if x.ndim == 0:
        return return_kthvalue(input.clone(), make(xp_of(x).zeros((), np.int64), input._device))
    from .sorting import _sorted_indices
    idx = _sorted_indices(x, d, False)
    idx = idx[(slice(None),) * d + (slice(k - 1, k),)].astype(np.int64)
    return return_kthvalue(*_select_along(input, idx, d, keepdim))


@numpy_names
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and the index of
    its last occurrence, as PyTorch returns."""
    x = input._array
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        return return_mode(input.clone(), make(xp_of(x).zeros((), np.int64), input._device))
    n = x.shape[d]
    if n == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    xp = xp_of(x)
    xm = xp.moveaxis(x, d, -1)
    order = xp.argsort(xm, axis=-1, kind="stable")          # ties keep index order: a run ends at the last one
    s = xp.take_along_axis(xm, order, axis=-1)
    pos = xp.arange(n)
    new_run = xp.concatenate([xp.ones(s.shape[:-1] + (1,), bool), s[..., 1:] != s[..., :-1]], axis=-1)
    start = xp.where(new_run, pos, 0)
    for_run = _running_max(start)                           # where each element's run started
    length = pos - for_run + 1
    ends = xp.concatenate([new_run[..., 1:], xp.ones(s.shape[:-1] + (1,), bool)], axis=-1)
    score = xp.where(ends, length, -1)
    best = xp.argmax(score, axis=-1)[..., None]             # first maximum: the smallest value
    idx = xp.take_along_axis(order, best, axis=-1).astype(np.int64)
    idx = xp.moveaxis(idx, -1, d)
    return return_mode(*_select_along(input, xp.ascontiguousarray(idx), d, keepdim))


def _running_max(a):
    """Running maximum along the last axis by log-step passes (CuPy has no ``maximum.accumulate``)."""
    xp = xp_of(a)
    n, s = a.shape[-1], 1
    while s < n:
        shifted = xp.concatenate([xp.zeros(a.shape[:-1] + (s,), a.dtype), a[..., :n - s]], axis=-1)
        a = xp.maximum(a, shifted)
        s *= 2
    return a


def dist(input, other, p=2):
    """The ``p``-norm of ``input - other``."""
    from .reduction import norm
    return norm(input - other, p)


def renorm(input, p, dim, maxnorm):
    """Each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``."""
    from .elementwise import where
    from .reduction import norm
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor, got {input.dtype}")
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    d = norm_dim(dim, x.ndim)
    others = tuple(i for i in range(x.ndim) if i != d)
    nrm = norm(input, p, others, keepdim=True)
    factor = where(nrm > maxnorm, maxnorm / (nrm + 1e-7), 1.0)
    return input * factor


def _as_float(t):
    if t._array.dtype.kind != "f":
        from .. import dtypes
        return t.to(dtypes.get_default_dtype())
    return t


def cov(input, *, correction=1, fweights=None, aweights=None):
    """Covariance of the variables in ``input``'s rows (observations in columns), optionally weighted."""
    from .linalg import matmul
    from .reduction import sum as _sum
    from .shape import reshape
    x = input._array
    if x.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                         f"dimensions")
    t = _as_float(reshape(input, (1, -1)) if x.ndim < 2 else input)
    n = t._array.shape[1]
    w = None
    if fweights is not None:
        fw = fweights._array
        if fw.ndim > 1 or fw.dtype.kind not in "iu":
            raise ValueError("cov(): expected fweights to be a 1-D integer tensor")
        if fw.shape[0] != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fw.shape[0]} != {n}")
        if fw.size and bool((fw < 0).any()):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights
    if aweights is not None:
        aw = aweights._array
        if aw.ndim > 1 or aw.dtype.kind != "f":
            raise ValueError("cov(): expected aweights to be a 1-D floating point tensor")
        if aw.shape[0] != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aw.shape[0]} != {n}")
        if aw.size and bool((aw < 0).any()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights if w is None else w * aweights
    if w is None:
        w_sum = make(xp_of(x).asarray(n, t._array.dtype), t._device)
        avg = _sum(t, 1, keepdim=True) / n
    else:
        w = _as_float(w).to(t.dtype)
        w_sum = _sum(w)
        avg = _sum(t * w, 1, keepdim=True) / w_sum
    if correction == 0:
        norm_factor = w_sum
    elif aweights is None:
        norm_factor = w_sum - correction
    else:
        norm_factor = w_sum - correction * _sum(w * aweights) / w_sum
    norm_factor = norm_factor.clamp(min=0)
    xm = t - avg
    xw = xm if w is None else xm * w
    c = matmul(xw, xm.mT) / norm_factor
    return reshape(c, ()) if c._array.shape == (1, 1) else c       # one variable: a 0-d result, as PyTorch


def corrcoef(input):
    """Pearson correlation coefficients of the rows of ``input`` (clipped to [-1, 1])."""
    from .shape import diagonal, reshape
    c = cov(input)
    if c._array.ndim == 0:
        return c / c
    dg = diagonal(c)
    sd = dg.sqrt()
    c = c / reshape(sd, (-1, 1)) / reshape(sd, (1, -1))
    return c.clamp(-1, 1)


def histogram(input, bins, *, range=None, weight=None, density=False):
    """Counts (or summed ``weight``) of ``input``'s elements in ``bins`` equal bins over ``range`` (default
    min..max) or between the edges of a 1-D ``bins`` tensor; ``density`` normalises to a unit integral."""
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                           f"input {input.dtype}")
    xp, dev = xp_of(x), input._device
    flat = x.reshape(-1)
    if isinstance(bins, Tensor):
        if bins._array.ndim != 1 or bins._array.shape[0] < 1:
            raise RuntimeError("torch.histogram(): bins tensor should have one dimension and at least 1 entry")
        if bins._array.dtype != x.dtype:
            raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                               f"input {input.dtype} and bins {bins.dtype}")
        edges = bins._array.copy()
        if edges.size > 1 and bool((edges[1:] < edges[:-1]).any()):
            raise RuntimeError("torch.histogram(): bin edges must be monotonically non-decreasing")
    else:
        if not isinstance(bins, (int, np.integer)) or bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins}")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif flat.size:
            lo, hi = float(flat.min()), float(flat.max())
        else:
            lo, hi = 0.0, 1.0               # PyTorch's default range for an empty input
        if lo > hi:
            raise RuntimeError(f"torch.histogram(): max must be larger than min, got min {lo} and max {hi}")
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise RuntimeError(f"torch.histogram(): range of [{lo}, {hi}] is not finite")
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = xp.linspace(lo, hi, int(bins) + 1).astype(x.dtype)
    nb = edges.shape[0] - 1
    if weight is not None:
        if weight._array.shape != x.shape:
            raise RuntimeError(f"torch.histogram(): if weight tensor is provided it should have the same shape as the "
                               f"input tensor excluding its innermost dimension, but got input shape "
                               f"{list(x.shape)} and weight shape {list(weight._array.shape)}")
        wt = weight._array.reshape(-1).astype(np.float64)
    else:
        wt = xp.ones(flat.shape, np.float64)
    pos = xp.searchsorted(edges, flat, side="right") - 1
    pos = xp.where(flat == edges[-1], nb - 1, pos)           # the last bin is closed on the right
    inside = (pos >= 0) & (pos < nb) & (flat >= edges[0]) & (flat <= edges[-1])
    pos = xp.where(inside, pos, 0)
    hist = xp.bincount(pos, weights=xp.where(inside, wt, 0), minlength=max(nb, 1))[:nb] if flat.size \
        else xp.zeros(nb, np.float64)
    if density:
        widths = (edges[1:] - edges[:-1]).astype(np.float64)
        hist = hist / (hist.sum() * widths)
    return return_histogram(make(hist.astype(x.dtype), dev), make(edges, dev))


def renorm_(self, p, dim, maxnorm):
    """In-place ``renorm``."""
    from .inplace import apply_inplace
    # the norm node inside saves its input: give it a copy, so writing into ``self`` leaves it valid
    return apply_inplace(self, lambda t, *a: renorm(t.clone(), *a), p, dim, maxnorm)
