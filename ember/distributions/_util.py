"""Parameter helpers shared by the distributions."""
import numbers

from ..creation import tensor
from ..dtypes import get_default_dtype
from ..ops.shape import broadcast_tensors
from .._tensor import Tensor

__all__ = ["broadcast_all", "probs_to_logits", "logits_to_probs"]


def broadcast_all(*values):
    """Numbers become tensors (in the dtype and on the device of the tensors among them), then all broadcast."""
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    out = []
    for v in values:
        if isinstance(v, Tensor):
            out.append(v)
        elif isinstance(v, numbers.Number):
            out.append(tensor(float(v), dtype=ref.dtype if ref is not None else get_default_dtype(),
                              device=ref.device if ref is not None else None))
        else:
            raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, got "
                             f"{type(v).__name__}")
    return broadcast_tensors(*out)


def probs_to_logits(probs, is_binary=False):
    eps = _eps(probs)
    p = probs.clamp(eps, 1 - eps)
    return p.log() - (-p).log1p() if is_binary else p.log()


def logits_to_probs(logits, is_binary=False):
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def _eps(t):
    from ..dtypes import finfo
    return finfo(t.dtype).eps
