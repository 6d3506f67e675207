"""``sort``, ``argsort`` and ``topk``: stable orders, values differentiable through their indices."""

import numpy as np

from ..return_types import structseq
from ..autograd.node import Node
from ._util import make, norm_dim, record, xp_of
from .numpy_names import numpy_names

__all__ = ["sort", "argsort", "topk"]

return_sort = structseq("sort", ["values", "indices"])
return_topk = structseq("topk", ["values", "indices"])


class SortBackward0(Node):
    __slots__ = ("shape", "idx", "dim")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        out = xp.zeros(self.shape, g.dtype)
        xp.put_along_axis(out, self.idx, g, axis=self.dim)
        return (out,)


class TopkBackward0(SortBackward0):
    __slots__ = ()


def _sorted_indices(x, d, descending):
    xp = xp_of(x)
    if not descending:
        return xp.argsort(x, axis=d, kind="stable")
    # a stable sort of negated keys keeps ties in index order (bool/unsigned keys are mirrored instead)
    if x.dtype.kind == "b":
        key = ~x
    elif x.dtype.kind == "u":
        key = x.max() - x if x.size else x
    else:
        key = -x
    return xp.argsort(key, axis=d, kind="stable")


@numpy_names
def sort(input, dim=-1, descending=False, stable=False):
    """Sorted values and their indices along ``dim`` (ties keep index order)."""
    x = input._array
    if x.ndim == 0:
        return return_sort(make(x.copy(), input._device), make(xp_of(x).zeros((), np.int64), input._device))
    d = norm_dim(dim, x.ndim)
    idx = _sorted_indices(x, d, descending)
    vals = xp_of(x).take_along_axis(x, idx, axis=d)
    out = make(vals, input._device)
    record(out, SortBackward0, (input,), (), shape=x.shape, idx=idx, dim=d)
    return return_sort(out, make(idx.astype(np.int64), input._device))


@numpy_names
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim`` (ascending unless ``descending``).

        ember.tensor([3, 1, 2]).argsort()    # tensor([1, 2, 0])"""
    return sort(input, dim, descending, stable).indices


@numpy_names
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) values along ``dim`` with their indices."""
    x = input._array
    d = norm_dim(dim, x.ndim) if x.ndim else 0
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        return return_topk(make(x.copy(), input._device), make(xp_of(x).zeros((), np.int64), input._device))
    xp = xp_of(x)
    idx = _sorted_indices(x, d, largest)
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    vals = xp.take_along_axis(x, idx, axis=d)
    out = make(vals, input._device)
    record(out, TopkBackward0, (input,), (), shape=x.shape, idx=idx, dim=d)
    return return_topk(out, make(idx.astype(np.int64), input._device))
