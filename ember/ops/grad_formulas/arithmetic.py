"""Binary arithmetic, ``where`` and ``clamp``: their backward as recorded ember ops."""
import ember as E

from ...autograd.higher_order import formula, output, saved
from .. import elementwise as el
from ._common import cast, const, sum_to


def operands(node):
    """A ``_Binary`` node's two operands as Tensors in the graph (a Python scalar stays one)."""
    return saved(node, 0, node.x, node.xdt), saved(node, 1, node.y, node.ydt)


def binary_out(node, ga, gb):
    """Gradients summed back over broadcasting and cast to each operand's dtype; None where none is needed."""
    na, nb = node._next
    return (cast(sum_to(ga, node.xs), node.xdt) if na is not None else None,
            cast(sum_to(gb, node.ys), node.ydt) if nb is not None else None)


@formula(el.AddBackward0)
def _add(node, g):
    return binary_out(node, g, g if node.alpha == 1 else g * node.alpha)


@formula(el.SubBackward0)
def _sub(node, g):
    return binary_out(node, g, -g if node.alpha == 1 else g * -node.alpha)


@formula(el.MulBackward0)
def _mul(node, g):
    x, y = operands(node)
    return binary_out(node, g * y, g * x)


@formula(el.DivBackward0)
def _div(node, g):
    x, y = operands(node)
    return binary_out(node, g / y, -g * x / (y * y))


@formula(el.PowBackward0)
def _pow_scalar(node, g):
    x, p = saved(node, 0, node.x, node.xdt), node.y
    if p == 0:
        return binary_out(node, g * 0, None)
    return binary_out(node, g * p * x ** (p - 1) if p != 1 else g, None)


@formula(el.PowBackward1, el.PowBackward2)
def _pow(node, g):
    x, y = operands(node)
    out = output(node, node.out)
    ga = g * E.where(y == 0, E.zeros_like(g), y * x ** E.where(y == 0, E.ones_like(y), y - 1))
    xs = x if hasattr(x, "shape") else E.tensor(x, dtype=g.dtype)
    safe = E.where(xs == 0, E.ones_like(xs), xs)            # log(0) only where the gradient is 0 anyway
    gb = g * E.where((xs == 0) & (y >= 0), E.zeros_like(g), out * E.log(safe))
    return binary_out(node, ga, gb)


@formula(el.MaximumBackward0, el.MinimumBackward0)
def _max_min(node, g):
    # which operand is picked is piecewise constant: no gradient flows through the choice
    tx, ty = const(node.x), const(node.y)
    pick = E.gt if node._pick == "greater" else E.lt
    w = E.where(tx == ty, E.full_like(g, 0.5), pick(tx, ty).to(g.dtype))
    return binary_out(node, g * w, g * (1 - w))


@formula(el.Atan2Backward0)
def _atan2(node, g):
    x, y = operands(node)
    d = x * x + y * y
    return binary_out(node, g * y / d, -g * x / d)


@formula(el.WhereBackward0)
def _where(node, g):
    _, na, nb = node._next
    c = const(node.cond)
    z = E.zeros_like(g)
    return (None, sum_to(E.where(c, g, z), node.xs) if na is not None else None,
            sum_to(E.where(c, z, g), node.ys) if nb is not None else None)


@formula(el.ClampBackward1)
def _clamp_scalar(node, g):
    return (g * const(node.mask).to(g.dtype),)
