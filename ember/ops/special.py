"""Special functions and more unary math: erfc, erfinv, lgamma, digamma, polygamma, mvlgamma, i0, sinc,
acosh/asinh/atanh, deg2rad/rad2deg, sgn, and their in-place forms.

Defined with ``unary._define`` (integer input becomes the default float dtype, as in PyTorch); the array
kernels live in ``_special_fns`` and run on any array module.
"""
import math

import numpy as np

from . import _special_fns as K
from ._util import Tensor
from .elementwise import add, sub
from .inplace import apply_inplace
from .shape import clone
from .unary import _define, _zero

__all__ = ["erfc", "erfinv", "lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "acosh", "asinh", "atanh",
           "arccosh", "arcsinh", "arctanh", "deg2rad", "rad2deg", "sgn"]

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _sinc_fwd(xp, x, a):
    px = math.pi * x
    with np.errstate(invalid="ignore"):      # sin(inf) is NaN, as in PyTorch
            return xp.where(x == 0, 1.0, xp.sin(px) / xp.where(x == 0, 1.0, px)).astype(x.dtype, copy=False)


def _sinc_grad(xp, g, x, o, a):
    # PyTorch's formula: (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0
    px = math.pi * x
    with np.errstate(invalid="ignore"):
        d = (px * xp.cos(px) - xp.sin(px)) / xp.where(x == 0, 1.0, px * x)
    return g * xp.where(x == 0, 0.0, d).astype(g.dtype, copy=False)


erfc = _define("erfc", "ErfcBackward0", lambda xp, x, a: K.erfc(xp, x),
               lambda xp, g, x, o, a: g * (xp.exp(-x * x) * -_TWO_OVER_SQRT_PI))
erfinv = _define("erfinv", "ErfinvBackward0", lambda xp, x, a: K.erfinv(xp, x),
                 lambda xp, g, x, o, a: g * (xp.exp(o * o) * (math.sqrt(math.pi) / 2)), "out",
                 doc="Inverse error function (NaN outside [-1, 1], +-inf at +-1).")
lgamma = _define("lgamma", "LgammaBackward0", lambda xp, x, a: K.lgamma(xp, x),
                 lambda xp, g, x, o, a: g * K.digamma(xp, x), doc="``log|Gamma(x)|`` (+inf at the poles).")
digamma = _define("digamma", "DigammaBackward0", lambda xp, x, a: K.digamma(xp, x),
                  lambda xp, g, x, o, a: g * K.polygamma(xp, 1, x),
                  doc="``d/dx lgamma(x)``: -inf at +0, +inf at -0, NaN at the negative integers, as PyTorch.")
_polygamma = _define("polygamma", "PolygammaBackward0", lambda xp, x, n: K.polygamma(xp, n, x),
                     lambda xp, g, x, o, n: g * K.polygamma(xp, n + 1, x), arg_name="n", default=0)
i0 = _define("i0", "I0Backward0", lambda xp, x, a: K.bessel_i(xp, x, 0),
             lambda xp, g, x, o, a: g * K.bessel_i(xp, x, 1),
             doc="Modified Bessel function of the first kind, order 0.")
sinc = _define("sinc", "SincBackward0", _sinc_fwd, _sinc_grad, doc="``sin(pi x) / (pi x)``, 1 at 0.")
acosh = _define("acosh", "AcoshBackward0", lambda xp, x, a: xp.arccosh(x),
                lambda xp, g, x, o, a: g / xp.sqrt((x - 1) * (x + 1)))
asinh = _define("asinh", "AsinhBackward0", lambda xp, x, a: xp.arcsinh(x),
                lambda xp, g, x, o, a: g / xp.sqrt(x * x + 1))
atanh = _define("atanh", "AtanhBackward0", lambda xp, x, a: xp.arctanh(x), lambda xp, g, x, o, a: g / (1 - x * x))
arccosh, arcsinh, arctanh = acosh, asinh, atanh
deg2rad = _define("deg2rad", "Deg2RadBackward0", lambda xp, x, a: x * (math.pi / 180),
                  lambda xp, g, x, o, a: g * (math.pi / 180), "")
rad2deg = _define("rad2deg", "Rad2DegBackward0", lambda xp, x, a: x * (180 / math.pi),
                  lambda xp, g, x, o, a: g * (180 / math.pi), "")
sgn = _define("sgn", "SgnBackward0", lambda xp, x, a: xp.sign(x), _zero, "", False,
              doc="The sign of real input (``sign``).")


def polygamma(n, input):
    """The ``n``-th derivative of digamma (``n = 0`` is digamma); int input gives the default float dtype."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n: got n={n}" if isinstance(n, int) and
                           not isinstance(n, bool) else f"polygamma(): n must be a non-negative int, got {n!r}")
    if not isinstance(input, Tensor):
        raise TypeError(f"polygamma(): argument 'input' must be Tensor, not {type(input).__name__}")
    return _polygamma(input, n)


def mvlgamma(input, p):
    """Multivariate log-gamma of dimension ``p``: ``sum_i lgamma(x - i/2) + p(p-1)/4 log(pi)``; every element
    must exceed ``(p - 1) / 2``. Composed, so the gradient comes from the lgamma nodes."""
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, got {p!r}")
    if input._array.size and not bool((input._array > (p - 1) / 2).all()):
        raise RuntimeError(f"All elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    out = lgamma(input)
    for i in range(1, p):
        out = add(out, lgamma(sub(input, i / 2)))
    return add(out, p * (p - 1) / 4 * math.log(math.pi))


def _inplace(op, name):
    def fn(self, *args):
        if op is mvlgamma:   # composed: its inner nodes save ``self``, which the write would corrupt
            return apply_inplace(self, lambda t, *a: op(clone(t), *a), *args)
        return apply_inplace(self, op, *args)
    fn.__name__ = name
    fn.__doc__ = f"In-place ``{op.__name__}``."
    return fn


# Tensor methods (polygamma takes the order first as a method too: ``x.polygamma(n)``)
TENSOR_METHODS = {name: globals()[name] for name in __all__ if name != "polygamma"}
TENSOR_METHODS["polygamma"] = lambda self, n: polygamma(n, self)
TENSOR_METHODS["polygamma"].__doc__ = "The ``n``-th derivative of ``digamma``: ``x.polygamma(1)`` is the trigamma."
TENSOR_METHODS.update({n + "_": _inplace(globals()[n], n + "_") for n in __all__ if n != "polygamma"})
TENSOR_METHODS["polygamma_"] = lambda self, n: apply_inplace(self, lambda t, k: polygamma(k, t), n)
TENSOR_METHODS["polygamma_"].__doc__ = "In-place version of :meth:`Tensor.polygamma`."
