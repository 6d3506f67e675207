"""Margin and ranking losses (hinge, cosine embedding, soft margin, multi-class and multi-label margins, triplet with a
custom distance), composed of differentiable ops so autograd gives PyTorch's gradients."""
import numpy as np

from .elementwise import clamp, minimum, where
from .loss import _no_grad_weight, _reduce, _reduction, _same_device
from .unary import logsigmoid, softplus
from ._util import Tensor, as_tensor_arg, make

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
           "triplet_margin_with_distance_loss"]


def _arg(x, like, op):
    return x if isinstance(x, Tensor) else as_tensor_arg(x, like, op)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``max(0, -y * (x1 - x2) + margin)``: ``y = 1`` ranks ``x1`` first, ``y = -1`` ranks ``x2`` first."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _arg(target, input1, "margin_ranking_loss")
    if not input1.dim() == input2.dim() == target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {list(input1.shape)}, input2: {list(input2.shape)}, target: {list(target.shape)}")
    _same_device("margin_ranking_loss", input1, input2, target)
    return _reduce(clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """``x`` where ``y = 1``, ``max(0, margin - x)`` where ``y = -1`` (both terms for other labels, as PyTorch)."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _arg(target, input, "hinge_embedding_loss")
    _same_device("hinge_embedding_loss", input, target)
    loss = where(target != 1, clamp(margin - input, min=0), 0.0) + where(target != -1, input, 0.0)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``y = 1``, ``max(0, cos(x1, x2) - margin)`` where ``y = -1``."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _arg(target, input1, "cosine_embedding_loss")
    td = target.dim()
    if td > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != td + 1 or input2.dim() != td + 1:
        raise RuntimeError(f"cosine_embedding_loss(): {td}D target tensor expects {td + 1}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if tuple(input1.shape) != tuple(input2.shape):
        raise RuntimeError(f"cosine_embedding_loss(): input1 and input2 should have same size, but got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    _same_device("cosine_embedding_loss", input1, input2, target)
    eps = 1e-12                                       # PyTorch's guard against zero vectors
    prod = (input1 * input2).sum(td)
    den = (((input1 * input1).sum(td) + eps) * ((input2 * input2).sum(td) + eps)).sqrt()
    cos = prod / den
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, clamp(cos - margin, min=0), 0.0)
    return _reduce(loss, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-y x))``, computed stably as ``softplus(-y x)``."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _arg(target, input, "soft_margin_loss")
    _same_device("soft_margin_loss", input, target)
    if target._requires_grad:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    return _reduce(softplus(-target * input), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Per-class logistic loss averaged over the classes (the last dim), optionally weighted per class."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _arg(target, input, "multilabel_soft_margin_loss")
    _same_device("multilabel_soft_margin_loss", input, target, weight)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    dim = input.dim() - 1
    return _reduce(loss.sum(dim) / input.shape[dim], reduction)


def _class_rows(input, op):
    x = input._array
    if x.ndim not in (1, 2) or x.shape[-1] == 0:
        raise RuntimeError(f"{op}: expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(x.shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating-point input, got {input.dtype}")
    return input if x.ndim == 2 else input.reshape(1, -1)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``sum_{j, i} max(0, 1 - (x[y_j] - x[i])) / C`` over target classes ``y_j`` (listed first in ``target``, ended
    by -1) and non-target classes ``i``."""
    reduction = _reduction(reduction, size_average, reduce)
    _same_device("multilabel_margin_loss", input, target)
    x2 = _class_rows(input, "multilabel_margin_loss")
    t = target._array
    if t.dtype.kind not in "iu" or t.shape != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(t.shape)} for input of size: {list(input.shape)}")
    n, c = x2.shape
    xp = input._device.xp
    t = t.reshape(n, c).astype(np.int64, copy=False)
    valid = xp.cumprod(t != -1, axis=1).astype(bool)       # the targets before the first -1
    if (valid & ((t < 0) | (t >= c))).any():
        raise RuntimeError("multilabel_margin_loss: target out of range (class indices must be in [0, C) or -1)")
    tc = xp.where(valid, t, 0)
    is_target = ((tc[:, :, None] == xp.arange(c)) & valid[:, :, None]).any(axis=1)
    pair = valid[:, :, None] & ~is_target[:, None, :]      # (n, target slot j, class i)
    xy = x2.gather(1, make(tc, input._device))              # x[y_j]
    hinge = clamp(1 - xy.unsqueeze(2) + x2.unsqueeze(1), min=0) * make(pair.astype(x2._array.dtype), input._device)
    rows = hinge.sum((1, 2)) / c
    return _reduce(rows if input.dim() == 2 else rows.reshape(()), reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss ``sum_{i != y} w[y] * max(0, margin - x[y] + x[i])^p / C`` (``p`` 1 or 2)."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    _same_device("multi_margin_loss", input, target, weight)
    x2 = _class_rows(input, "multi_margin_loss")
    n, c = x2.shape
    t = target._array
    if t.dtype.kind not in "iu" or t.size != n or t.ndim > 1:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
                           f"samples (batch size). Expected target size [{n}], but got {list(t.shape)}. Input has "
                           f"shape {list(input.shape)}.")
    t = t.reshape(n).astype(np.int64, copy=False)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError("multi_margin_loss: target out of range")
    xp = input._device.xp
    xy = x2.gather(1, make(t[:, None], input._device))
    z = clamp(margin - xy + x2, min=0)
    if p == 2:
        z = z * z
    mask = (xp.arange(c)[None, :] != t[:, None]).astype(x2._array.dtype)
    if weight is not None:
        _no_grad_weight(weight, "multi_margin_loss")
        if weight._array.shape != (c,):
            raise RuntimeError(f"multi_margin_loss: expected weight to be None or 1D tensor with {c} elements, got "
                               f"{list(weight.shape)}")
        mask = mask * weight._array.astype(mask.dtype, copy=False)[t][:, None]
    rows = (z * make(mask, input._device)).sum(1) / c
    return _reduce(rows.reshape(t.shape if target.dim() else ()) if input.dim() == 1 else rows, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with any ``distance_function`` (default: the pairwise 2-distance)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           f"inputs")
    if distance_function is None:
        from .distance import pairwise_distance as distance_function
    d_pos = distance_function(anchor, positive)
    d_neg = distance_function(anchor, negative)
    if swap:
        d_neg = minimum(d_neg, distance_function(positive, negative))
    return _reduce(clamp(margin + d_pos - d_neg, min=0), reduction)
