"""Binary elementwise ops (with broadcasting and PyTorch type promotion), comparisons, ``where``, ``clamp``.

Each op is a forward function next to its backward node. Gradients of broadcast operands are summed
back with ``sum_to``. Operands: Tensors or Python scalars (a scalar never gets a gradient).
"""
import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from .out_arg import write_out
from ._util import (Tensor, as_tensor_arg, edge, grad_state, is_array, make, new_node, operands, record,
                    save_versions, sum_to, xp_of)

__all__ = ["add", "sub", "mul", "div", "true_divide", "pow", "maximum", "minimum", "floor_divide", "remainder",
           "rsub", "rdiv", "rpow", "where", "clamp", "clip", "fmod", "atan2", "lerp"]


def _float_if_int(x):
    return x if x.dtype.kind == "f" else x.astype(_dt.get_default_dtype().np)


class _Binary(Node):
    """Base of binary nodes: ``x``/``y`` are the promoted operands, ``xs``/``ys`` the shapes, ``xdt``/``ydt``
    the original dtypes when promotion changed them (gradients are cast back)."""
    __slots__ = ("x", "y", "xs", "ys", "xdt", "ydt")
    _saved = ("x", "y")
    _save_inputs = True

    def _out(self, ga, gb):
        if ga is not None:
            ga = sum_to(ga, self.xs)
            if self.xdt is not None:
                ga = ga.astype(self.xdt)
        if gb is not None:
            gb = sum_to(gb, self.ys)
            if self.ydt is not None:
                gb = gb.astype(self.ydt)
        return ga, gb


def _binary(node_cls, a, b, x, y, out_arr, dev):
    """Wrap ``out_arr`` and record ``node_cls`` if grad mode is on and an operand requires grad."""
    out = make(out_arr, dev)
    if not grad_state.enabled:
        return out
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    ea = edge(a) if ta else None
    eb = edge(b) if tb else None
    if ea is None and eb is None:
        return out
    n = new_node(node_cls, (ea, eb))
    n.xs = x.shape if ta else ()
    n.ys = y.shape if tb else ()
    n.xdt = a._array.dtype if ta and a._array.dtype != x.dtype else None
    n.ydt = b._array.dtype if tb and b._array.dtype != y.dtype else None
    if node_cls._save_inputs:
        n.x, n.y = x, y
        n._versions = save_versions(*[t for t, is_t in ((a, ta), (b, tb)) if is_t])
    else:
        n.x = n.y = None
    out.grad_fn = n
    out._requires_grad = True
    return out


def _prep(a, b, op):
    # fast path: two tensors (Parameters included) of one shape and dtype on one device
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a._array, b._array
        if x.dtype is y.dtype and a._device is b._device and x.shape == y.shape:
            return x, y, a._device
    return operands(a, b, op)


# ---- arithmetic ----------------------------------------------------------------------------------------

class AddBackward0(_Binary):
    __slots__ = ("alpha",)
    _save_inputs = False

    def backward(self, g):
        na, nb = self._next
        gb = None
        if nb is not None:
            gb = g if self.alpha == 1 else g * self.alpha
        return self._out(g if na is not None else None, gb)


class SubBackward0(AddBackward0):
    __slots__ = ()

    def backward(self, g):
        na, nb = self._next
        return self._out(g if na is not None else None, (-g if self.alpha == 1 else g * -self.alpha)
                         if nb is not None else None)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other`` with broadcasting."""
    x, y, dev = _prep(input, other, "add")
    if alpha != 1:
        _check_alpha(alpha, x, y)
        r = _binary(AddBackward0, input, other, x, y, x + y * alpha, dev)
    else:
        r = _binary(AddBackward0, input, other, x, y, x + y, dev)
    if r.grad_fn is not None:
        r.grad_fn.alpha = alpha
    return r if out is None else write_out(out, r, "add")


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other`` with broadcasting."""
    x, y, dev = _prep(input, other, "sub")
    if _kind(x) == "b" and _kind(y) == "b":
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. If you are "
                           "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    r = _binary(SubBackward0, input, other, x, y, x - y if alpha == 1 else x - y * alpha, dev)
    if r.grad_fn is not None:
        r.grad_fn.alpha = alpha
    return r if out is None else write_out(out, r, "sub")


def _check_alpha(alpha, x, y):
    if isinstance(alpha, float) and _result_dtype(x, y).kind in "biu":
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (the reflected ``-``)."""
    return sub(other, input * alpha if alpha != 1 else input)


class MulBackward0(_Binary):
    __slots__ = ()
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        return self._out(g * self.y if na is not None else None, g * self.x if nb is not None else None)


def mul(input, other, *, out=None):
    """Elementwise product with broadcasting."""
    x, y, dev = _prep(input, other, "mul")
    r = _binary(MulBackward0, input, other, x, y, x * y, dev)
    return r if out is None else write_out(out, r, "mul")


class DivBackward0(_Binary):
    __slots__ = ()
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        x, y = self.x, self.y
        ga = g / y if na is not None else None
        gb = -g * x / (y * y) if nb is not None else None
        return self._out(ga, gb)


class _ZeroGrad(_Binary):
    """Backward of ops that are piecewise constant (floor division...): the gradient is zero."""
    __slots__ = ()
    _save_inputs = False
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        z = xp_of(g).zeros_like
        return self._out(z(g) if na is not None else None, z(g) if nb is not None else None)


class DivBackward1(_ZeroGrad):
    __slots__ = ()


def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers give floats); ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds (zero gradient)."""
    if out is not None:
        return write_out(out, div(input, other, rounding_mode=rounding_mode), "div")
    x, y, dev = _prep(input, other, "div")
    if rounding_mode is None:
        if _kind(x) != "f" and _kind(y) != "f":
            f = _dt.get_default_dtype().np
            x = x.astype(f) if is_array(x) else float(x)
            y = y.astype(f) if is_array(y) else float(y)
        return _binary(DivBackward0, input, other, x, y, x / y, dev)
    if rounding_mode == "floor":
        return _binary(DivBackward1, input, other, x, y, _floor_div(x, y), dev)
    if rounding_mode == "trunc":
        xp = xp_of(x if is_array(x) else y)
        if _kind(x) == "f" or _kind(y) == "f":
            r = xp.trunc(x / y)
        else:
            _check_int_zero_div(y)
            r = xp.trunc(xp.true_divide(x, y)).astype(_result_dtype(x, y))
        return _binary(DivBackward1, input, other, x, y, r, dev)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


true_divide = div


def _kind(v):
    """NumPy kind letter of an operand: an array's, or 'b'/'i'/'f' for a Python scalar."""
    if is_array(v):
        return v.dtype.kind
    return "b" if isinstance(v, bool) else ("f" if isinstance(v, float) else "i")


def _result_dtype(x, y):
    return np.result_type(x.dtype if is_array(x) else x, y.dtype if is_array(y) else y)


def _check_int_zero_div(y):
    if bool((y == 0).any()) if is_array(y) else y == 0:
        raise ZeroDivisionError("ZeroDivisionError: integer division by zero")


def _floor_div(x, y):
    if _kind(x) != "f" and _kind(y) != "f":
        _check_int_zero_div(y)
    return xp_of(x if is_array(x) else y).floor_divide(x, y)


def floor_divide(input, other):
    """Division rounded towards negative infinity (PyTorch's ``//``)."""
    return div(input, other, rounding_mode="floor")


def rdiv(input, other):
    """``other / input`` (the reflected ``/``)."""
    return div(other, input)


class RemainderBackward0(_Binary):
    __slots__ = ()
    _save_inputs = True
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        gb = None
        if nb is not None:
            gb = -g * xp_of(g).floor_divide(self.x, self.y)
        return self._out(g.copy() if na is not None else None, gb)


def remainder(input, other):
    """Python-style modulus (the sign follows the divisor), like ``%``."""
    x, y, dev = _prep(input, other, "remainder")
    if _kind(x) != "f" and _kind(y) != "f":
        _check_int_zero_div(y)
    return _binary(RemainderBackward0, input, other, x, y, dev.xp.remainder(x, y), dev)


class FmodBackward0(RemainderBackward0):
    __slots__ = ()

    def backward(self, g):
        na, nb = self._next
        gb = -g * xp_of(g).trunc(self.x / self.y) if nb is not None else None
        return self._out(g.copy() if na is not None else None, gb)


def fmod(input, other):
    """C-style modulus (the sign follows the dividend)."""
    x, y, dev = _prep(input, other, "fmod")
    if _kind(x) != "f" and _kind(y) != "f":
        _check_int_zero_div(y)
    return _binary(FmodBackward0, input, other, x, y, dev.xp.fmod(x, y), dev)


class PowBackward0(_Binary):
    """``tensor ** scalar``."""
    __slots__ = ()
    _fresh = True

    def backward(self, g):
        x, p = self.x, self.y
        if p == 0:
            ga = xp_of(g).zeros_like(g)
        elif p == 1:
            ga = g.copy()
        elif p == 2:
            ga = g * (x * 2)
        else:
            ga = g * (p * x ** (p - 1))
        return self._out(ga, None)


class PowBackward1(_Binary):
    """``tensor ** tensor``."""
    __slots__ = ("out",)
    _saved = ("x", "y", "out")
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        x, y = self.x, self.y
        xp = xp_of(g)
        ga = gb = None
        if na is not None:
            ga = g * xp.where(y == 0, 0.0, y * x ** xp.where(y == 0, 1, y - 1)).astype(g.dtype, copy=False)
        if nb is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                lg = self.out * xp.log(x)
            gb = g * xp.where((x == 0) & (y >= 0), 0, lg).astype(g.dtype, copy=False)
        return self._out(ga, gb)


class PowBackward2(PowBackward1):
    """``scalar ** tensor``."""
    __slots__ = ()


def pow(input, exponent):
    """``input ** exponent``; either may be a scalar."""
    x, y, dev = _prep(input, exponent, "pow")
    if _kind(x) != "f" and _kind(y) != "f":
        if bool((y < 0).any()) if is_array(y) else y < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    if not isinstance(exponent, Tensor):
        return _binary(PowBackward0, input, exponent, x, y, x ** y, dev)
    cls = PowBackward1 if isinstance(input, Tensor) else PowBackward2
    out = _binary(cls, input, exponent, x, y, dev.xp.power(x, y), dev)
    if out.grad_fn is not None:
        out.grad_fn.out = out._array
        out.grad_fn._versions += save_versions(out)
    return out


def rpow(input, other):
    """``other ** input`` (the reflected ``**``)."""
    return pow(other, input)


class _MaxMinBackward(_Binary):
    __slots__ = ()
    _fresh = True
    _pick = None

    def backward(self, g):
        na, nb = self._next
        x, y = self.x, self.y
        # PyTorch splits the gradient evenly where both operands are the extreme value
        xp = xp_of(g)
        wx = xp.where(x == y, 0.5, getattr(xp, self._pick)(x, y)).astype(g.dtype, copy=False)
        ga = g * wx if na is not None else None
        gb = g * (1 - wx) if nb is not None else None
        return self._out(ga, gb)


class MaximumBackward0(_MaxMinBackward):
    __slots__ = ()
    _pick = "greater"


class MinimumBackward0(_MaxMinBackward):
    __slots__ = ()
    _pick = "less"


def maximum(input, other):
    """Elementwise maximum (NaN propagates)."""
    x, y, dev = _prep(input, other, "maximum")
    return _binary(MaximumBackward0, input, other, x, y, dev.xp.maximum(x, y), dev)


def minimum(input, other):
    """Elementwise minimum (NaN propagates)."""
    x, y, dev = _prep(input, other, "minimum")
    return _binary(MinimumBackward0, input, other, x, y, dev.xp.minimum(x, y), dev)


class Atan2Backward0(_Binary):
    __slots__ = ()
    _fresh = True

    def backward(self, g):
        na, nb = self._next
        x, y = self.x, self.y
        d = x * x + y * y
        return self._out(g * y / d if na is not None else None, -g * x / d if nb is not None else None)


def atan2(input, other):
    """Elementwise ``atan2(input, other)`` in radians."""
    x, y, dev = _prep(input, other, "atan2")
    xp = dev.xp
    x, y = _float_if_int(xp.asarray(x)), _float_if_int(xp.asarray(y))
    return _binary(Atan2Backward0, input, other, x, y, xp.arctan2(x, y), dev)


# ---- where and clamp -----------------------------------------------------------------------------------

class WhereBackward0(Node):
    __slots__ = ("cond", "xs", "ys")
    _saved = ("cond",)
    _fresh = True

    def backward(self, g):
        _, na, nb = self._next
        c, xp = self.cond, xp_of(g)
        ga = sum_to(xp.where(c, g, 0).astype(g.dtype, copy=False), self.xs) if na is not None else None
        gb = sum_to(xp.where(c, 0, g).astype(g.dtype, copy=False), self.ys) if nb is not None else None
        return None, ga, gb


def where(condition, input=None, other=None):
    """``input`` where ``condition`` else ``other`` (either may be a scalar); one-argument form is ``nonzero``."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): condition must be a Tensor, got {type(condition).__name__}")
    c = condition._array
    if c.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):     # where(mask, 1.0, 0.0)
        from ..creation import tensor
        input = tensor(input, dtype=_dt.scalar_dtype(input), device=condition._device)
    x, y, dev = _prep(input, other, "where")
    if condition._device is not dev:
        from ..backend import check_same_device
        check_same_device("where", condition._device, dev)
    out = make(dev.xp.where(c, x, y), dev)
    ta, tb = isinstance(input, Tensor), isinstance(other, Tensor)
    record(out, WhereBackward0, (None, input, other), (),
           cond=c, xs=(x.shape if ta else ()), ys=(y.shape if tb else ()))
    return out


class ClampBackward1(Node):
    """``clamp`` with scalar bounds: the gradient passes where ``min <= x <= max``."""
    __slots__ = ("mask",)
    _saved = ("mask",)
    _fresh = True

    def backward(self, g):
        return (g * self.mask,)


class ClampBackward0(Node):
    """``clamp`` with tensor bounds."""
    __slots__ = ("x", "lo", "hi", "shapes")
    _saved = ("x", "lo", "hi")
    _fresh = True

    def backward(self, g):
        nx, nlo, nhi = self._next
        x, lo, hi = self.x, self.lo, self.hi
        below = (x < lo) if lo is not None else False
        above = (x > hi) if hi is not None else False
        if lo is not None and hi is not None:
            below = below & ~(lo > hi)          # PyTorch: max wins when min > max
            above = above | (lo > hi)
        keep = ~(below | above)
        gx = sum_to(g * keep, self.shapes[0]) if nx is not None else None
        glo = sum_to(g * below, self.shapes[1]) if nlo is not None else None
        ghi = sum_to(g * above, self.shapes[2]) if nhi is not None else None
        return gx, glo, ghi


def clamp(input, min=None, max=None):
    """Clamp into ``[min, max]``; bounds may be scalars or tensors (broadcast). ``min > max`` gives ``max``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    x = input._array
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(input, min, max)
    if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = x.astype(_dt.get_default_dtype().np)
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    xp = input._device.xp
    r = xp.minimum(xp.maximum(x, lo), hi) if x.dtype.kind == "f" else xp.clip(x, min, max)
    out = make(r.astype(x.dtype, copy=False), input._device)
    if grad_state.enabled and input._requires_grad:
        n = new_node(ClampBackward1, (edge(input),))
        m = xp.ones(x.shape, x.dtype)
        if min is not None:
            m *= x >= min
        if max is not None:
            m *= x <= max
        n.mask = m
        n._versions = ()
        out.grad_fn = n
        out._requires_grad = True
    return out


def _clamp_tensor(input, min, max):
    lo = as_tensor_arg(min, input, "clamp") if min is not None else None
    hi = as_tensor_arg(max, input, "clamp") if max is not None else None
    rt = _dt.result_type(*[t for t in (input, lo, hi) if t is not None]).np
    x = input._array.astype(rt, copy=False)
    la = lo._array.astype(rt, copy=False) if lo is not None else None
    ha = hi._array.astype(rt, copy=False) if hi is not None else None
    r, xp = x, input._device.xp
    if la is not None:
        r = xp.maximum(r, la)
    if ha is not None:
        r = xp.minimum(r, ha)
    out = make(r, input._device)
    ts = (input, lo, hi)
    if grad_state.enabled and any(t is not None and t._requires_grad for t in ts):
        n = new_node(ClampBackward0, tuple(edge(t) if t is not None else None for t in ts))
        n.x, n.lo, n.hi = x, la, ha
        n.shapes = tuple(t._array.shape if t is not None else None for t in ts)
        n._versions = save_versions(*[t for t in ts if t is not None])
        out.grad_fn = n
        out._requires_grad = True
    return out


clip = clamp


def lerp(input, end, weight):
    """``input + weight * (end - input)``; ``weight`` is a number or a tensor (all broadcast). Composed, so each
    operand's gradient is recorded by the ops underneath."""
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(f"lerp(): expected Tensors for input and end, got {type(input).__name__} and "
                        f"{type(end).__name__}")
    if input._array.dtype != end._array.dtype:
        raise RuntimeError(f"expected dtype {input.dtype._short} for `end` but got dtype {end.dtype._short}")
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected a floating-point input, got {input.dtype}")
    return add(input, mul(weight, sub(end, input)))
