"""Elementwise math and activations (the ``_Unary`` nodes of ``ops/unary.py`` and its siblings).

Their gradient functions are written against an array module, ``grad(xp, g, x, out, arg)``, with the operators
and a few ``xp`` functions that ember has under the same names. Called with ``xp`` = ember (``_TensorXP``) and
Tensors for ``g``, ``x`` and ``out``, the same formula records itself: one definition of each derivative, not
two. The few that need other code (an ``.astype`` on a result, a private helper) have their own formula here.
"""
import math

import ember as E

from ...autograd.higher_order import formula, has_own_formula, output, saved
from ..._tensor import Tensor
from .. import extra_activations, special, unary as un  # noqa: F401  (their node classes exist once imported)
from ._common import const


class _Result(Tensor):
    """A Tensor that accepts NumPy's ``astype(dtype, copy=False)`` as a no-op (ember's ``where`` already
    returns the gradient's dtype), so array formulas run unchanged."""
    __slots__ = ()

    def astype(self, dtype, copy=True):
        return self


def _result(t):
    t.__class__ = _Result
    return t


class _TensorXP:
    """The array-module functions the unary gradients call, on Tensors."""
    _ALIASES = {"arctan": "atan", "arcsin": "asin", "arccos": "acos"}

    def __getattr__(self, name):
        return getattr(E, self._ALIASES.get(name, name))

    @staticmethod
    def where(c, a, b):
        like = a if isinstance(a, Tensor) else b
        a = a if isinstance(a, Tensor) else E.full_like(like, a)
        b = b if isinstance(b, Tensor) else E.full_like(like, b)
        return _result(E.where(c, a, b))

    @staticmethod
    def minimum(a, b):
        return E.clamp(a, max=b) if not isinstance(b, Tensor) else E.minimum(a, b)

    @staticmethod
    def maximum(a, b):
        return E.clamp(a, min=b) if not isinstance(b, Tensor) else E.maximum(a, b)


_XP = _TensorXP()


def _unary_classes():
    """Every ``_Unary`` node class (``ops/unary.py``, ``extra_activations.py``, ``special.py`` make them)."""
    stack = list(un._Unary.__subclasses__())
    while stack:
        cls = stack.pop()
        stack += cls.__subclasses__()
        yield cls


def _inputs(node):
    x = saved(node, 0, node.x) if node.x is not None else None
    out = output(node, node.out) if node.out is not None else None
    return x, out


def generic(node, g):
    x, out = _inputs(node)
    try:
        r = node._grad(_XP, g, x, out, node.arg)
    except (AttributeError, TypeError) as e:
        raise NotImplementedError(f"create_graph=True: ember cannot differentiate the backward of {node.name()} "
                                  f"yet ({type(e).__name__}: {e})") from None
    if r.__class__ is _Result:
        r.__class__ = Tensor
    return (r,)


for _cls in _unary_classes():
    if not has_own_formula(_cls):     # a module imported earlier (linalg_extra's special functions) wrote one
        formula(_cls)(generic)


@formula(un.neg._node_cls)
def _neg(node, g):
    return (-g,)


@formula(un.positive._node_cls, un.frac._node_cls)
def _identity(node, g):
    return (g,)


@formula(un.relu._node_cls)
def _relu(node, g):
    return (g * const(node.out > 0).to(g.dtype),)      # a mask: relu's second derivative is 0 almost everywhere


@formula(un.gelu._node_cls)
def _gelu(node, g):
    x, _ = _inputs(node)
    if node.arg == "tanh":
        return generic(node, g)
    cdf = 0.5 * (1.0 + E.erf(x * (1 / math.sqrt(2.0))))
    pdf = E.exp(-0.5 * x * x) * (1 / math.sqrt(2.0 * math.pi))
    return (g * (cdf + x * pdf),)
