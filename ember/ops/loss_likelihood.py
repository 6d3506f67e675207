"""Likelihood losses for regression targets: Poisson and Gaussian negative log-likelihoods (compositions)."""
import math

from .elementwise import where
from .loss import _reduce, _reduction, _same_device
from .unary import exp, log
from ._util import Tensor, as_tensor_arg, make

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """``exp(x) - t x`` (``log_input``) or ``x - t log(x + eps)``; ``full`` adds Stirling's term for ``t > 1``."""
    reduction = _reduction(reduction, size_average, reduce)
    target = target if isinstance(target, Tensor) else as_tensor_arg(target, input, "poisson_nll_loss")
    _same_device("poisson_nll_loss", input, target)
    loss = exp(input) - target * input if log_input else input - target * log(input + eps)
    if full:
        safe = where(target > 1, target, 1.0)          # the term is masked to 0 for t <= 1; keep its log finite
        stirling = safe * log(safe) - safe + 0.5 * log(2 * math.pi * safe)
        loss = loss + where(target > 1, stirling, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """``0.5 (log(var) + (x - t)^2 / var)`` with ``var`` clamped at ``eps`` (the clamp passes gradients through, as
    PyTorch's in-place no-grad clamp does); ``var`` may lack the last dim or have size 1 in one dim."""
    target = target if isinstance(target, Tensor) else as_tensor_arg(target, input, "gaussian_nll_loss")
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = as_tensor_arg(float(var), input, "gaussian_nll_loss").expand_as(input)
    elif bool((var._array < 0).any()):
        raise ValueError("var has negative entry/entries")
    _same_device("gaussian_nll_loss", input, target, var)
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != ishape:
        if ishape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif not (len(ishape) == len(vshape) and sum(v for i, v in zip(ishape, vshape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    v = var._array
    var = var + make(var._device.xp.maximum(v, eps) - v, var._device)   # clamp forward, identity backward
    loss = 0.5 * (log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
