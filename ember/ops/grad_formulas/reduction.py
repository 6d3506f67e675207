"""``sum`` and ``mean``: the gradient broadcast back over the reduced dims."""
from ...autograd.higher_order import formula
from .. import reduction as red


@formula(red.SumBackward0, red.SumBackward1)
def _sum(node, g):
    return (g.reshape(node.kshape).expand(node.shape),)


@formula(red.MeanBackward0, red.MeanBackward1)
def _mean(node, g):
    g = g / node.count if node.count else g
    return (g.reshape(node.kshape).expand(node.shape),)
