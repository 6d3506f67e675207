"""``pairwise_distance`` and ``triplet_margin_loss``: p-norms of differences, composed of differentiable ops."""
from .elementwise import clamp, minimum
from .loss import _reduce, _reduction
from .reduction import norm
from ._util import Tensor

__all__ = ["pairwise_distance", "triplet_margin_loss"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension (inputs broadcast)."""
    if not isinstance(x1, Tensor) or not isinstance(x2, Tensor):
        raise TypeError("pairwise_distance(): x1 and x2 must be Tensors")
    dim = max(x1.dim(), x2.dim()) - 1
    return norm(x1 - x2 + eps, p, max(dim, 0) if dim >= 0 else None, keepdim)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the pairwise p-distance; ``swap`` uses
    ``min(d(a, n), d(p, n))`` as the negative distance."""
    reduction = _reduction(reduction, size_average, reduce)
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if len(set(dims)) != 1:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           f"inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(clamp(margin + d_pos - d_neg, min=0), reduction)
