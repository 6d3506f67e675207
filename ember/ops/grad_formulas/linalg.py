"""Matrix products and ``linear``: products of the gradient with the saved operands, recorded."""
from ...autograd.higher_order import formula, saved
from .. import linalg as la, nn_ops
from ._common import sum_to


def _operands(node):
    return saved(node, 0, node.x), saved(node, 1, node.y)


@formula(la.MatmulBackward0)
def _matmul(node, g):
    na, nb = node._next
    x, y = _operands(node)
    x2 = x.unsqueeze(0) if x.ndim == 1 else x
    y2 = y.unsqueeze(-1) if y.ndim == 1 else y
    if x.ndim == 1:
        g = g.unsqueeze(-2)
    if y.ndim == 1:
        g = g.unsqueeze(-1)
    ga = sum_to(g @ y2.transpose(-1, -2), x2.shape).reshape(x.shape) if na is not None else None
    gb = sum_to(x2.transpose(-1, -2) @ g, y2.shape).reshape(y.shape) if nb is not None else None
    return ga, gb


@formula(la.MmBackward0, la.BmmBackward0)
def _mm(node, g):
    na, nb = node._next
    x, y = _operands(node)
    return (g @ y.transpose(-1, -2) if na is not None else None,
            x.transpose(-1, -2) @ g if nb is not None else None)


@formula(la.DotBackward0)
def _dot(node, g):
    x, y = _operands(node)
    return g * y, g * x


@formula(la.MvBackward0)
def _mv(node, g):
    na, nb = node._next
    x, y = _operands(node)
    return (g.unsqueeze(1) * y.unsqueeze(0) if na is not None else None,
            x.transpose(0, 1) @ g if nb is not None else None)


@formula(nn_ops.AddmmBackward0, nn_ops.MmBackward0)
def _linear(node, g):
    nx, nw, *nb = node._next
    x = saved(node, 0, node.x2.reshape(node.xshape))     # the input as it came: its edge expects that shape
    w = saved(node, 1, node.w)
    g2 = g.reshape(-1, g.shape[-1])
    gx = (g2 @ w).reshape(node.xshape) if nx is not None else None
    gw = g2.transpose(0, 1) @ x.reshape(-1, x.shape[-1]) if nw is not None else None
    gb = g2.sum(0) if nb and nb[0] is not None else None
    return (gx, gw, gb) if nb else (gx, gw)
