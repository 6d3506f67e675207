"""``prelu``: ``x`` where positive, ``weight * x`` elsewhere, one learnt slope per channel (dim 1) or shared."""
from .elementwise import where
from ._util import Tensor

__all__ = ["prelu"]


def prelu(input, weight):
    """``max(0, x) + weight * min(0, x)``; ``weight`` has 1 element or one per channel (``input.size(1)``)."""
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("prelu(): input and weight must be Tensors")
    n = weight.numel()
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    if n == 1:
        w = weight.reshape(())
    else:
        if input.dim() == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.dim() > 1 else 1
        if channels != n:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {n} "
                               f"and channel size = {channels}.")
        w = weight.reshape((1, n) + (1,) * (input.dim() - 2))
    return where(input > 0, input, w * input)
