"""Unary elementwise ops and activations, defined from one table.

Each entry gives the forward on arrays and the gradient formula ``grad(g, x, out, arg)``; the
factory makes the public function and its graph node class (named like PyTorch's, ``ExpBackward0``).
Ops marked ``float`` turn integer input into the default float dtype first, as PyTorch does.
"""
import math

import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from ._special import erf as _erf
from .._kernels import lookup
from ._util import edge, grad_state, make, new_node, xp_of

__all__ = ["neg", "negative", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "abs", "sign",
           "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "leaky_relu",
           "gelu", "silu", "softplus", "elu", "reciprocal", "square", "floor", "ceil", "round", "trunc", "frac",
           "erf", "exp2", "logit", "hardtanh", "relu6", "mish", "selu", "positive", "signbit", "nan_to_num",
           "hardsigmoid", "hardswish", "logsigmoid", "softsign", "tanhshrink"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _Unary(Node):
    __slots__ = ("x", "out", "arg")
    _saved = ("x", "out")
    _fresh = True
    _grad = None

    def backward(self, g):
        return (self._grad(xp_of(g), g, self.x, self.out, self.arg),)


def _run(cls, input, fwd, arg, to_float, save_x, save_out):
    x = input._array
    if to_float and x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np)
    out = make(fwd(input._device.xp, x, arg), input._device)
    if grad_state.enabled and input._requires_grad:
        n = new_node(cls, (edge(input),))
        n.arg = arg
        n.x = x if save_x else None
        if save_out:
            n.out = out._array
            n._versions = (input._vc, input._vc[0], x, out._vc, 0, out._array) if save_x else \
                (out._vc, 0, out._array)
        else:
            n.out = None
            n._versions = (input._vc, input._vc[0], x) if save_x else ()
        out.grad_fn = n
        out._requires_grad = True
    return out


def _fusable(name, fwd, grad):
    """Forward and gradient functions that run the fused GPU kernel registered as ``name`` when there is one
    for the array (``ember/cuda/_fused_nn.py``) and it takes it; the array-module code otherwise."""
    def fused_fwd(xp, x, arg):
        k = lookup(name, x)
        r = k(xp, x, arg) if k is not None else None
        return fwd(xp, x, arg) if r is None else r

    def fused_grad(xp, g, x, out, arg):
        k = lookup(name + "_backward", g)
        r = k(xp, g, x, out, arg) if k is not None else None
        return grad(xp, g, x, out, arg) if r is None else r
    return fused_fwd, fused_grad


def _define(name, node_name, fwd, grad, uses="x", to_float=True, doc="", arg_name=None, default=None, fused=False):
    if fused:
        fwd, grad = _fusable(name, fwd, grad)
    cls = type(node_name, (_Unary,), {"__slots__": (), "_grad": staticmethod(grad)})
    save_x, save_out = "x" in uses, "out" in uses

    if arg_name is None:
        def op(input):
            return _run(cls, input, fwd, None, to_float, save_x, save_out)
    else:
        def op(input, arg=default):
            return _run(cls, input, fwd, arg, to_float, save_x, save_out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or f"Elementwise ``{name}``."
    op._node_cls = cls
    return op


def _zero(xp, g, x, out, arg):
    return xp.zeros_like(g)


def _sigmoid(xp, x):
    # tanh form: no overflow warning for large |x|, one transcendental
    return xp.tanh(x * 0.5) * 0.5 + 0.5


def _softplus_fwd(xp, x, arg):
    beta, threshold = arg
    bx = x * beta
    with np.errstate(over="ignore"):
        soft = xp.log1p(xp.exp(xp.minimum(bx, threshold))) / beta
    return xp.where(bx > threshold, x, soft).astype(x.dtype, copy=False)


def _softplus_grad(xp, g, x, out, arg):
    beta, threshold = arg
    bx = x * beta
    return xp.where(bx > threshold, g, g * _sigmoid(xp, bx)).astype(g.dtype, copy=False)


def _gelu_fwd(xp, x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + xp.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + _erf(x * _INV_SQRT_2, xp))


def _gelu_grad(xp, g, x, out, approximate):
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        t = xp.tanh(inner)
        d_inner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
        return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner)
    cdf = 0.5 * (1.0 + _erf(x * _INV_SQRT_2, xp))
    pdf = xp.exp(-0.5 * x * x) * _INV_SQRT_2PI
    return g * (cdf + x * pdf)


def _silu_grad(xp, g, x, out, arg):
    s = _sigmoid(xp, x)
    return g * (s * (1.0 + x * (1.0 - s)))


def _mish_fwd(xp, x, arg):
    return x * xp.tanh(_softplus_fwd(xp, x, (1.0, 20.0)))


def _mish_grad(xp, g, x, out, arg):
    t = xp.tanh(_softplus_fwd(xp, x, (1.0, 20.0)))
    return g * (t + x * _sigmoid(xp, x) * (1.0 - t * t))


def _elu_fwd(xp, x, alpha):
    return xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0))).astype(x.dtype, copy=False)


def _elu_grad(xp, g, x, out, alpha):
    return xp.where(x > 0, g, g * (out + alpha)).astype(g.dtype, copy=False)


def _selu_fwd(xp, x, arg):
    return _SELU_SCALE * _elu_fwd(xp, x, _SELU_ALPHA)


def _selu_grad(xp, g, x, out, arg):
    return xp.where(x > 0, g * _SELU_SCALE, g * (out + _SELU_SCALE * _SELU_ALPHA)).astype(g.dtype, copy=False)


def _hardtanh_grad(xp, g, x, out, arg):
    lo, hi = arg
    return g * ((x > lo) & (x < hi))


def _logit_fwd(xp, x, eps):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.log(x / (1 - x))


def _logit_grad(xp, g, x, out, eps):
    r = g / (x * (1 - x))
    if eps is not None:
        r = xp.where((x < eps) | (x > 1 - eps), 0, r).astype(g.dtype, copy=False)
    return r


# name, node name, forward(x, arg), grad(g, x, out, arg), saved, to_float
neg = _define("neg", "NegBackward0", lambda xp, x, a: -x, lambda xp, g, x, o, a: -g, "", False)
negative = neg
positive = _define("positive", "PositiveBackward0", lambda xp, x, a: x.copy(),
                   lambda xp, g, x, o, a: g.copy(), "", False)
exp = _define("exp", "ExpBackward0", lambda xp, x, a: xp.exp(x), lambda xp, g, x, o, a: g * o, "out")
exp2 = _define("exp2", "Exp2Backward0", lambda xp, x, a: xp.exp2(x),
               lambda xp, g, x, o, a: g * (o * math.log(2)), "out")
expm1 = _define("expm1", "Expm1Backward0", lambda xp, x, a: xp.expm1(x), lambda xp, g, x, o, a: g * (o + 1), "out")
log = _define("log", "LogBackward0", lambda xp, x, a: xp.log(x), lambda xp, g, x, o, a: g / x)
log2 = _define("log2", "Log2Backward0", lambda xp, x, a: xp.log2(x), lambda xp, g, x, o, a: g / (x * math.log(2)))
log10 = _define("log10", "Log10Backward0", lambda xp, x, a: xp.log10(x), lambda xp, g, x, o, a: g / (x * math.log(10)))
log1p = _define("log1p", "Log1PBackward0", lambda xp, x, a: xp.log1p(x), lambda xp, g, x, o, a: g / (x + 1))
sqrt = _define("sqrt", "SqrtBackward0", lambda xp, x, a: xp.sqrt(x), lambda xp, g, x, o, a: g / (o * 2), "out")
rsqrt = _define("rsqrt", "RsqrtBackward0", lambda xp, x, a: 1 / xp.sqrt(x),
                lambda xp, g, x, o, a: g * (o * o * o) * -0.5,
                "out")
abs = _define("abs", "AbsBackward0", lambda xp, x, a: xp.abs(x), lambda xp, g, x, o, a: g * xp.sign(x), "x", False)
sign = _define("sign", "SignBackward0", lambda xp, x, a: xp.sign(x), _zero, "", False)
sin = _define("sin", "SinBackward0", lambda xp, x, a: xp.sin(x), lambda xp, g, x, o, a: g * xp.cos(x))
cos = _define("cos", "CosBackward0", lambda xp, x, a: xp.cos(x), lambda xp, g, x, o, a: -g * xp.sin(x))
tan = _define("tan", "TanBackward0", lambda xp, x, a: xp.tan(x), lambda xp, g, x, o, a: g * (1 + o * o), "out")
asin = _define("asin", "AsinBackward0", lambda xp, x, a: xp.arcsin(x), lambda xp, g, x, o, a: g / xp.sqrt(1 - x * x))
acos = _define("acos", "AcosBackward0", lambda xp, x, a: xp.arccos(x), lambda xp, g, x, o, a: -g / xp.sqrt(1 - x * x))
atan = _define("atan", "AtanBackward0", lambda xp, x, a: xp.arctan(x), lambda xp, g, x, o, a: g / (1 + x * x))
sinh = _define("sinh", "SinhBackward0", lambda xp, x, a: xp.sinh(x), lambda xp, g, x, o, a: g * xp.cosh(x))
cosh = _define("cosh", "CoshBackward0", lambda xp, x, a: xp.cosh(x), lambda xp, g, x, o, a: g * xp.sinh(x))
tanh = _define("tanh", "TanhBackward0", lambda xp, x, a: xp.tanh(x), lambda xp, g, x, o, a: g * (1 - o * o), "out")
sigmoid = _define("sigmoid", "SigmoidBackward0", lambda xp, x, a: _sigmoid(xp, x),
                  lambda xp, g, x, o, a: g * (o * (1 - o)),
                  "out")
logsigmoid = _define("logsigmoid", "LogSigmoidBackward0",
                     lambda xp, x, a: xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x))),
                     lambda xp, g, x, o, a: g * _sigmoid(xp, -x))
relu = _define("relu", "ReluBackward0", lambda xp, x, a: xp.maximum(x, 0),
               lambda xp, g, x, o, a: g * (o > 0), "out", False,
               doc="``max(x, 0)``.", fused=True)
relu6 = _define("relu6", "Relu6Backward0", lambda xp, x, a: xp.clip(x, 0, 6),
                lambda xp, g, x, o, a: g * ((x > 0) & (x < 6)), "x", False)
hardtanh = _define("hardtanh", "HardtanhBackward0", lambda xp, x, a: xp.clip(x, a[0], a[1]), _hardtanh_grad, "x", False,
                   arg_name="bounds", default=(-1.0, 1.0))
hardsigmoid = _define("hardsigmoid", "HardsigmoidBackward0", lambda xp, x, a: xp.clip(x / 6 + 0.5, 0, 1),
                      lambda xp, g, x, o, a: g * ((x > -3) & (x < 3)) / 6)
hardswish = _define("hardswish", "HardswishBackward0", lambda xp, x, a: x * xp.clip(x + 3, 0, 6) / 6,
                    lambda xp, g, x, o, a: xp.where(x < -3, 0, xp.where(x <= 3, g * (2 * x + 3) / 6, g))
                    .astype(g.dtype, copy=False))
leaky_relu = _define("leaky_relu", "LeakyReluBackward0",
                     lambda xp, x, s: xp.where(x > 0, x, x * s).astype(x.dtype, copy=False),
                     lambda xp, g, x, o, s: xp.where(x > 0, g, g * s).astype(g.dtype, copy=False), "x", False,
                     arg_name="negative_slope", default=0.01)
gelu = _define("gelu", "GeluBackward0", _gelu_fwd, _gelu_grad, arg_name="approximate", default="none",
               doc="GELU: ``x * Phi(x)`` (``approximate='none'``, exact erf) or the tanh approximation.", fused=True)
silu = _define("silu", "SiluBackward0", lambda xp, x, a: x * _sigmoid(xp, x), _silu_grad,
               doc="SiLU (swish): ``x * sigmoid(x)``.", fused=True)
mish = _define("mish", "MishBackward0", _mish_fwd, _mish_grad)
softplus = _define("softplus", "SoftplusBackward0", _softplus_fwd, _softplus_grad, arg_name="params",
                   default=(1.0, 20.0), doc="``log(1 + exp(beta * x)) / beta``, linear above ``threshold``.")
elu = _define("elu", "EluBackward0", _elu_fwd, _elu_grad, "x,out", arg_name="alpha", default=1.0)
selu = _define("selu", "EluBackward0", _selu_fwd, _selu_grad, "x,out")
softsign = _define("softsign", "SoftsignBackward0", lambda xp, x, a: x / (1 + xp.abs(x)),
                   lambda xp, g, x, o, a: g / ((1 + xp.abs(x)) ** 2))
tanhshrink = _define("tanhshrink", "TanhshrinkBackward0", lambda xp, x, a: x - xp.tanh(x),
                     lambda xp, g, x, o, a: g * xp.tanh(x) ** 2)
logit = _define("logit", "LogitBackward0", _logit_fwd, _logit_grad, arg_name="eps", default=None)
reciprocal = _define("reciprocal", "ReciprocalBackward0", lambda xp, x, a: 1 / x,
                     lambda xp, g, x, o, a: -g * (o * o), "out")
square = _define("square", "PowBackward0", lambda xp, x, a: x * x, lambda xp, g, x, o, a: g * (x * 2), "x", False)
floor = _define("floor", "FloorBackward0", lambda xp, x, a: xp.floor(x) if x.dtype.kind == "f" else x.copy(), _zero, "",
                False)
ceil = _define("ceil", "CeilBackward0", lambda xp, x, a: xp.ceil(x) if x.dtype.kind == "f" else x.copy(), _zero, "",
               False)
trunc = _define("trunc", "TruncBackward0", lambda xp, x, a: xp.trunc(x) if x.dtype.kind == "f" else x.copy(), _zero, "",
                False)
frac = _define("frac", "FracBackward0", lambda xp, x, a: x - xp.trunc(x), lambda xp, g, x, o, a: g.copy(), "")
erf = _define("erf", "ErfBackward0", lambda xp, x, a: _erf(x, xp),
              lambda xp, g, x, o, a: g * (xp.exp(-x * x) * (2.0 / math.sqrt(math.pi))))
_round = _define("round", "RoundBackward0", lambda xp, x, d: xp.round(x, d) if x.dtype.kind == "f" else x.copy(), _zero,
                 "", False, arg_name="decimals", default=0)


def round(input, *, decimals=0):
    """Round half to even, like PyTorch; ``decimals`` digits after the point."""
    return _round(input, decimals)


def signbit(input):
    """Boolean tensor: True where the sign bit is set (negative numbers, including ``-0.0``)."""
    return make(input._device.xp.signbit(input._array), input._device)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN and infinities (the gradient passes where the input is finite)."""
    return _run(_NanToNum, input, lambda xp, x, a: xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf), None,
                False, True, False)


_NanToNum = type("NanToNumBackward0", (_Unary,), {
    "__slots__": (), "_grad": staticmethod(lambda xp, g, x, o, a: g * xp.isfinite(x))})


def _wrap_args():
    # public signatures matching torch.nn.functional where the table stores a tuple argument
    global softplus, hardtanh
    _softplus, _hardtanh = softplus, hardtanh

    def softplus(input, beta=1.0, threshold=20.0):
        """``log(1 + exp(beta * x)) / beta``; linear where ``beta * x > threshold``."""
        return _softplus(input, (beta, threshold))

    def hardtanh(input, min_val=-1.0, max_val=1.0):
        """Clamp to ``[min_val, max_val]`` (gradient zero outside)."""
        return _hardtanh(input, (min_val, max_val))


_wrap_args()
