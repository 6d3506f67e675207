"""``ember.special``: PyTorch's ``torch.special`` namespace (``ember.special.expit(x)``...). The functions are
ember's own ops under their ``torch.special`` names, or short differentiable compositions of them."""
import math

from .ops.arith_extra import xlogy
from .ops.elementwise import where
from .ops.softmax import log_softmax, logsumexp, softmax
from .ops.special import digamma, erfc, erfinv, i0, lgamma, mvlgamma, polygamma, sinc
from .ops.unary import erf, exp2, expm1, log1p, logit, round, sigmoid

__all__ = ["digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0", "log1p",
           "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "ndtri", "polygamma", "psi", "round",
           "sinc", "softmax", "xlog1py", "xlogy"]

expit = sigmoid
gammaln = lgamma
psi = digamma
multigammaln = mvlgamma


def entr(input):
    """``-x ln x`` elementwise: 0 at 0, ``-inf`` for negative ``x``."""
    pos = input > 0
    safe = where(pos, input, 1.0)               # keeps log's NaN out of the masked-off gradient
    return where(pos, -safe * safe.log(), where(input == 0, 0.0, -math.inf))


def ndtr(input):
    """The standard normal CDF, ``(1 + erf(x / sqrt 2)) / 2``, through ``erfc`` for accuracy in the left tail."""
    return 0.5 * erfc(input * -math.sqrt(0.5))


def ndtri(input):
    """The standard normal quantile function (inverse of ``ndtr``)."""
    return math.sqrt(2.0) * erfinv(2 * input - 1)


def xlog1py(input, other):
    """``x * log1p(y)``, 0 where ``x`` is 0 (even where ``log1p(y)`` is not finite)."""
    zero = input == 0
    return where(zero, 0.0, input * log1p(where(zero, 0.0, other)))
