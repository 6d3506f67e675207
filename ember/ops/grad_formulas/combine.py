"""Joining, splitting, indexing, scans, order statistics and the rarer binary/reduction ops: their backward as
recorded ember ops, so ``create_graph=True`` can differentiate through them.

Most of these backwards are linear maps of the gradient (a slice, a scatter, a flip); the indices and masks
they use are constants. Writes of ``g`` to arbitrary positions (advanced indexing, diagonals, masked_select)
all go through ``_place``: flat positions computed on arrays, then one differentiable ``scatter_add`` into
zeros, which accumulates repeated indices as the array backward does. Where a backward uses the op's
result, it is either the node's own output (``output``: cumprod, hypot, logcumsumexp) or, where the node
saved it in another shape (keepdim), recomputed from the saved input (prod, std, norm, logsumexp): the same
values, with a graph back to the input. Which elements tie for a max, or which side a clamp picks, is
piecewise constant: those weights are constants. Selections use ``where`` rather than a product with a 0/1
mask, as PyTorch's ``masked_fill`` does, so a NaN gradient arriving later is not turned into ``0 * NaN``.
"""
import numpy as np

import ember as E

from ...autograd.higher_order import formula, output, saved
from .. import (arith_extra as ax, combine as cb, einsum as es, elementwise as el, index_extra as ie, indexing as ix,
               quantile as qt, reduction as red, scan as sc, shape as sh, softmax as sm, sorting as so, structure as st)
from .._util import is_array, xp_of
from ._common import const, sum_to
from .arithmetic import binary_out, operands


def _zeros(shape, g):
    return E.zeros(tuple(shape), dtype=g.dtype, device=g.device)


def _or_zeros(g, shape, ref):
    """A multi-output node's missing gradient counts as zeros of that output's shape."""
    return g if g is not None else _zeros(shape, ref)


def _place(shape, pos, g):
    """Zeros of ``shape`` with ``g`` added at the flat positions ``pos`` (an array shaped like ``g``); repeats add."""
    n = int(np.prod(shape))
    flat = E.scatter_add(_zeros((n,), g), 0, const(pos.reshape(-1).astype(np.int64)), g.reshape(-1))
    return flat.reshape(tuple(shape))


def _positions(shape, like):
    """Flat position of every element of an array of ``shape``, on ``like``'s device."""
    xp = xp_of(like) if is_array(like) else np
    return xp.arange(int(np.prod(shape)), dtype=np.int64).reshape(tuple(shape))


def _tensor_index(index):
    """A saved (NumPy/CuPy) index tuple as one ``Tensor.__getitem__`` accepts on any device."""
    return tuple(const(i) if is_array(i) else i for i in index)


# ---- joining and splitting ----------------------------------------------------------------------------

@formula(cb.CatBackward0)
def _cat(node, g):
    out = []
    for e, (lo, hi) in zip(node._next, node.bounds):
        if e is None:
            out.append(None)
        elif hi is None:                          # a skipped legacy empty 1-D input
            out.append(_zeros((0,), g))
        else:
            out.append(g.narrow(node.dim, lo, hi - lo))
    return tuple(out)


@formula(cb.StackBackward0)
def _stack(node, g):
    return tuple(None if e is None else g.select(node.dim, i) for i, e in enumerate(node._next))


@formula(cb.SplitBackward0)
def _split(node, grads):
    ref = next(g for g in grads if g is not None)
    pieces = []
    for g, (lo, hi) in zip(grads, node.bounds):
        shape = list(node.shape)
        shape[node.dim] = hi - lo
        pieces.append(_or_zeros(g, shape, ref))
    return (E.cat(pieces, node.dim),)


@formula(cb.UnbindBackward0)
def _unbind(node, grads):
    ref = next(g for g in grads if g is not None)
    shape = node.shape[:node.dim] + node.shape[node.dim + 1:]
    return (E.stack([_or_zeros(g, shape, ref) for g in grads], node.dim),)


# ---- indexing: gather / scatter / index / masks -------------------------------------------------------

@formula(ix.IndexBackward0)
def _index(node, g):
    return (_place(node.shape, _positions(node.shape, g._array)[node.index], g),)


@formula(ix.CopySlices)
def _copy_slices(node, g):
    nx, nv = node._next
    idx = _tensor_index(node.index)
    gx = gv = None
    if nx is not None:                            # overwritten elements get no gradient
        mask = E.zeros(tuple(g.shape), dtype=E.bool, device=g.device)
        mask[idx] = True
        gx = E.where(mask, E.zeros_like(g), g)
    if nv is not None:
        gv = sum_to(g[idx], node.vshape)
    return gx, gv


@formula(ix.GatherBackward0)
def _gather(node, g):
    return (E.scatter_add(_zeros(node.shape, g), node.dim, const(node.idx), g),)


@formula(ix.ScatterAddBackward0, ix.ScatterBackward0)
def _scatter(node, g):
    nx, ns = node._next
    idx, d = node.idx, node.dim
    gx = gs = None
    if nx is not None:
        gx = g
        if type(node) is ix.ScatterBackward0:     # scatter overwrites: the old values there get no gradient
            mask = xp_of(idx).zeros(tuple(g.shape), dtype=bool)
            sl = tuple(slice(0, s) if i != d else slice(None) for i, s in enumerate(idx.shape))
            xp_of(idx).put_along_axis(mask[sl], idx, True, axis=d)
            gx = E.where(const(mask), E.zeros_like(g), g)
    if ns is not None:
        picked = E.gather(g, d, const(idx))
        if tuple(idx.shape) == tuple(node.src_shape):
            gs = picked
        else:                                     # src larger than index: the rest of src is unused
            gs = _zeros(node.src_shape, g)
            gs[tuple(slice(0, s) for s in idx.shape)] = picked
    return gx, gs


def _to_src(node, g, gsrc):
    """Gradients for the scattered values (``idx``-shaped) placed in zeros of ``src``'s shape."""
    gsrc = gsrc.reshape(tuple(node.idx.shape))
    if tuple(node.idx.shape) == tuple(node.src_shape):
        return gsrc
    gs = _zeros(node.src_shape, g)
    gs[tuple(slice(0, s) for s in node.idx.shape)] = gsrc
    return gs


@formula(ie.ScatterReduceBackward0)
def _scatter_reduce(node, g):
    nx, ns = node._next
    xp, red, inc = xp_of(node.x), node.reduce, node.include_self
    touched, lin = const(node.touched.reshape(g.shape)), const(node.lin)
    gf, z = g.reshape(-1), E.zeros_like(g)
    if red == "sum":
        gx, gsrc = (g if inc else E.where(touched, z, g)), gf[lin]
    elif red == "mean":
        scaled = gf / const(xp.maximum(node.counts + (1 if inc else 0), 1).astype(node.x.dtype))
        gx = E.where(touched, scaled.reshape(g.shape) if inc else z, g)
        gsrc = scaled[lin]
    elif red == "prod":
        xf, vals = node.x.reshape(-1), node.vals
        if (vals == 0).any() or (inc and (node.touched & (xf == 0)).any()):
            raise NotImplementedError("create_graph=True: ember cannot differentiate the backward of "
                                      "ScatterReduceBackward0 (prod) with zero factors yet")
        if vals.shape != tuple(node.src_shape):
            raise NotImplementedError("create_graph=True: ember cannot differentiate the backward of "
                                      "ScatterReduceBackward0 (prod) with src larger than index yet")
        go = gf * output(node, node.result).reshape(-1)
        gx = E.where(touched, (go / saved(node, 0, node.x).reshape(-1)).reshape(g.shape) if inc else z, g)
        gsrc = go[lin] / saved(node, 1, vals).reshape(-1)
    else:
        # amax/amin: which values tie for the extreme is piecewise constant, so the shares are constants
        xf, rf, vals = node.x.reshape(-1), node.result.reshape(-1), node.vals.ravel()
        eq_self = (xf == rf) & node.touched
        eq_src = vals == rf[node.lin]
        count = eq_self + xp.bincount(node.lin, weights=eq_src.astype(np.float64), minlength=xf.shape[0])[:xf.shape[0]]
        share = gf / const(xp.maximum(count, 1).astype(node.x.dtype))
        gx = E.where(touched, (share * const(eq_self.astype(node.x.dtype))).reshape(g.shape) if inc else z, g)
        gsrc = share[lin] * const(eq_src.astype(node.x.dtype))
    return gx if nx is not None else None, _to_src(node, g, gsrc) if ns is not None else None


@formula(ix.IndexSelectBackward0)
def _index_select(node, g):
    return (E.index_add(_zeros(node.shape, g), node.dim, const(node.idx), g),)


@formula(ix.MaskedFillBackward0)
def _masked_fill(node, g):
    nx, nv = node._next
    m = const(node.mask)
    z = E.zeros_like(g)
    gx = sum_to(E.where(m, z, g), node.xshape) if nx is not None else None
    gv = E.where(m, g, z).sum() if nv is not None else None
    return gx, gv


@formula(ix.MaskedSelectBackward0)
def _masked_select(node, g):
    pos = _positions(node.shape, node.mask)[xp_of(node.mask).broadcast_to(node.mask, node.shape)]
    return (_place(node.shape, pos, g),)


# ---- rearrangements -----------------------------------------------------------------------------------

@formula(sh.DiagonalBackward0)
def _diagonal(node, g):
    pos = xp_of(g._array).diagonal(_positions(node.shape, g._array), node.offset, node.d1, node.d2)
    return (_place(node.shape, pos, g),)


@formula(st.DiagEmbedBackward0)
def _diag_embed(node, g):
    return (E.diagonal(g, node.offset, node.d1, node.d2),)


@formula(cb.FlipBackward0)
def _flip(node, g):
    return (g.flip(node.dims) if node.dims else g.clone(),)


@formula(cb.RollBackward0)
def _roll(node, g):
    neg = tuple(-s for s in node.shifts) if isinstance(node.shifts, tuple) else -node.shifts
    return (g.roll(neg, node.dims),)


@formula(sh.RepeatBackward0)
def _repeat(node, g):
    reps, shape = node.reps, tuple(node.shape)
    full = (1,) * (len(reps) - len(shape)) + shape
    inter = [v for pair in zip(reps, full) for v in pair]
    return (g.reshape(inter).sum(dim=tuple(range(0, 2 * len(reps), 2))).reshape(shape),)


@formula(cb.TrilBackward0)
def _tril(node, g):
    return (E.tril(g, node.k),)


@formula(cb.TriuBackward0)
def _triu(node, g):
    return (E.triu(g, node.k),)


# ---- scans --------------------------------------------------------------------------------------------

def _rev_cumsum(t, d):
    return t.flip(d).cumsum(d).flip(d)


@formula(red.CumsumBackward0)
def _cumsum(node, g):
    return (g.clone() if g.ndim == 0 else _rev_cumsum(g, node.dim),)


@formula(red.CumprodBackward0)
def _cumprod(node, g):
    d = node.dim
    x = saved(node, 0, node.x)
    if x.ndim == 0:
        return (g.clone(),)
    if not (node.x == 0).any():
        return (_rev_cumsum(g * output(node, node.out), d) / x,)
    # with zeros: d out_j / d x_i = prod_{k<=j, k!=i} x_k (j >= i); rows i of an (n, n) matrix, x_i set to 1
    n = x.shape[d]
    xm, gm = x.movedim(d, -1), g.movedim(d, -1)
    eye = const(xp_of(node.x).eye(n, dtype=bool))
    rows = E.where(eye, E.ones((n, n), dtype=x.dtype, device=x.device), xm.unsqueeze(-2).expand(*xm.shape[:-1], n, n))
    part = rows.cumprod(-1)                                        # [..., i, j]
    upper = const(xp_of(node.x).triu(xp_of(node.x).ones((n, n), dtype=bool)))
    r = (E.where(upper, part, E.zeros_like(part)) * gm.unsqueeze(-2)).sum(-1)
    return (r.movedim(-1, d),)


@formula(sc.LogcumsumexpBackward0)
def _logcumsumexp(node, g):
    # dx_j = sum_{i >= j} g_i exp(x_j - out_i): an (n, n) lower-triangular weight, each entry <= 1
    d = node.dim
    if g.ndim == 0:
        return (g.clone(),)
    x = saved(node, 0, node.x).movedim(d, -1)
    out = output(node, node.out).movedim(d, -1)
    n = x.shape[-1]
    lower = const(xp_of(node.x).tril(xp_of(node.x).ones((n, n), dtype=bool)))    # [i, j]: i >= j
    arg = x.unsqueeze(-2) - out.unsqueeze(-1)
    w = E.where(lower, E.exp(E.where(lower, arg, E.zeros_like(arg))), E.zeros_like(arg))
    r = (w * g.movedim(d, -1).unsqueeze(-1)).sum(-2)
    return (r.movedim(-1, d),)


# ---- order statistics and extremes --------------------------------------------------------------------

@formula(so.SortBackward0, so.TopkBackward0)
def _sort(node, g):
    return (E.scatter_add(_zeros(node.shape, g), node.dim, const(node.idx), g),)


@formula(red.MaxBackward0, red.MinBackward0)
def _max_dim(node, grads):
    g = grads[0] if isinstance(grads, tuple) else grads
    ks = tuple(node.kshape)
    return (E.scatter_add(_zeros(node.shape, g), node.dim, const(node.idx.reshape(ks)), g.reshape(ks)),)


@formula(red.MaxBackward1, red.MinBackward1, red.AmaxBackward0, red.AminBackward0)
def _evenly(node, g):
    # which elements tie for the extreme is piecewise constant: the weights are constants
    mask = node.x == node.out.reshape(node.kshape)
    w = mask / mask.sum(axis=node.axes, keepdims=True)
    return (g.reshape(node.kshape) * const(w.astype(node.x.dtype)),)


@formula(qt.EvenlyDistributeBackward)
def _evenly_all(node, g):
    xp, x, v = xp_of(node.x), node.x, node.v
    mask = (x == v) | (xp.isnan(x) & xp.isnan(v)) if x.dtype.kind == "f" else x == v
    # no floor on the count (the array backward's max(.., 1)): an empty input's derivative is NaN, as PyTorch's
    return (g / const(xp.asarray(mask.sum(), dtype=x.dtype)) * const(mask.astype(x.dtype)),)


# ---- binary ops with piecewise or saved-operand gradients ---------------------------------------------

def _extra(name):
    """A node class ``arith_extra`` builds inline (``_node``), found by name among ``_Binary``'s subclasses."""
    return next(c for c in el._Binary.__subclasses__() if c.__name__ == name and c.__module__ == ax.__name__)


def _bcast(g, c):
    """A constant (array) broadcast against ``g``, as a Tensor of ``g``'s dtype."""
    return const(xp_of(c).asarray(c).astype(g._array.dtype))


@formula(el.ClampBackward0)
def _clamp(node, g):
    nx, nlo, nhi = node._next
    x, lo, hi = node.x, node.lo, node.hi
    below = (x < lo) if lo is not None else False
    above = (x > hi) if hi is not None else False
    if lo is not None and hi is not None:
        below = below & ~(lo > hi)                 # PyTorch: max wins when min > max
        above = above | (lo > hi)
    keep = ~(below | above)
    z = E.zeros_like(g)
    pick = (lambda m: E.where(const(xp_of(x).asarray(m)), g, z))           # a selection, as in PyTorch
    return (sum_to(pick(keep), node.shapes[0]) if nx is not None else None,
            sum_to(pick(below), node.shapes[1]) if nlo is not None else None,
            sum_to(pick(above), node.shapes[2]) if nhi is not None else None)


@formula(el.DivBackward1)
def _div_rounded(node, g):
    return binary_out(node, g * 0, g * 0)


@formula(el.RemainderBackward0)
def _remainder(node, g):
    q = xp_of(g._array).floor_divide(node.x, node.y)
    return binary_out(node, g, -g * _bcast(g, q) if node._next[1] is not None else None)


@formula(el.FmodBackward0)
def _fmod(node, g):
    q = xp_of(g._array).trunc(node.x / node.y)
    return binary_out(node, g, -g * _bcast(g, q) if node._next[1] is not None else None)


def _fmax_like(node, g, keep):
    # a selection (PyTorch's masked_fill), not a product: a NaN gradient arriving later must not turn 0 * NaN
    w = const(keep | xp_of(g._array).isnan(node.y))
    z = E.zeros_like(g)
    return binary_out(node, E.where(w, g, z), E.where(w, z, g))


@formula(_extra("FmaxBackward0"))
def _fmax(node, g):
    return _fmax_like(node, g, node.x >= node.y)


@formula(_extra("FminBackward0"))
def _fmin(node, g):
    return _fmax_like(node, g, node.x <= node.y)


@formula(_extra("CopysignBackward0"))
def _copysign(node, g):
    # result / x as PyTorch writes it (zero in exact arithmetic once differentiated, but the same rounding)
    x = saved(node, 0, node.x, node.xdt)
    zero = const(node.x == 0)
    safe = E.where(zero, E.ones_like(x), x)
    sign = E.where(zero, E.zeros_like(x), output(node, node.out) / safe)
    return binary_out(node, g * sign, g * 0)


@formula(ax.FrexpBackward0)
def _frexp(node, g):
    return (g / const(xp_of(node.e).exp2(node.e)),)


@formula(_extra("XlogyBackward0"))
def _xlogy(node, g):
    x, y = operands(node)
    nz = const((node.x != 0).astype(node.x.dtype))
    return binary_out(node, g * E.xlogy(nz, y), g * x / y)


@formula(_extra("HypotBackward0"))
def _hypot(node, g):
    x, y = operands(node)
    out = output(node, node.out)
    return binary_out(node, g * x / out, g * y / out)


@formula(_extra("LogaddexpBackward0"))
def _logaddexp(node, g):
    x, y = operands(node)
    return binary_out(node, g / (1 + E.exp(y - x)), g / (1 + E.exp(x - y)))


@formula(_extra("Logaddexp2Backward0"))
def _logaddexp2(node, g):
    x, y = operands(node)
    return binary_out(node, g / (1 + E.exp2(y - x)), g / (1 + E.exp2(x - y)))


# ---- reductions whose gradient uses the input or the result -------------------------------------------

def _axes(node):
    """The reduced dims, from the input's shape and its keepdim shape (a reduced dim of size 1 is a no-op)."""
    return tuple(i for i, (a, b) in enumerate(zip(node.shape, node.kshape)) if a != b)


def _mean(x, axes):
    return x.mean(dim=axes, keepdim=True) if axes else x

@formula(sm.LogsumexpBackward0)
def _logsumexp(node, g):
    x = saved(node, 0, node.x)
    axes = _axes(node)
    lse = E.logsumexp(x, axes, keepdim=True) if axes else x
    return (g.reshape(node.kshape) * E.exp(x - lse),)


@formula(red.VarBackward0)
def _var(node, g):
    x = saved(node, 0, node.x)
    mu = _mean(x, _axes(node))
    return (g.reshape(node.kshape) * ((x - mu) * (2.0 / node.denom)),)


@formula(red.StdBackward0)
def _std(node, g):
    x = saved(node, 0, node.x)
    axes = _axes(node)
    dev = x - _mean(x, axes)
    sq = dev * dev
    sd = ((sq.sum(dim=axes, keepdim=True) if axes else sq) / node.denom).sqrt()
    zero = const(node.out.reshape(node.kshape) == 0)          # 0 where std is 0, as the array backward
    safe = E.where(zero, E.ones_like(sd), sd)
    scale = E.where(zero, E.zeros_like(sd), g.reshape(node.kshape) / (safe * node.denom))
    return (scale * dev,)


@formula(red.NormBackward0)
def _norm(node, g):
    p, axes, xa = node.p, node.axes, node.x
    x = saved(node, 0, xa)
    g = g.reshape(node.kshape)
    xp = xp_of(xa)
    if p == 1:
        return (g * const(xp.sign(xa)),)
    if p in (np.inf, -np.inf):
        a = xp.abs(xa)
        mask = a == node.out.reshape(node.kshape)
        return (g * const((xp.sign(xa) * mask / mask.sum(axis=axes, keepdims=True)).astype(xa.dtype)),)
    if p == 0:
        return (g * 0,)
    zero = const(node.out.reshape(node.kshape) == 0)
    if p == 2:
        n = (x * x).sum(dim=axes, keepdim=True).sqrt()
        safe = E.where(zero, E.ones_like(n), n)
        return (E.where(zero, E.zeros_like(x), x / safe) * g,)
    n = (x.abs() ** p).sum(dim=axes, keepdim=True) ** (1.0 / p)
    safe = E.where(zero, E.ones_like(n), n)
    return (E.where(zero, E.zeros_like(x), x * x.abs() ** (p - 2) / safe ** (p - 1)) * g,)


@formula(red.ProdBackward0)
def _prod(node, g):
    xa, axes = node.x, node.axes
    x = saved(node, 0, xa)
    g = g.reshape(node.kshape)
    if not (xa == 0).any():
        out = x.reshape(-1).prod(0).reshape(node.kshape) if len(axes) == x.ndim and len(axes) != 1 else \
            x.prod(axes[0], keepdim=True) if len(axes) == 1 else None
        return (g * (out / x),)
    # with zeros: product of the others, row i of an (n, n) matrix with x_i set to 1
    lead = x.ndim - len(axes)
    moved = x.movedim(axes, tuple(range(lead, x.ndim)))
    flat = moved.reshape(tuple(moved.shape[:lead]) + (-1,))
    n = flat.shape[-1]
    eye = const(xp_of(xa).eye(n, dtype=bool))
    ones = E.ones((n, n), dtype=x.dtype, device=x.device)
    rows = E.where(eye, ones, flat.unsqueeze(-2).expand(*flat.shape[:-1], n, n))
    others = rows.prod(-1).reshape(tuple(moved.shape)).movedim(tuple(range(lead, x.ndim)), axes)
    return (g * others,)


@formula(es.EinsumBackward0)
def _einsum(node, g):
    grads = []
    for i, e in enumerate(node._next):
        if e is None:
            grads.append(None)
            continue
        sub = node.subs[i]
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"einsum backward with a repeated index in one operand ('{sub}') is not "
                                      f"supported by ember")
        others = [saved(node, j, a) for j, a in enumerate(node.arrays) if j != i]
        other_subs = [s for j, s in enumerate(node.subs) if j != i]
        present = set(node.out).union(*other_subs)
        kept = "".join(c for c in sub if c in present)
        r = E.einsum(",".join([node.out] + other_subs) + "->" + kept, g, *others)
        if kept != sub:                           # indices summed only inside this operand: broadcast back
            shape = node.arrays[i].shape
            r = r.reshape(tuple(shape[k] if c in present else 1 for k, c in enumerate(sub))).expand(shape)
        grads.append(r)
    return tuple(grads)
