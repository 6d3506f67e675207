"""``ember.linalg``: the ``torch.linalg`` functions ember has (``inv``, ``det``, ``slogdet``, ``solve``, ``cross``)."""
from .ops import geometry as _geometry
from .ops.solve import det, inv, slogdet, solve

__all__ = ["inv", "det", "slogdet", "solve", "cross"]


def cross(input, other, *, dim=-1):
    """Cross product of 3-vectors along ``dim`` (default the last); inputs broadcast."""
    return _geometry.cross(input, other, dim=dim)
