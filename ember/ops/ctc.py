"""Connectionist temporal classification loss: the alpha recursion in log space forward, the beta recursion backward.

Both recursions run over time in Python, vectorised over the batch and the extended label sequence (the targets
interleaved with blanks). The gradient is PyTorch's: ``exp(log_probs) - occupancy / p`` per class, which is the true
gradient once ``log_probs`` come from ``log_softmax`` (the form PyTorch returns, also for free ``log_probs``).
"""
import numpy as np

from ..autograd.node import Node
from .loss import _reduction, _same_device
from ._util import Tensor, make, record, save_versions, xp_of

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _lse3(a, b, c):
    xp = xp_of(a)
    return xp.logaddexp(xp.logaddexp(a, b), c)


def _shift(a, k):
    """``a`` moved ``k`` places right along the last axis (``-inf`` fills), or left for negative ``k``."""
    xp = xp_of(a)
    out = xp.full_like(a, False if a.dtype == bool else _NEG)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


class CtcLossBackward0(Node):
    __slots__ = ("lp", "ext", "skip", "alpha", "nll", "ilen", "elen", "scale", "zero_inf", "unbatched")
    _saved = ("lp", "alpha")
    _fresh = True

    def backward(self, g):
        lp, ext, alpha, ilen, elen = self.lp, self.ext, self.alpha, self.ilen, self.elen
        xp = xp_of(lp)
        t_max, n, c = lp.shape
        lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (t_max,) + ext.shape), axis=2)   # (T, N, L)
        s_idx = xp.arange(ext.shape[1])[None, :]
        ends = (s_idx == elen[:, None] - 1) | (s_idx == elen[:, None] - 2)
        beta = xp.full_like(lpe, _NEG)
        nxt = xp.full((n, ext.shape[1]), _NEG, lp.dtype)
        for t in range(t_max - 1, -1, -1):
            rec = lpe[t] + _lse3(nxt, _shift(nxt, -1), xp.where(_shift(self.skip, -2), _shift(nxt, -2), _NEG))
            init = xp.where(ends, lpe[t], _NEG)
            cur = xp.where((t == ilen - 1)[:, None], init, xp.where((t < ilen - 1)[:, None], rec, _NEG))
            beta[t] = cur
            nxt = cur
        nll = self.nll
        with np.errstate(invalid="ignore", over="ignore"):
            occ = xp.exp(alpha + beta + nll[None, :, None] - lpe)                      # (T, N, L)
            onehot = (ext[:, :, None] == xp.arange(c)).astype(lp.dtype)               # (N, L, C)
            occ_c = xp.matmul(xp.moveaxis(occ, 0, 1), onehot)                         # (N, T, C)
            grad = xp.exp(lp) - xp.moveaxis(occ_c, 1, 0)
        gn = xp.broadcast_to(g, (n,)) if g.ndim == 0 else g.reshape(n)
        gn = gn * self.scale
        keep = xp.arange(t_max)[:, None] < ilen[None, :]                                # (T, N)
        if self.zero_inf:
            keep = keep & ~xp.isinf(nll)[None, :]
        grad = xp.where(keep[:, :, None], grad * gn[None, :, None], 0).astype(lp.dtype, copy=False)
        return (grad.reshape(t_max, c) if self.unbatched else grad), None


def _lengths(v, n, xp, what):
    """``(host, device)`` int64 copies of the lengths: the checks and sizes read the host one, so CPU lengths (the
    usual case) cost no device sync; device lengths are copied to the host once, as PyTorch does."""
    h = v.detach().cpu()._array if isinstance(v, Tensor) else np.asarray(v, dtype=np.int64)
    if h.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: {what} must be integers, got {h.dtype}")
    h = h.reshape(-1).astype(np.int64, copy=False)
    if h.shape[0] != n:
        raise RuntimeError(f"ctc_loss: expected {what} to have {n} entries (the batch size), got {h.shape[0]}")
    if isinstance(v, Tensor) and v._device.xp is xp:
        return h, v._array.reshape(-1).astype(np.int64, copy=False)
    return h, xp.asarray(h)


def _padded_targets(targets, tlen_h, tlen, n, xp):
    t = targets._array
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"ctc_loss: targets must be integer class indices, got {targets.dtype}")
    t = t.astype(np.int64, copy=False)
    s_max = int(tlen_h.max()) if n else 0
    if t.ndim == 2:
        if t.shape[0] != n or t.shape[1] < s_max:
            raise RuntimeError(f"ctc_loss: expected padded targets of shape ({n}, >= {s_max}), got {list(t.shape)}")
        return t[:, :s_max]
    if t.ndim != 1:
        raise RuntimeError(f"ctc_loss: targets must be 1-D (concatenated) or 2-D (padded), got {t.ndim}-D")
    if int(tlen_h.sum()) != t.shape[0]:
        raise RuntimeError(f"ctc_loss: concatenated targets have {t.shape[0]} labels but target_lengths sum to "
                           f"{int(tlen_h.sum())}")
    starts = xp.cumsum(tlen) - tlen
    idx = starts[:, None] + xp.arange(s_max)[None, :]
    return t[xp.minimum(idx, max(t.shape[0] - 1, 0))] if t.shape[0] else xp.zeros((n, s_max), np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean", zero_infinity=False):
    """CTC loss of log-probabilities ``(T, N, C)`` (or ``(T, C)``) against padded ``(N, S)`` or concatenated targets.
    'mean' divides each loss by its target length, then averages over the batch."""
    reduction = _reduction(reduction)
    _same_device("ctc_loss", log_probs, targets)
    lp = log_probs._array
    if lp.dtype.kind != "f":
        raise RuntimeError(f"ctc_loss: expected floating-point log_probs, got {log_probs.dtype}")
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None]
        targets = targets.unsqueeze(0) if targets.dim() == 1 else targets
    if lp.ndim != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got {list(log_probs.shape)}")
    t_max, n, c = lp.shape
    if not 0 <= blank < c:
        raise RuntimeError(f"ctc_loss: blank must be in label range [0, {c}), got {blank}")
    xp = log_probs._device.xp
    ilen_h, ilen = _lengths(input_lengths, n, xp, "input_lengths")
    tlen_h, tlen = _lengths(target_lengths, n, xp, "target_lengths")
    if n and (int(ilen_h.max()) > t_max or int(ilen_h.min()) < 0):
        raise RuntimeError(f"ctc_loss: input_lengths must be in [0, {t_max}], got max {int(ilen_h.max())}")
    if n and int(tlen_h.min()) < 0:
        raise RuntimeError("ctc_loss: target_lengths must be non-negative")
    tg = _padded_targets(targets, tlen_h, tlen, n, xp)
    s_max = tg.shape[1]
    in_seq = xp.arange(s_max)[None, :] < tlen[:, None]
    if bool((in_seq & ((tg < 0) | (tg >= c) | (tg == blank))).any()):
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {c}) and differ from blank ({blank})")
    # extended labels: blank, l1, blank, l2, ..., blank; a label may skip the blank before it unless it repeats
    ext = xp.full((n, 2 * s_max + 1), blank, np.int64)
    ext[:, 1::2] = xp.where(in_seq, tg, blank)
    skip = xp.zeros(ext.shape, bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    elen = 2 * tlen + 1
    lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (t_max,) + ext.shape), axis=2)
    alpha = xp.full_like(lpe, _NEG)
    s_idx = xp.arange(ext.shape[1])[None, :]
    prev = xp.where(s_idx < xp.minimum(elen, 2)[:, None], lpe[0], _NEG) if t_max else None
    for t in range(t_max):
        if t:
            rec = lpe[t] + _lse3(prev, _shift(prev, 1), xp.where(skip, _shift(prev, 2), _NEG))
            prev = xp.where((t < ilen)[:, None], rec, _NEG)
        alpha[t] = prev
    last = xp.maximum(ilen - 1, 0)
    fin = alpha[last, xp.arange(n)] if t_max else xp.full((n, ext.shape[1]), _NEG, lp.dtype)   # (N, L)
    a1 = xp.take_along_axis(fin, (elen - 1)[:, None], axis=1)[:, 0]
    a2 = xp.take_along_axis(fin, xp.maximum(elen - 2, 0)[:, None], axis=1)[:, 0]
    a2 = xp.where(elen >= 2, a2, _NEG)
    nll = -xp.logaddexp(a1, a2)
    nll = xp.where(ilen > 0, nll, xp.where(tlen == 0, 0.0, np.inf)).astype(lp.dtype)
    loss = xp.where(xp.isinf(nll), 0.0, nll).astype(lp.dtype) if zero_infinity else nll
    if reduction == "mean":
        scale = 1.0 / (xp.maximum(tlen, 1).astype(lp.dtype) * max(n, 1))
        out_arr = (loss * scale).sum().astype(lp.dtype)
    elif reduction == "sum":
        scale = xp.ones(n, lp.dtype)
        out_arr = loss.sum().astype(lp.dtype)
    else:
        scale = xp.ones(n, lp.dtype)
        out_arr = loss[0] if unbatched else loss
    out = make(xp.asarray(out_arr, lp.dtype), log_probs._device)
    record(out, CtcLossBackward0, (log_probs, targets), save_versions(log_probs), lp=lp, ext=ext, skip=skip,
           alpha=alpha, nll=nll, ilen=ilen, elen=elen, scale=scale.astype(lp.dtype, copy=False),
           zero_inf=zero_infinity, unbatched=unbatched)
    return out
