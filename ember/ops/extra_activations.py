"""More activations: ``celu``, ``hardshrink``, ``softshrink``, ``threshold`` (from ``unary``'s table), ``glu`` and
``rrelu`` (random negative slopes while training)."""
import numpy as np

from ..autograd.node import Node
from ..random import _rng
from . import unary as _un
from ._util import make, record, save_versions

__all__ = ["celu", "hardshrink", "softshrink", "threshold", "glu", "rrelu"]


def _celu_fwd(xp, x, alpha):
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0) / alpha)).astype(x.dtype, copy=False)


def _celu_grad(xp, g, x, out, alpha):
    # below zero d/dx = exp(x / alpha) = out / alpha + 1
    return xp.where(x > 0, g, g * (out / alpha + 1)).astype(g.dtype, copy=False)


def _softshrink_fwd(xp, x, lambd):
    return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, 0)).astype(x.dtype, copy=False)


def _outside(xp, g, x, out, lambd):
    return g * ((x > lambd) | (x < -lambd))


_celu = _un._define("celu", "CeluBackward0", _celu_fwd, _celu_grad, "x,out", arg_name="alpha", default=1.0)
_hardshrink = _un._define("hardshrink", "HardshrinkBackward0",
                          lambda xp, x, lambd: xp.where((x > lambd) | (x < -lambd), x, 0).astype(x.dtype, copy=False),
                          _outside, "x", False, arg_name="lambd", default=0.5)
_softshrink = _un._define("softshrink", "SoftshrinkBackward0", _softshrink_fwd, _outside, "x", False,
                          arg_name="lambd", default=0.5)
_threshold = _un._define("threshold", "ThresholdBackward0",
                         lambda xp, x, a: xp.where(x > a[0], x, a[1]).astype(x.dtype, copy=False),
                         lambda xp, g, x, o, a: g * (x > a[0]), "x", False, arg_name="params")


def celu(input, alpha=1.0):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _celu(input, alpha)


def hardshrink(input, lambd=0.5):
    """``x`` where ``|x| > lambd``, else 0."""
    return _hardshrink(input, lambd)


def softshrink(input, lambd=0.5):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _softshrink(input, lambd)


def threshold(input, threshold, value):
    """``x`` where ``x > threshold``, else ``value``."""
    return _threshold(input, (threshold, value))


def glu(input, dim=-1):
    """``a * sigmoid(b)`` for the two halves ``a, b`` of ``input`` along ``dim``."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.dim()} is size {n}")
    from .shape import narrow
    return narrow(input, dim, 0, n // 2) * _un.sigmoid(narrow(input, dim, n // 2, n // 2))


class RreluWithNoiseBackward0(Node):
    __slots__ = ("slope",)
    _saved = ("slope",)
    _fresh = True

    def backward(self, g):
        return (g * self.slope,)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, *, generator=None):
    """Leaky ReLU whose negative slope is drawn from ``U(lower, upper)`` per element while training and is
    ``(lower + upper) / 2`` otherwise."""
    if not training:
        return _un.leaky_relu(input, (lower + upper) / 2)
    x = input._array
    u = _rng(generator, input._device).random(x.shape, dtype=np.float64 if x.dtype == np.float64 else np.float32)
    # slope is 1 where x > 0: the forward and the backward are one multiply each; at x == 0 PyTorch's
    # gradient is the drawn slope (its kernel tests input <= 0)
    slope = input._device.xp.where(x > 0, 1, u * (upper - lower) + lower).astype(x.dtype, copy=False)
    out = make(x * slope, input._device)
    record(out, RreluWithNoiseBackward0, (input,), save_versions(), slope=slope)
    return out
