"""``gumbel_softmax``: softmax of Gumbel-perturbed logits, with a straight-through one-hot option."""
import numpy as np

from ..random import _rng
from .softmax import softmax
from ._util import make, norm_dim

__all__ = ["gumbel_softmax"]


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """``softmax((logits + g) / tau)`` with ``g ~ Gumbel(0, 1)``; ``hard`` returns the one-hot argmax forward and
    the soft sample's gradient backward (``y_hard - y_soft.detach() + y_soft``). ``eps`` is unused, as in PyTorch."""
    x = logits._array
    if x.dtype.kind != "f":
        raise RuntimeError(f"gumbel_softmax: expected floating-point logits, got {logits.dtype}")
    xp = logits._device.xp
    u = _rng(None, logits._device).random(x.shape, dtype=np.float64 if x.dtype == np.float64 else np.float32)
    # g = -log(E) with E = -log(U) ~ Exp(1); U is kept off 0 so E stays finite
    g = -xp.log(-xp.log(xp.maximum(u, np.finfo(u.dtype).tiny))).astype(x.dtype, copy=False)
    y_soft = softmax((logits + make(g, logits._device)) / tau, dim)
    if not hard:
        return y_soft
    d = norm_dim(dim, max(x.ndim, 1)) if x.ndim else 0
    ys = y_soft._array
    if not ys.ndim:
        y_hard = xp.ones_like(ys)
    else:
        idx = xp.argmax(ys, axis=d)
        classes = xp.arange(ys.shape[d]).reshape((-1,) + (1,) * (ys.ndim - d - 1))
        y_hard = (classes == xp.expand_dims(idx, d)).astype(ys.dtype)
    return make(y_hard, logits._device) - y_soft.detach() + y_soft
