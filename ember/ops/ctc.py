"""Connectionist temporal classification loss: the alpha recursion in log space forward, the beta recursion backward.

Both recursions run over time in Python, vectorised over the batch and the extended label sequence (the targets
interleaved with blanks). Each step is four or five array calls on preallocated buffers: alpha and beta live in
``(T, N, L + 2)`` arrays whose two extra ``-inf`` columns make the one- and two-label moves plain slices, the skip
rule is an additive ``0``/``-inf`` mask, and the label log-probabilities are ``-inf`` from each sequence's input
length on, which ends the alpha recursion and starts the beta one at the right step without a per-step select.
The gradient is PyTorch's: ``exp(log_probs) - occupancy / p`` per class, which is the true gradient once
``log_probs`` come from ``log_softmax`` (the form PyTorch returns, also for free ``log_probs``).
"""
import numpy as np

from ..autograd.node import Node
from .loss import _reduction, _same_device
from ._util import Tensor, make, record, save_versions, xp_of

__all__ = ["ctc_loss"]

_NEG = -np.inf


def _step(xp, prev, a, b, c, skip, lpe_t, out, tmp):
    """``out = lpe_t + logsumexp(prev[:, a], prev[:, b], prev[:, c] + skip)``; ``tmp`` is scratch of ``out``'s shape."""
    xp.add(prev[:, c], skip, out=tmp)
    xp.logaddexp(prev[:, a], prev[:, b], out=out)
    xp.logaddexp(out, tmp, out=out)
    xp.add(out, lpe_t, out=out)


class CtcLossBackward0(Node):
    __slots__ = ("lp", "lpe", "lpe_in", "ext", "skip", "alpha", "nll", "ilen", "elen", "scale", "zero_inf",
                 "unbatched")
    _saved = ("lp", "lpe", "lpe_in", "alpha")
    _fresh = True

    def backward(self, g):
        lp, lpe, lpe_in, ext, alpha, ilen, elen = self.lp, self.lpe, self.lpe_in, self.ext, self.alpha, self.ilen, \
            self.elen
        xp = xp_of(lp)
        t_max, n, c = lp.shape
        width = ext.shape[1]
        # beta[t, :, s] = buf[t, :, s]; columns width and width + 1 stay -inf. A sequence starts at its last input
        # step from its two final labels; there the recursion gives exactly -inf (lpe_in is -inf after that step),
        # so a maximum with ``start`` puts them in without a per-step select
        s_idx = xp.arange(width)[None, :]
        ends = (s_idx == elen[:, None] - 1) | (s_idx == elen[:, None] - 2)
        last = xp.arange(t_max)[:, None] == ilen[None, :] - 1                         # (T, N)
        start = xp.where(last[:, :, None] & ends[None], lpe, _NEG)
        skip_add = xp.full((n, width), _NEG, lp.dtype)
        skip_add[:, :-2] = xp.where(self.skip[:, 2:], 0, _NEG)                        # label s + 2 may skip to s
        buf = xp.full((t_max, n, width + 2), _NEG, lp.dtype)
        if t_max:
            buf[t_max - 1, :, :width] = start[t_max - 1]
        a, b, cc = slice(0, width), slice(1, width + 1), slice(2, width + 2)
        tmp = xp.empty((n, width), lp.dtype)
        for t in range(t_max - 2, -1, -1):
            cur = buf[t, :, :width]
            _step(xp, buf[t + 1], a, b, cc, skip_add, lpe_in[t], cur, tmp)
            xp.maximum(cur, start[t], out=cur)
        beta = buf[:, :, :width]
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
    width = ext.shape[1]
    lpe = xp.take_along_axis(lp, xp.broadcast_to(ext[None], (t_max,) + ext.shape), axis=2)       # (T, N, L)
    lpe_in = xp.where((xp.arange(t_max)[:, None] < ilen[None, :])[:, :, None], lpe, _NEG)     # -inf past a length
    skip_add = xp.where(skip, 0, _NEG).astype(lp.dtype)
    # alpha[t, :, s] = buf[t, :, s + 2]; columns 0 and 1 stay -inf, so the moves from s - 1 and s - 2 are slices
    buf = xp.full((t_max, n, width + 2), _NEG, lp.dtype)
    if t_max:
        s_idx = xp.arange(width)[None, :]
        buf[0, :, 2:] = xp.where(s_idx < xp.minimum(elen, 2)[:, None], lpe_in[0], _NEG)
    a, b, cc = slice(2, width + 2), slice(1, width + 1), slice(0, width)
    tmp = xp.empty((n, width), lp.dtype)
    for t in range(1, t_max):
        _step(xp, buf[t - 1], a, b, cc, skip_add, lpe_in[t], buf[t, :, 2:], tmp)
    alpha = buf[:, :, 2:]
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
    record(out, CtcLossBackward0, (log_probs, targets), save_versions(log_probs), lp=lp, lpe=lpe, lpe_in=lpe_in,
           ext=ext, skip=skip, alpha=alpha, nll=nll, ilen=ilen, elen=elen, scale=scale.astype(lp.dtype, copy=False),
           zero_inf=zero_infinity, unbatched=unbatched)
    return out
