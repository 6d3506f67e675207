"""dtype/device conversion (``to``, ``float()``, ``long()``...): differentiable between float dtypes.

The module defines functions named ``float``, ``int``, ``bool`` and ``type``; Python's own are reached
through ``builtins``.
"""
import builtins

import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from ..backend import as_device, device as _device_cls, transfer
from ._util import Tensor, make, record

__all__ = ["to", "type_as", "cpu", "cuda", "float", "double", "half", "long", "int", "short", "bool", "byte", "char",
           "type"]

_DTYPE_NAMES = {"torch.FloatTensor": _dt.float32, "torch.DoubleTensor": _dt.float64, "torch.HalfTensor": _dt.float16,
                "torch.LongTensor": _dt.int64, "torch.IntTensor": _dt.int32, "torch.ShortTensor": _dt.int16,
                "torch.CharTensor": _dt.int8, "torch.ByteTensor": _dt.uint8, "torch.BoolTensor": _dt.bool}
_TYPE_NAMES = {d: "ember." + k.split(".")[1] for k, d in _DTYPE_NAMES.items()}


class ToCopyBackward0(Node):
    """Back to the source's dtype and device."""
    __slots__ = ("src_dtype", "src_device", "dst_device")
    _fresh = True

    def backward(self, g):
        g = g.astype(self.src_dtype)
        if self.src_device is not self.dst_device:
            g = transfer(g, self.dst_device, self.src_device)
        return (g,)


def _cast(input, dtype, copy=False):
    x = input._array
    if x.dtype == dtype.np and not copy:
        return input
    out = make(x.astype(dtype.np), input._device)
    record(out, ToCopyBackward0, (input,), None, src_dtype=x.dtype, src_device=input._device,
           dst_device=input._device)
    return out


def _move(input, dev, dtype):
    """``input`` copied to device ``dev`` (and cast to ``dtype``): differentiable, like every ``to``."""
    x = input._array
    y = transfer(x, input._device, dev)
    if dtype is not None and y.dtype != dtype.np:
        y = y.astype(dtype.np)
    out = make(y, dev)
    record(out, ToCopyBackward0, (input,), None, src_dtype=x.dtype, src_device=input._device, dst_device=dev)
    return out


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a.device
        elif isinstance(a, (str, _device_cls)):
            device = a
        elif isinstance(a, (_dt.dtype, np.dtype)) or a in (builtins.float, builtins.int, builtins.bool) or (
                isinstance(a, builtins.type) and issubclass(a, np.generic)):
            dtype = a
        elif isinstance(a, (builtins.bool, np.bool_)):
            continue     # legacy positional non_blocking
        elif a is None:
            continue
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {builtins.type(a).__name__}")
    return dtype, device, copy


def to(input, *args, **kwargs):
    """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``; returns ``input`` if nothing changes."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
    if device is not None:
        dev = as_device(device)
        if dev is not input._device:
            return _move(input, dev, None if dtype is None else _dt.as_dtype(dtype))
    if dtype is None:
        return _cast(input, input.dtype, copy) if copy else input
    return _cast(input, _dt.as_dtype(dtype), copy)


def type_as(input, other):
    """``input`` cast to ``other``'s dtype."""
    return _cast(input, other.dtype)


def cpu(input, memory_format=None):
    """A copy on the CPU (``input`` itself when it is there already)."""
    return to(input, "cpu")


def cuda(input, device=None, non_blocking=False, memory_format=None):
    """A copy on GPU ``device`` (default: the current one); ``input`` itself when it is there already."""
    if isinstance(device, builtins.int) and not isinstance(device, builtins.bool):
        device = f"cuda:{device}"
    return to(input, "cuda" if device is None else device)


def type(input, dtype=None, non_blocking=False):
    """With no argument, the type name (``'ember.FloatTensor'``); else a cast."""
    if dtype is None:
        name = _TYPE_NAMES[input.dtype]
        return name.replace("ember.", "ember.cuda.") if input._device.type == "cuda" else name
    if builtins.type(dtype).__name__ == "tensortype":        # x.type(ember.LongTensor)
        return to(input, "cuda" if dtype.is_cuda else "cpu", dtype.dtype)
    if isinstance(dtype, str):
        key = dtype.replace("ember.", "torch.")
        if key not in _DTYPE_NAMES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _DTYPE_NAMES[key]
    return _cast(input, _dt.as_dtype(dtype))


def _caster(d, name):
    def conv(input, memory_format=None):
        return _cast(input, d)
    conv.__name__ = name
    conv.__doc__ = f"``self.to({d})``."
    return conv


float = _caster(_dt.float32, "float")
double = _caster(_dt.float64, "double")
half = _caster(_dt.float16, "half")
long = _caster(_dt.int64, "long")
int = _caster(_dt.int32, "int")
short = _caster(_dt.int16, "short")
bool = _caster(_dt.bool, "bool")
byte = _caster(_dt.uint8, "byte")
char = _caster(_dt.int8, "char")
