"""Losses with PyTorch's semantics (``reduction``, ``weight``, ``ignore_index``, ``label_smoothing``...).

``cross_entropy`` is one fused node: log-softmax, the weighted negative log-likelihood and label
smoothing forward, and ``softmax - target`` backward, without materialising intermediate tensors.
``mse_loss`` is one node too (``MseLossBackward0``, the graph the 60-minute blitz prints); L1, Huber... are
compositions of differentiable ops.
"""
import numpy as np

from ..autograd.node import Node
from .._kernels import lookup
from ._util import Tensor, as_tensor_arg, make, record, save_versions, xp_of

__all__ = ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss",
           "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div"]


def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:      # the deprecated pair of flags, as PyTorch maps it
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _rows(x, op):
    """``(M, C)`` rows of class scores from ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` input."""
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point input, got {x.dtype}")
    if x.ndim == 0:
        raise RuntimeError(f"{op}: input must have at least 1 dimension (the classes)")
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim == 2:
        return x
    return xp_of(x).moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _unrows(g2, shape):
    if len(shape) <= 2:
        return g2.reshape(shape)
    moved = (shape[0],) + tuple(shape[2:]) + (shape[1],)
    xp = xp_of(g2)
    return xp.ascontiguousarray(xp.moveaxis(g2.reshape(moved), -1, 1))


def _targets(target, x, c, ignore_index, op):
    """Flat int64 class indices, validated; a mask of the rows not ignored."""
    t = target._array
    if t.dtype.kind not in "iu":
        _bad_target_dtype(target, x)
    want = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    if t.shape != want:
        if x.ndim > 1 and t.ndim >= 1 and t.shape[0] != x.shape[0]:
            raise ValueError(f"Expected input batch_size ({x.shape[0]}) to match target batch_size ({t.shape[0]}).")
        raise RuntimeError(f"{op}: expected target of shape {list(want)}, got {list(t.shape)}")
    t = t.reshape(-1).astype(np.int64, copy=False)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"Target {int(t[bad][0])} is out of bounds.")
    return xp_of(t).where(valid, t, 0), valid


def _bad_target_dtype(target, x):
    # PyTorch's message, plus the two fixes: the commonest mistake is float labels for a classification loss
    raise RuntimeError(f"expected target dtype to be Long or Byte, but got {target.dtype._short} (class indices must "
                       f"be integers: use target.long(); class probabilities must have the input's shape "
                       f"{list(x.shape)})")


def _same_device(op, input, *others):
    for t in others:
        if isinstance(t, Tensor) and t._device is not input._device:
            from ..backend import check_same_device
            check_same_device(op, input._device, t._device)


def _no_grad_weight(weight, fn):
    if weight is not None and weight._requires_grad:
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument 'weight'. This input "
                           f"cannot have requires_grad True.")


def _class_weight(weight, c, dtype, op):
    if weight is None:
        return None
    _no_grad_weight(weight, "nll_loss_forward")
    w = weight._array
    if w.shape != (c,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {c} classes or no classes but got "
                           f"weight tensor of shape: {list(w.shape)}")
    return w.astype(dtype, copy=False)


def _log_softmax_rows(x2):
    xp = xp_of(x2)
    m = x2.max(axis=1, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    z = x2 - m
    return z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))


class _CrossEntropyBackward(Node):
    """``d loss / d logits = (softmax * sum(a) - a) * row scale`` with ``a`` the per-class coefficients."""
    __slots__ = ("logp", "tc", "coef", "dense", "scale", "xshape", "soft_grad", "reduction")
    _saved = ("logp", "dense", "coef")
    _fresh = True

    def _row_grad(self, g):
        if self.reduction == "none":
            return g.reshape(-1) * self.scale
        return xp_of(self.logp).full(self.logp.shape[0], g * self.scale, dtype=self.logp.dtype)

    def backward(self, g):
        nx, nt = self._next
        grow = self._row_grad(g)
        xp = xp_of(self.logp)
        p = xp.exp(self.logp)
        gx = gt = None
        if nx is not None:
            if self.dense is None:            # index targets without smoothing: ``a`` has one entry per row
                cw = self.coef * grow
                g2 = p * cw[:, None]
                g2[xp.arange(g2.shape[0]), self.tc] -= cw
            else:
                a = self.dense
                g2 = (p * a.sum(axis=1, keepdims=True) - a) * grow[:, None]
            gx = _unrows(g2.astype(self.logp.dtype, copy=False), self.xshape)
        if nt is not None:
            gt = _unrows(self.soft_grad * grow[:, None], self.xshape)
        return gx, gt


NllLossBackward0 = type("NllLossBackward0", (_CrossEntropyBackward,), {"__slots__": ()})
CrossEntropyBackward0 = type("CrossEntropyBackward0", (_CrossEntropyBackward,), {"__slots__": ()})


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy between logits ``input`` (classes on dim 1) and class indices or class probabilities."""
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _same_device("cross_entropy", input, target, weight)
    x = input._array
    xp = input._device.xp
    x2 = _rows(x, "cross_entropy")
    m, c = x2.shape
    w = _class_weight(weight, c, x.dtype, "cross_entropy")
    eps = label_smoothing
    soft = isinstance(target, Tensor) and target._array.dtype.kind == "f"
    fused = None if soft or not isinstance(target, Tensor) else lookup("cross_entropy", x)
    if fused is not None and target._array.dtype.kind in "iu":       # GPU kernels (ember/cuda/_fused_nn.py)
        out = fused(input, target, weight, ignore_index, reduction, label_smoothing)
        if out is not None:
            return out
    logp = _log_softmax_rows(x2)
    dense = soft_grad = tc = None
    if soft:
        if target._array.shape != x.shape:
            _bad_target_dtype(target, x)
        q = _rows(target._array.astype(x.dtype, copy=False), "cross_entropy")
        if eps:
            q = q * (1 - eps) + eps / c
        dense = q * w if w is not None else q
        rows = -(dense * logp).sum(axis=1)
        denom = m
        if target._requires_grad:
            soft_grad = -(logp * w if w is not None else logp) * (1 - eps)
        cls = CrossEntropyBackward0
    else:
        tc, valid = _targets(target, x, c, ignore_index, "cross_entropy")
        wv = (w[tc] if w is not None else xp.ones(m, x.dtype)) * valid
        rows = -xp.take_along_axis(logp, tc[:, None], axis=1)[:, 0] * wv
        denom = wv.sum()
        coef = wv
        if eps:
            smooth = -((logp * w).sum(axis=1) if w is not None else logp.sum(axis=1)) * valid
            rows = rows * (1 - eps) + smooth * (eps / c)
            dense = xp.zeros_like(logp)
            dense[xp.arange(m), tc] = (1 - eps) * wv
            dense += (eps / c) * (w if w is not None else 1) * valid[:, None]
        cls = NllLossBackward0
    out_arr, scale = _finish(rows, reduction, denom, x, target)
    out = make(out_arr, input._device)
    record(out, cls, (input, target if soft else None), save_versions(input), logp=logp, tc=tc,
           coef=None if soft else coef, dense=dense, scale=scale, xshape=x.shape, soft_grad=soft_grad,
           reduction=reduction)
    return out


def _finish(rows, reduction, denom, x, target):
    """The reduced loss array and the factor that turns the incoming gradient into a per-row one."""
    xp = xp_of(rows)
    if reduction == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = xp.asarray(rows.sum() / denom, x.dtype)
            if xp is not np:       # keep the scale on the device (no sync); 1/0 = inf gives the same NaNs
                return loss, 1.0 / denom
            return loss, (1.0 / denom if denom else np.nan)
    if reduction == "sum":
        return xp.asarray(rows.sum(), x.dtype), 1.0
    shape = x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()
    return rows.astype(x.dtype, copy=False).reshape(shape), 1.0


class _NllBackward(Node):
    """``nll_loss``: the gradient is ``-weight`` at each target index, zero elsewhere."""
    __slots__ = ("tc", "coef", "scale", "xshape", "reduction")
    _fresh = True

    def backward(self, g):
        grow = g.reshape(-1) * self.scale if self.reduction == "none" else g * self.scale
        m, xp = self.tc.shape[0], xp_of(g)
        g2 = xp.zeros((m, self.xshape[1] if len(self.xshape) > 1 else self.xshape[0]), g.dtype)
        g2[xp.arange(m), self.tc] = -self.coef * grow
        return (_unrows(g2, self.xshape),)


_NllBackward.__name__ = _NllBackward.__qualname__ = "NllLossBackward0"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (classes on dim 1) at the target indices."""
    reduction = _reduction(reduction, size_average, reduce)
    _same_device("nll_loss", input, target, weight)
    x = input._array
    x2 = _rows(x, "nll_loss")
    m, c = x2.shape
    w = _class_weight(weight, c, x.dtype, "nll_loss")
    tc, valid = _targets(target, x, c, ignore_index, "nll_loss")
    xp = input._device.xp
    wv = (w[tc] if w is not None else xp.ones(m, x.dtype)) * valid
    rows = -xp.take_along_axis(x2, tc[:, None], axis=1)[:, 0] * wv
    out_arr, scale = _finish(rows, reduction, wv.sum(), x, target)
    out = make(out_arr, input._device)
    record(out, _NllBackward, (input,), None, tc=tc, coef=wv, scale=scale, xshape=x.shape, reduction=reduction)
    return out


# ---- binary cross entropy ------------------------------------------------------------------------------

class BinaryCrossEntropyBackward0(Node):
    __slots__ = ("x", "t", "w", "scale")
    _saved = ("x", "t", "w")
    _fresh = True

    def backward(self, g):
        nx, nt = self._next
        x, t, w, xp = self.x, self.t, self.w, xp_of(g)
        gs = g * self.scale
        gx = gt = None
        if nx is not None:
            gx = gs * (x - t) / xp.maximum(x * (1 - x), 1e-12)
            if w is not None:
                gx = gx * w
        if nt is not None:
            gt = gs * (xp.maximum(xp.log1p(-x), -100) - xp.maximum(xp.log(x), -100))
            if w is not None:
                gt = gt * w
        return _sum_to_shape(gx, x.shape), _sum_to_shape(gt, t.shape)


def _sum_to_shape(g, shape):
    if g is None:
        return None
    from ._util import sum_to
    return sum_to(xp_of(g).broadcast_to(g, np.broadcast_shapes(g.shape, shape)), shape).astype(g.dtype, copy=False) \
        if g.shape != shape else g


def _pair_args(input, target, op):
    if not isinstance(target, Tensor):
        target = as_tensor_arg(target, input, op)
    if target._array.shape != input._array.shape:
        if op == "binary_cross_entropy_with_logits":
            raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) "
                         f"is deprecated. Please ensure they have the same size.")
    x = input._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype}")
    # PyTorch refuses integer (class-index style) targets here; the fix is target.float()
    hint = " (binary targets must be floating point: use target.float())"
    t = target._array
    if op == "binary_cross_entropy" and t.dtype != x.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._short} but expected {input.dtype._short}"
                           + (hint if t.dtype.kind != "f" else ""))
    if t.dtype.kind != "f":
        raise RuntimeError(f"result type {input.dtype._short} can't be cast to the desired output type "
                           f"{target.dtype._short}{hint}")
    return x, t.astype(x.dtype, copy=False), target


def _scale_for(reduction, n):
    return 1.0 / n if reduction == "mean" and n else 1.0


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """``-w * (t*log(x) + (1-t)*log(1-x))`` for probabilities ``x`` in [0, 1] (logs clamped at -100)."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t, target = _pair_args(input, target, "binary_cross_entropy")
    _same_device("binary_cross_entropy", input, weight)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1")
    _no_grad_weight(weight, "binary_cross_entropy")
    w = weight._array.astype(x.dtype, copy=False) if weight is not None else None
    xp = input._device.xp
    loss = -(t * xp.maximum(xp.log(x), -100) + (1 - t) * xp.maximum(xp.log1p(-x), -100))
    if w is not None:
        loss = loss * w
    out = make(_reduced_array(loss, reduction, x.dtype), input._device)
    record(out, BinaryCrossEntropyBackward0, (input, target), save_versions(input, target), x=x, t=t, w=w,
           scale=_scale_for(reduction, loss.size) if reduction != "none" else 1.0)
    return out


def _reduced_array(loss, reduction, dtype):
    xp = xp_of(loss)
    if reduction == "mean":
        return xp.asarray(loss.mean() if loss.size else np.nan, dtype)
    if reduction == "sum":
        return xp.asarray(loss.sum(), dtype)
    return loss.astype(dtype, copy=False)


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """``loss = w * ((1 - t) x + (1 + (pw - 1) t) softplus(-x))``, differentiated in ``x`` and ``t``."""
    __slots__ = ("x", "t", "w", "pw", "scale")
    _saved = ("x", "t", "w", "pw")
    _fresh = True

    def backward(self, g):
        nx, nt = self._next
        x, t, w, pw = self.x, self.t, self.w, self.pw
        xp = xp_of(g)
        wg = g * self.scale * w if w is not None else g * self.scale
        gx = gt = None
        if nx is not None:
            lw = 1 + (pw - 1) * t if pw is not None else 1
            gx = wg * ((1 - t) - lw * (0.5 - 0.5 * xp.tanh(0.5 * x)))     # sigmoid(-x), stably
        if nt is not None:
            sp = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))          # softplus(-x)
            gt = wg * (-x + ((pw - 1) * sp if pw is not None else 0))
        return _sum_to_shape(gx, x.shape), _sum_to_shape(gt, t.shape)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid + binary cross entropy in one stable expression; ``pos_weight`` weights positive examples."""
    reduction = _reduction(reduction, size_average, reduce)
    x, t, target = _pair_args(input, target, "binary_cross_entropy_with_logits")
    _same_device("binary_cross_entropy_with_logits", input, weight, pos_weight)
    for arg, name in ((weight, "weight"), (pos_weight, "pos_weight")):
        if arg is not None and arg._requires_grad:
            raise RuntimeError(f"The function 'binary_cross_entropy_with_logits' is not differentiable with respect "
                               f"to argument '{name}'. This input cannot have requires_grad True.")
    w = weight._array.astype(x.dtype, copy=False) if weight is not None else None
    pw = pos_weight._array.astype(x.dtype, copy=False) if pos_weight is not None else None
    xp = input._device.xp
    sp = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))             # softplus(-x) = -log(sigmoid(x))
    lw = 1 + (pw - 1) * t if pw is not None else 1
    loss = (1 - t) * x + lw * sp
    if w is not None:
        loss = loss * w
    out = make(_reduced_array(loss, reduction, x.dtype), input._device)
    record(out, BinaryCrossEntropyWithLogitsBackward0, (input, target),
           save_versions(input, target), x=x, t=t, w=w, pw=pw,
           scale=_scale_for(reduction, loss.size) if reduction != "none" else 1.0)
    return out


# ---- regression losses (compositions) ------------------------------------------------------------------

def _target(input, target, op):
    target = target if isinstance(target, Tensor) else as_tensor_arg(target, input, op)
    if target._array.shape != input._array.shape:
        # PyTorch's warning for the commonest regression bug: (N, 1) outputs against (N,) targets broadcast to (N, N)
        import warnings
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have the "
                      f"same size.", UserWarning, stacklevel=3)
    return target


def _diff(input, target, op):
    return input - _target(input, target, op)


class MseLossBackward0(Node):
    """``2 (x - t) / n`` for the input and its negation for the target, summed back over broadcast dims."""
    __slots__ = ("d", "scale", "x_meta", "t_meta")
    _saved = ("d",)
    _fresh = True

    def backward(self, g):
        nx, nt = self._next
        gd = g * (2 * self.scale) * self.d
        gx = _sum_to_shape(gd, self.x_meta[0]).astype(self.x_meta[1], copy=False) if nx is not None else None
        gt = _sum_to_shape(-gd, self.t_meta[0]).astype(self.t_meta[1], copy=False) if nt is not None else None
        return gx, gt


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean squared error (``reduction`` 'mean', 'sum' or 'none'); one graph node, as PyTorch's."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _target(input, target, "mse_loss")
    from ..autograd.grad_mode import no_grad
    with no_grad():
        d = (input - target)._array
    sq = d * d
    out = make(_reduced_array(sq, reduction, sq.dtype), input._device)
    record(out, MseLossBackward0, (input, target), None, d=d,
           scale=_scale_for(reduction, sq.size) if reduction != "none" else 1.0,
           x_meta=(input._array.shape, input._array.dtype), t_meta=(target._array.shape, target._array.dtype))
    return out


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Mean absolute error."""
    reduction = _reduction(reduction, size_average, reduce)
    return _reduce(_diff(input, target, "l1_loss").abs(), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic below ``beta``, linear above (``0.5 d^2 / beta`` or ``|d| - 0.5 beta``)."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    d = _diff(input, target, "smooth_l1_loss")
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    from .elementwise import where
    return _reduce(where(a < beta, d * d * (0.5 / beta), a - 0.5 * beta), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):
    """``0.5 d^2`` below ``delta``, ``delta * (|d| - 0.5 delta)`` above."""
    reduction = _reduction(reduction)
    d = _diff(input, target, "huber_loss")
    a = d.abs()
    from .elementwise import where
    return _reduce(where(a < delta, d * d * 0.5, (a - 0.5 * delta) * delta), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` with log-probabilities ``input``; 'batchmean' divides by the batch."""
    if reduction == "batchmean":
        red = "sum"
    else:
        red = _reduction(reduction, size_average, reduce)
    from .elementwise import where
    from .unary import exp, log
    if log_target:
        loss = exp(target) * (target - input)
    else:
        safe = where(target > 0, target, 1.0)
        loss = where(target > 0, target * log(safe), 0.0) - target * input
    out = _reduce(loss, red)
    if reduction == "batchmean" and input._array.ndim:
        out = out / input._array.shape[0]
    return out

