"""Vector geometry: ``cross`` (and ``linalg.cross``) and pairwise distances ``cdist``."""
import math

from ..autograd.node import Node
from ..backend import check_same_device
from ._util import Tensor, make, norm_dim, record, sum_to, xp_of

__all__ = ["cross", "cdist"]


def cross(input, other, dim=None):
    """Cross product of 3-vectors along ``dim`` (inputs broadcast); without ``dim`` the first dim of size 3,
    as ``torch.cross`` did before ``linalg.cross``."""
    from .combine import cat
    from .shape import broadcast_tensors, narrow
    if input._array.ndim != other._array.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got {input._array.ndim} "
                           f"and {other._array.ndim}")
    a, b = broadcast_tensors(input, other)
    shape = a._array.shape
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input of shape {list(shape)}")
    d = norm_dim(dim, len(shape))
    if not shape or shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._array.shape[d] if input._array.ndim else 0} and "
                           f"{other._array.shape[d] if other._array.ndim else 0}")
    a0, a1, a2 = (narrow(a, d, i, 1) for i in range(3))
    b0, b1, b2 = (narrow(b, d, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


class CdistBackward0(Node):
    __slots__ = ("diff", "dist", "p", "s1", "s2")
    _saved = ("diff", "dist")
    _fresh = True

    def backward(self, g):
        n1, n2 = self._next
        xp, diff, dist, p = xp_of(g), self.diff, self.dist[..., None], self.p
        if p == 0:
            gd = xp.zeros_like(diff)
        elif p == 1:
            gd = xp.sign(diff)
        elif p == 2:
            gd = diff / xp.where(dist == 0, 1, dist)
        elif math.isinf(p):
            ad = xp.abs(diff)
            gd = xp.sign(diff) * (ad == dist)
        else:
            ad = xp.abs(diff)
            gd = xp.sign(diff) * (ad / xp.where(dist == 0, 1, dist)) ** (p - 1)
            gd = xp.where(ad == 0, 0, gd)           # p < 1 would give 0 * inf there
        gd = xp.where(dist == 0, 0, gd) * g[..., None]      # PyTorch: no gradient where the distance is 0
        return (sum_to(gd.sum(-2), self.s1) if n1 is not None else None,
                sum_to(-gd.sum(-3), self.s2) if n2 is not None else None)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """p-norm distances between each row of ``x1`` (..., P, M) and of ``x2`` (..., R, M): (..., P, R)."""
    if not isinstance(x1, Tensor) or not isinstance(x2, Tensor):
        raise TypeError(f"cdist(): expected Tensors, got {type(x1).__name__} and {type(x2).__name__}")
    if x1._device is not x2._device:
        check_same_device("cdist", x1._device, x2._device)
    a, b = x1._array, x2._array
    for name, t in (("X1", a), ("X2", b)):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
        if t.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: {t.dtype}")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {a.shape[-1]} X2: {b.shape[-1]}")
    if a.dtype != b.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, got {x1.dtype} and {x2.dtype}")
    p = float(p)
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    xp = x1._device.xp
    diff = a[..., :, None, :] - b[..., None, :, :]
    ad = xp.abs(diff)
    if p == 0:
        dist = (ad != 0).sum(-1).astype(a.dtype)
    elif p == 1:
        dist = ad.sum(-1)
    elif p == 2:
        dist = xp.sqrt((diff * diff).sum(-1))
    elif math.isinf(p):
        dist = ad.max(-1) if ad.shape[-1] else xp.zeros(ad.shape[:-1], a.dtype)
    else:
        dist = (ad ** p).sum(-1) ** (1 / p)
    out = make(dist, x1._device)
    record(out, CdistBackward0, (x1, x2), (), diff=diff, dist=dist, p=p, s1=a.shape, s2=b.shape)
    return out
