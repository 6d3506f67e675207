"""Views, permutations, broadcasts, copies, casts and basic indexing, and the random masks of dropout and
rrelu: linear maps of the gradient, recorded."""
import numpy as np

import ember as E

from ...autograd.higher_order import formula
from .. import conversion, extra_activations, indexing as ix, nn_ops, shape as sh
from ._common import const, sum_to


@formula(sh.ViewBackward0, sh.UnsafeViewBackward0, sh.SqueezeBackward0, sh.UnsqueezeBackward0)
def _view(node, g):
    return (g.reshape(node.shape),)


@formula(sh.PermuteBackward0)
def _permute(node, g):
    return (g.permute(*node.inv),)


@formula(sh.TransposeBackward0, sh.TBackward0)
def _transpose(node, g):
    return (g.transpose(node.d0, node.d1),)


@formula(sh.ExpandBackward0)
def _expand(node, g):
    return (sum_to(g, node.shape),)


@formula(sh.CloneBackward0)
def _clone(node, g):
    return (g,)


@formula(ix.SliceBackward0, ix.SelectBackward0)
def _slice(node, g):
    out = E.zeros(node.shape, dtype=g.dtype, device=g.device)
    out[node.index] = g
    return (out,)


@formula(conversion.ToCopyBackward0)
def _to_copy(node, g):
    from ...dtypes import _BY_NP
    return (g.to(device=node.src_device, dtype=_BY_NP[np.dtype(node.src_dtype)]),)


@formula(nn_ops.NativeDropoutBackward0)
def _dropout(node, g):
    return (g * const(node.mask),)         # the mask is a constant of the sample: no gradient through it


@formula(extra_activations.RreluWithNoiseBackward0)
def _rrelu(node, g):
    return (g * const(node.slope),)
