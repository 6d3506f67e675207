"""Splitting, stacking and building tensors: ``tensor_split``, ``hsplit``/``vsplit``/``dsplit``, ``dstack``,
``column_stack``, ``atleast_3d``, ``rot90``, ``tensordot``, ``block_diag``, ``cartesian_prod``,
``combinations``, ``diagflat``, ``vander`` and ``broadcast_shapes``.

All are compositions of differentiable shape, indexing and matmul ops, so their gradients come for free.
"""
import itertools

import numpy as np

from .. import dtypes as _dt
from .._size import Size
from ._util import Tensor, make, norm_dim

__all__ = ["tensor_split", "hsplit", "vsplit", "dsplit", "dstack", "column_stack", "atleast_3d", "rot90",
           "tensordot", "block_diag", "cartesian_prod", "combinations", "diagflat", "vander", "broadcast_shapes"]


def tensor_split(input, indices_or_sections, dim=0):
    """Views split into ``sections`` nearly equal parts (the first ``n % sections`` one longer) or at the
    listed ``indices``."""
    from .combine import split
    x = input._array
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = norm_dim(dim, x.ndim)
    n = x.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        a = ios._array
        if a.dtype.kind not in "iu" or a.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have integer dtype and be 0-D "
                               "or 1-D")
        ios = int(a) if a.ndim == 0 else [int(v) for v in a.tolist()]
    if isinstance(ios, (int, np.integer)):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
        return split(input, sizes, d)
    # indices: piece i is input[ios[i-1]:ios[i]] with Python slice rules (out-of-order ones give empty pieces)
    from .indexing import getitem
    bounds = [None] + [int(i) for i in ios] + [None]
    return tuple(getitem(input, (slice(None),) * d + (slice(lo, hi),)) for lo, hi in zip(bounds[:-1], bounds[1:]))


def _dir_split(input, ios, dim, name, min_dim):
    nd = input._array.ndim
    if nd < min_dim:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dim} dimension, but got a tensor with "
                           f"{nd} dimensions!")
    if isinstance(ios, (int, np.integer)):
        n = input._array.shape[dim]
        if ios <= 0 or n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for 1-D input); an int must divide the size."""
    return _dir_split(input, indices_or_sections, 1 if input._array.ndim > 1 else 0, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """Split along dim 0 of a tensor with at least 2 dims."""
    return _dir_split(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """Split along dim 2 of a tensor with at least 3 dims."""
    return _dir_split(input, indices_or_sections, 2, "dsplit", 3)


def atleast_3d(*tensors):
    """Views with at least three dims: ``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``."""
    from .shape import reshape
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(atleast_3d(t) for t in tensors[0])
    if len(tensors) > 1:
        return tuple(atleast_3d(t) for t in tensors)
    t = tensors[0]
    s = t._array.shape
    if len(s) >= 3:
        return t
    return reshape(t, {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)])


def dstack(tensors):
    """Concatenate along dim 2 after ``atleast_3d``."""
    from .combine import _tensor_list, cat
    _tensor_list(tensors, "dstack")          # validates (and raises PyTorch's errors)
    return cat([atleast_3d(t) for t in tensors], 2)


def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become ``(n, 1)`` columns, then concatenate along dim 1."""
    from .combine import _tensor_list, cat
    from .shape import reshape
    _tensor_list(tensors, "column_stack")
    return cat([reshape(t, (-1, 1)) if t._array.ndim <= 1 else t for t in tensors], 1)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first towards the second)."""
    from .combine import flip
    from .shape import transpose
    nd = input._array.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = norm_dim(dims[0], nd), norm_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, [d1]), d0, d1)
    if k == 2:
        return flip(input, [d0, d1])
    if k == 3:
        return flip(transpose(input, d0, d1), [d1])
    return input.clone()


def tensordot(a, b, dims=2):
    """Sum of products over ``dims``: the last ``dims`` of ``a`` with the first of ``b``, or the listed pairs."""
    from .linalg import matmul
    from .shape import permute, reshape
    na, nb = a._array.ndim, b._array.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError("tensordot expects dims to be an int or a pair of lists of dims")
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {len(da)} and {len(db)}")
        da, db = [norm_dim(d, na) for d in da], [norm_dim(d, nb) for d in db]
    for i, j in zip(da, db):
        if a._array.shape[i] != b._array.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a._array.shape[i]} in dim "
                               f"{i} and second has size {b._array.shape[j]} in dim {j}")
    fa = [i for i in range(na) if i not in da]
    fb = [j for j in range(nb) if j not in db]
    k = int(np.prod([a._array.shape[i] for i in da]))
    sa, sb = [a._array.shape[i] for i in fa], [b._array.shape[j] for j in fb]
    am = reshape(permute(a, fa + da), (int(np.prod(sa)), k))
    bm = reshape(permute(b, db + fb), (k, int(np.prod(sb))))
    return reshape(matmul(am, bm), sa + sb)


def block_diag(*tensors):
    """A block-diagonal matrix of the inputs (0-d as 1x1, 1-D as one row)."""
    from .indexing import setitem
    from .shape import reshape
    ts = []
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"block_diag(): expected Tensors, got {type(t).__name__}")
        nd = t._array.ndim
        if nd > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {len(ts)} "
                               f"has {nd} dimensions")
        ts.append(reshape(t, (1, 1)) if nd == 0 else reshape(t, (1, -1)) if nd == 1 else t)
    if not ts:
        dev = _default_device()
        return make(dev.xp.zeros((1, 0), _dt.get_default_dtype().np), dev)
    dt = ts[0].dtype
    for t in ts[1:]:
        dt = _dt.promote_types(dt, t.dtype)
    rows = sum(t._array.shape[0] for t in ts)
    cols = sum(t._array.shape[1] for t in ts)
    dev = ts[0]._device
    out = make(dev.xp.zeros((rows, cols), dt.np), dev)
    r = c = 0
    for t in ts:
        h, w = t._array.shape
        setitem(out, (slice(r, r + h), slice(c, c + w)), t.to(dt))     # empty blocks too: they get a gradient
        r, c = r + h, c + w
    return out


def _default_device():
    from ..backend import get_default_device
    return get_default_device()


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D input, as rows (a single input is returned as is)."""
    from .shape import reshape
    from .structure import meshgrid
    from .combine import stack
    for t in tensors:
        if not isinstance(t, Tensor) or t._array.ndim != 1:
            raise RuntimeError("Expect a 1D vector, but got shape "
                               f"{list(t._array.shape) if isinstance(t, Tensor) else type(t).__name__}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """Rows of ``r`` elements of the 1-D ``input`` in order, like ``itertools.combinations``."""
    from .indexing import index_select
    from .shape import reshape
    x = input._array
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return make(input._device.xp.empty((0,), x.dtype), input._device)
    gen = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(gen(range(x.shape[0]), r)), np.int64).reshape(-1)
    rows = idx.size // r
    sel = index_select(input, 0, make(input._device.xp.asarray(idx), input._device))
    return reshape(sel, (rows, r))


def diagflat(input, offset=0):
    """A matrix with the flattened ``input`` on diagonal ``offset``."""
    from .shape import reshape
    from .structure import diag_embed
    return diag_embed(reshape(input, (-1,)), offset)


def vander(x, N=None, increasing=False):
    """Columns of powers of the 1-D ``x`` (decreasing by default; ``N`` columns, default ``len(x)``)."""
    from .combine import cat, flip
    from .reduction import cumprod
    from .shape import expand, reshape
    a = x._array
    if a.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = a.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    t = x
    if a.dtype.kind in "biu":
        t = x.to(_dt.int64)
    if n == 0:
        return make(x._device.xp.empty((a.shape[0], 0), t._array.dtype), x._device)
    ones = make(x._device.xp.ones((a.shape[0], 1), t._array.dtype), x._device)
    col = reshape(t, (-1, 1))
    # a running product of [1, x, x, ...] is differentiable everywhere (x ** 0 would give 0 * inf at x = 0)
    out = cumprod(cat([ones, expand(col, (a.shape[0], n - 1))], 1), 1) if n > 1 else ones
    return out if increasing else flip(out, [1])


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to (PyTorch's error if they don't)."""
    out = []
    for k, s in enumerate(shapes):
        s = (s,) if isinstance(s, (int, np.integer)) else tuple(s)
        for v in s:
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: {list(s)}")
        if len(s) > len(out):
            out = [1] * (len(s) - len(out)) + out
        for i, v in enumerate(s):
            j = len(out) - len(s) + i
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg {k} and previous shapes")
    return Size(out)
