"""PyTorch's ``out=`` argument (``torch.matmul(a, b, out=c)``, from the tensors tutorial): the result is
computed as usual, then written into ``out``, which is returned."""
import warnings

import numpy as np

from ..autograd.grad_mode import state as grad_state
from .._tensor import Tensor

__all__ = ["write_out"]


def write_out(out, result, name):
    """``result`` written into ``out`` (resized, as PyTorch does, when its shape differs)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if grad_state.enabled and (result._requires_grad or out._requires_grad):
        # PyTorch refuses too: the graph cannot record a write into a caller's tensor
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic differentiation, "
                           f"but one of the arguments requires grad.")
    if out._device is not result._device:
        raise RuntimeError(f"Expected out tensor to have device {out._device}, but got {result._device} instead")
    r, x = result._array, out._array
    if x.dtype != r.dtype and not np.can_cast(r.dtype, x.dtype, "same_kind"):
        raise RuntimeError(f"result type {result.dtype._short} can't be cast to the desired output type "
                           f"{out.dtype._short}")
    if x.shape != r.shape:
        if x.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape {list(x.shape)}, "
                          f"which does not match the required output shape {list(r.shape)}. This behavior is "
                          f"deprecated, and in a future PyTorch release outputs will not be resized unless they "
                          f"have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, "
                          f"to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        out._array = r.astype(x.dtype, copy=True)
    else:
        out._device.xp.copyto(x, r, casting="unsafe")
    out._vc[0] += 1
    return out
