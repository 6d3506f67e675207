"""Comparisons and logic: elementwise, broadcasting, PyTorch promotion; bool results, never a graph."""
from ._util import make
from .elementwise import _kind, _prep

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "equal", "isclose",
           "allclose"]


def _nograd(fn, name, integers_only=False):
    def op(input, other):
        x, y, dev = _prep(input, other, name)
        if integers_only and (_kind(x) == "f" or _kind(y) == "f"):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\': bitwise ops need integer or bool tensors')
        return make(getattr(dev.xp, fn)(x, y), dev)
    op.__name__ = name
    op.__doc__ = f"Elementwise ``{name}``" + (" of integer or bool tensors." if integers_only else
                                               " returning a bool tensor (not differentiable).")
    return op


eq = _nograd("equal", "eq")
ne = _nograd("not_equal", "ne")
lt = _nograd("less", "lt")
le = _nograd("less_equal", "le")
gt = _nograd("greater", "gt")
ge = _nograd("greater_equal", "ge")
logical_and = _nograd("logical_and", "logical_and")
logical_or = _nograd("logical_or", "logical_or")
logical_xor = _nograd("logical_xor", "logical_xor")
bitwise_and = _nograd("bitwise_and", "bitwise_and", integers_only=True)
bitwise_or = _nograd("bitwise_or", "bitwise_or", integers_only=True)
bitwise_xor = _nograd("bitwise_xor", "bitwise_xor", integers_only=True)


def bitwise_not(input):
    """``~input`` for integer or bool tensors."""
    if input._array.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float': use logical_not for masks")
    return make(input._device.xp.invert(input._array), input._device)


def logical_not(input):
    """Elementwise NOT, as a bool tensor."""
    return make(input._device.xp.logical_not(input._array), input._device)


def isnan(input):
    """Boolean tensor: True where ``input`` is NaN."""
    return make(input._device.xp.isnan(input._array), input._device)


def isinf(input):
    """Boolean tensor: True where ``input`` is ``+inf`` or ``-inf``."""
    return make(input._device.xp.isinf(input._array), input._device)


def isfinite(input):
    """Boolean tensor: True where ``input`` is neither infinite nor NaN."""
    return make(input._device.xp.isfinite(input._array), input._device)


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    if other._device is not input._device:
        from ..backend import check_same_device
        check_same_device("equal", input._device, other._device)
    return input._array.shape == other._array.shape and bool(input._device.xp.array_equal(input._array,
                                                                                          other._array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Boolean tensor: True where ``|input - other| <= atol + rtol * |other|`` (NaNs equal if ``equal_nan``)."""
    x, y, dev = _prep(input, other, "isclose")
    return make(dev.xp.asarray(dev.xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)), dev)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if every element satisfies ``|input - other| <= atol + rtol * |other|`` (a Python bool).

        ember.allclose(ember.tensor([1.0]), ember.tensor([1.0 + 1e-7]))   # True"""
    return bool(isclose(input, other, rtol, atol, equal_nan)._array.all())
