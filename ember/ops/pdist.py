"""``pdist``: p-norm distances between all pairs of rows (``i < j``, row-major), composed of differentiable ops."""
from .indexing import index_select
from .reduction import norm
from ._util import make

__all__ = ["pdist"]


def pdist(input, p=2):
    """Condensed ``N * (N - 1) / 2`` distances ``||x_i - x_j||_p`` of the rows of ``input (N, M)``."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._array.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    xp = input._device.xp
    i, j = xp.triu_indices(input.shape[0], 1)
    diff = index_select(input, 0, make(i, input._device)) - index_select(input, 0, make(j, input._device))
    return norm(diff, p, 1)
