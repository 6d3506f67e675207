"""Helpers the formulas share: undoing broadcasting on Tensors, constants as Tensors."""
from ..._tensor import Tensor, make
from ...backend import device_of

__all__ = ["sum_to", "cast", "const"]


def const(array):
    """A saved array the gradient does not flow through (a mask, a condition, indices) as a Tensor; a Python
    scalar stays one."""
    return make(array, device_of(array)) if hasattr(array, "shape") else array


def sum_to(t, shape):
    """``t`` summed down to ``shape`` (the gradient of a broadcast), recorded."""
    if t is None or tuple(t.shape) == tuple(shape):
        return t
    lead = t.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and t.shape[lead + i] != 1)
    r = t.sum(dim=axes, keepdim=True) if axes else t
    return r.reshape(tuple(shape))


def cast(t, np_dtype):
    """``t`` as ``np_dtype`` (a promoted operand's gradient goes back in the operand's dtype)."""
    if t is None or np_dtype is None:
        return t
    from ...dtypes import _BY_NP
    return t.to(_BY_NP[np_dtype]) if isinstance(t, Tensor) else t
