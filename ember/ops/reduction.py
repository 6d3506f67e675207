"""Reductions (``dim`` as int or tuple, negative dims, ``keepdim``), softmax family, cumulative sums.

Backward passes broadcast the incoming gradient back over the reduced axes into a fresh array.
"""

import numpy as np

from ..return_types import structseq
from .. import dtypes as _dt
from ..autograd.node import Node
from ._util import Tensor, make, norm_dim, norm_dims, record, xp_of
from .numpy_names import numpy_names

__all__ = ["sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "var_mean",
           "std_mean", "norm", "cumsum", "cumprod", "all", "any", "count_nonzero", "aminmax"]

_max, _min, _sum, _all, _any = max, min, sum, all, any
return_max = structseq("max", ["values", "indices"])
return_min = structseq("min", ["values", "indices"])
return_aminmax = structseq("aminmax", ["min", "max"])


def _keep_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand(g, node):
    """``g`` (reduced) broadcast back to the input shape, as a new array."""
    out = xp_of(g).empty(node.shape, g.dtype)
    out[...] = g.reshape(node.kshape) if g.ndim != len(node.shape) else g
    return out


def _record(cls, out, input, axes, versions=None, /, **saved):
    shape = input._array.shape
    if versions is None:
        versions = (input._vc, input._vc[0], input._array) if "x" in saved else (() if saved else None)
    return record(out, cls, (input,), versions, shape=shape, kshape=_keep_shape(shape, axes), **saved)


def _accumulator(input, dtype):
    """The array to accumulate over: cast to ``dtype``, or bool/integers widened to int64 (PyTorch)."""
    x = input._array
    if dtype is not None:
        return x.astype(_dt.as_dtype(dtype).np)
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


def _wrap(arr, dev):
    return make(arr if hasattr(arr, "shape") else np.asarray(arr), dev)


# ---- sum and mean --------------------------------------------------------------------------------------

class SumBackward0(Node):
    __slots__ = ("shape", "kshape")
    _fresh = True

    def backward(self, g):
        return (_expand(g, self),)


class SumBackward1(SumBackward0):
    __slots__ = ()


@numpy_names
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all dims if None); integer and bool tensors sum to int64."""
    x = _accumulator(input, dtype)
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        axes = tuple(range(x.ndim))
        r = x.sum(axis=None, keepdims=keepdim)
        cls = SumBackward0
    else:
        axes = norm_dims(dim, x.ndim)
        r = x.sum(axis=axes, keepdims=keepdim)
        cls = SumBackward1
    out = _wrap(r, input._device)
    if input._requires_grad:
        _record(cls, out, input, axes)
    return out


class MeanBackward0(Node):
    __slots__ = ("shape", "kshape", "count")
    _fresh = True

    def backward(self, g):
        return (_expand(g / self.count if self.count else g, self),)


class MeanBackward1(MeanBackward0):
    __slots__ = ()


def float_input(input, dtype=None, message=None):
    """``input``'s array (cast to ``dtype`` if given), or ``message`` raised for non-float input."""
    x = input._array
    if dtype is not None:
        x = x.astype(_dt.as_dtype(dtype).np)
    if x.dtype.kind != "f":
        raise RuntimeError(message)
    return x


def _float_input(input, op, dtype=None):
    return float_input(input, dtype, f"{op}(): could not infer output dtype. Input dtype must be either a floating "
                                     f"point or complex dtype. Got: {input.dtype._short}")


@numpy_names
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Arithmetic mean over ``dim`` (floating-point tensors only, as in PyTorch)."""
    x = _float_input(input, "mean", dtype)
    axes = tuple(range(x.ndim)) if dim is None else norm_dims(dim, x.ndim)
    count = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    with np.errstate(invalid="ignore", divide="ignore"):
        r = x.sum(axis=axes, keepdims=keepdim)
        r = r / count if count else r * np.nan
    out = _wrap(xp_of(x).asarray(r, dtype=x.dtype), input._device)
    if input._requires_grad:
        _record(MeanBackward0 if dim is None else MeanBackward1, out, input, axes, count=count)
    return out


# ---- prod ----------------------------------------------------------------------------------------------

class ProdBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "out", "axes")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        x, axes = self.x, self.axes
        g = g.reshape(self.kshape)
        if not (x == 0).any():
            return (g * (self.out.reshape(self.kshape) / x),)
        # with zeros: product of all other elements = exclusive cumprod from the left times from the right
        xp = xp_of(x)
        moved = xp.moveaxis(x, axes, tuple(range(-len(axes), 0)))
        flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
        ones = xp.ones_like(flat[..., :1])
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
        others = (left * right).reshape(moved.shape)
        others = xp.moveaxis(others, tuple(range(-len(axes), 0)), axes)
        return (g * others,)


@numpy_names
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over one ``dim`` (or all); gradients are exact when inputs contain zeros."""
    x = _accumulator(input, dtype)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError("prod(): dim must be a single int (PyTorch does not reduce prod over several dims)")
    axes = tuple(range(x.ndim)) if dim is None else norm_dims(dim, x.ndim)
    r = x.prod(axis=axes, keepdims=keepdim)
    out = _wrap(r, input._device)
    if input._requires_grad:
        _record(ProdBackward0, out, input, axes, (input._vc, input._vc[0], x, out._vc, 0, out._array), x=x,
                out=out._array, axes=axes)
    return out


# ---- max / min and friends -----------------------------------------------------------------------------

class _EvenlyBackward(Node):
    """Gradient of an extreme value shared evenly by the elements equal to it (PyTorch's amax/amin/max())."""
    __slots__ = ("shape", "kshape", "x", "out", "axes")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        mask = self.x == self.out.reshape(self.kshape)
        count = mask.sum(axis=self.axes, keepdims=True)
        return (mask * (g.reshape(self.kshape) / count),)


class MaxBackward1(_EvenlyBackward):
    __slots__ = ()


class MinBackward1(_EvenlyBackward):
    __slots__ = ()


class AmaxBackward0(_EvenlyBackward):
    __slots__ = ()


class AminBackward0(_EvenlyBackward):
    __slots__ = ()


class MaxBackward0(Node):
    """``max(dim)``: the gradient goes to the index that was returned."""
    __slots__ = ("shape", "kshape", "idx", "dim")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        xp = xp_of(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        xp.put_along_axis(out, self.idx.reshape(self.kshape), g.reshape(self.kshape), axis=self.dim)
        return (out,)


class MinBackward0(MaxBackward0):
    __slots__ = ()


def _check_nonempty(x, op, axes):
    if x.size == 0 or _any(x.shape[a] == 0 for a in axes):
        raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
                         f"reduction dim with the 'dim' argument." if not axes or x.size == 0 and len(axes) ==
                         x.ndim else f"{op}(): Expected reduction dim {axes[0]} to have non-zero size.")


def _extreme(input, dim, keepdim, reduce_fn, arg_fn, full_cls, dim_cls, name, ret):
    x = input._array
    if dim is None:
        axes = tuple(range(x.ndim))
        _check_nonempty(x, name, axes)
        out = _wrap(getattr(x, reduce_fn)(axis=None), input._device)
        if input._requires_grad:
            _record(full_cls, out, input, axes, x=x, out=out._array, axes=axes)
        return out
    d = norm_dim(dim, x.ndim)
    if x.ndim == 0:
        return ret(_wrap(x.copy(), input._device), _wrap(xp_of(x).zeros((), np.int64), input._device))
    _check_nonempty(x, name, (d,))
    idx = getattr(x, arg_fn)(axis=d, keepdims=True)
    vals = xp_of(x).take_along_axis(x, idx, axis=d)
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    out = _wrap(vals, input._device)
    if input._requires_grad:
        _record(dim_cls, out, input, (d,), idx=idx, dim=d)
    return ret(out, _wrap(idx.astype(np.int64, copy=False), input._device))


@numpy_names
def max(input, dim=None, keepdim=False, *, out=None):
    """``max(x)`` (a 0-d tensor), ``max(x, dim)`` (``values, indices``) or ``max(x, other)`` (elementwise)."""
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(input, dim)
    return _extreme(input, dim, keepdim, "max", "argmax", MaxBackward1, MaxBackward0, "max", return_max)


@numpy_names
def min(input, dim=None, keepdim=False, *, out=None):
    """``min(x)``, ``min(x, dim)`` (``values, indices``) or ``min(x, other)`` (elementwise)."""
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(input, dim)
    return _extreme(input, dim, keepdim, "min", "argmin", MinBackward1, MinBackward0, "min", return_min)


def _amaxmin(input, dim, keepdim, fn, cls, name):
    x = input._array
    axes = tuple(range(x.ndim)) if dim is None or (isinstance(dim, (tuple, list)) and not dim) else \
        norm_dims(dim, x.ndim)
    _check_nonempty(x, name, axes)
    r = getattr(x, fn)(axis=axes, keepdims=True)
    out = _wrap(r if keepdim else r.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes)),
                input._device)
    if input._requires_grad:
        _record(cls, out, input, axes, x=x, out=r, axes=axes)
    return out


@numpy_names
def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (int or tuple; all dims by default); ties share the gradient."""
    return _amaxmin(input, dim, keepdim, "max", AmaxBackward0, "amax")


@numpy_names
def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (int or tuple; all dims by default); ties share the gradient."""
    return _amaxmin(input, dim, keepdim, "min", AminBackward0, "amin")


@numpy_names
def aminmax(input, *, dim=None, keepdim=False):
    """The minimum and maximum, over all elements or along ``dim``, as a named pair ``(min, max)``.

        lo, hi = ember.aminmax(ember.tensor([3, 1, 2]))     # tensor(1), tensor(3)"""
    return return_aminmax(amin(input, () if dim is None else dim, keepdim),
                          amax(input, () if dim is None else dim, keepdim))


def _arg(input, dim, keepdim, fn, name):
    x = input._array
    if dim is None:
        if x.size == 0:
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = getattr(x.reshape(-1), fn)()
        r = r.astype(np.int64).reshape((1,) * x.ndim if keepdim else ())
    else:
        d = norm_dim(dim, x.ndim)
        if x.ndim == 0:
            return make(xp_of(x).zeros((), np.int64), input._device)
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        r = getattr(x, fn)(axis=d, keepdims=keepdim).astype(np.int64, copy=False)
    return _wrap(r, input._device)


@numpy_names
def argmax(input, dim=None, keepdim=False):
    """Index of the maximum (first one on ties), over the flattened tensor when ``dim`` is None."""
    return _arg(input, dim, keepdim, "argmax", "argmax")


@numpy_names
def argmin(input, dim=None, keepdim=False):
    """Index of the minimum (first one on ties)."""
    return _arg(input, dim, keepdim, "argmin", "argmin")


@numpy_names
def all(input, dim=None, keepdim=False):
    """True if every element (along ``dim``, if given) is nonzero; a bool tensor.

        (x > 0).all()"""
    x = input._array
    axes = None if dim is None else norm_dims(dim, x.ndim)
    return _wrap(x.all(axis=axes, keepdims=keepdim), input._device)


@numpy_names
def any(input, dim=None, keepdim=False):
    """True if any element (along ``dim``, if given) is nonzero; a bool tensor.

        (x > 0).any(dim=1)"""
    x = input._array
    axes = None if dim is None else norm_dims(dim, x.ndim)
    return _wrap(x.any(axis=axes, keepdims=keepdim), input._device)


@numpy_names
def count_nonzero(input, dim=None):
    """The number of nonzero elements, over all elements or along ``dim`` (int64)."""
    x = input._array
    axes = None if dim is None else norm_dims(dim, x.ndim)
    return _wrap((x != 0).sum(axis=axes, dtype=np.int64), input._device)


# ---- variance and friends ------------------------------------------------------------------------------

class VarBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "mu", "denom")
    _saved = ("x", "mu")
    _fresh = True

    def backward(self, g):
        return (g.reshape(self.kshape) * ((self.x - self.mu) * (2.0 / self.denom)),)


class StdBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "mu", "denom", "out")
    _saved = ("x", "mu", "out")
    _fresh = True

    def backward(self, g):
        out = self.out.reshape(self.kshape)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = xp_of(g).where(out == 0, 0, g.reshape(self.kshape) / (out * self.denom))   # 0 where std is 0
        return ((scale * (self.x - self.mu)).astype(self.x.dtype, copy=False),)


def _correction(unbiased, correction):
    if correction is not None:
        if unbiased is not None and not isinstance(unbiased, (int, np.integer)):
            raise RuntimeError("var/std: pass either unbiased or correction, not both")
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_parts(input, dim, unbiased, keepdim, correction, op):
    if isinstance(dim, bool):         # var(x, False): the old positional unbiased
        unbiased, dim = dim, None
    x = _float_input(input, op)
    c = _correction(unbiased, correction)
    axes = tuple(range(x.ndim)) if dim is None else norm_dims(dim, x.ndim)
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    xp = xp_of(x)
    mu = x.mean(axis=axes, keepdims=True) if n else xp.full(_keep_shape(x.shape, axes), np.nan, x.dtype)
    dev = x - mu
    denom = n - c
    with np.errstate(divide="ignore", invalid="ignore"):
        v = (dev * dev).sum(axis=axes, keepdims=keepdim) / _max(denom, 0)
    return x, axes, mu, xp.asarray(v, x.dtype), _max(denom, 0)


@numpy_names
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` with Bessel's ``correction`` (default 1; ``unbiased=False`` means 0)."""
    x, axes, mu, v, denom = _var_parts(input, dim, unbiased, keepdim, correction, "var")
    out = _wrap(v, input._device)
    if input._requires_grad:
        _record(VarBackward0, out, input, axes, x=x, mu=mu, denom=denom)
    return out


@numpy_names
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation over ``dim``; see ``var``."""
    x, axes, mu, v, denom = _var_parts(input, dim, unbiased, keepdim, correction, "std")
    out = _wrap(xp_of(v).sqrt(v), input._device)
    if input._requires_grad:
        _record(StdBackward0, out, input, axes, x=x, mu=mu, denom=denom, out=out._array)
    return out


@numpy_names
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` of ``input`` over ``dim`` (all elements by default); ``correction=1`` (the default) gives
    the unbiased variance."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


@numpy_names
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` of ``input`` over ``dim`` (all elements by default); ``correction=1`` (the default) gives
    the unbiased standard deviation."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


# ---- norm ----------------------------------------------------------------------------------------------

class NormBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "out", "p", "axes")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        x, p, xp = self.x, self.p, xp_of(g)
        g = g.reshape(self.kshape)
        n = self.out.reshape(self.kshape)
        if p == 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = xp.where(n == 0, 0, x / n)
        elif p == 1:
            r = xp.sign(x)
        elif p == np.inf or p == -np.inf:
            a = xp.abs(x)
            mask = a == n
            r = xp.sign(x) * mask / mask.sum(axis=self.axes, keepdims=True)
        elif p == 0:
            r = xp.zeros_like(x)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                r = xp.where(n == 0, 0, x * xp.abs(x) ** (p - 2) / n ** (p - 1))
        return ((g * r).astype(x.dtype, copy=False),)


@numpy_names
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm over ``dim`` (all elements by default): p in {2, 'fro', 1, inf, -inf, 0, any float}."""
    x = float_input(input, dtype, f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                                  f"{input.dtype._short}")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise NotImplementedError(f"norm(p={p!r}) is not supported by ember (vector norms only)")
    axes = tuple(range(x.ndim)) if dim is None else norm_dims(dim, x.ndim)
    xp = xp_of(x)
    a = xp.abs(x)
    if p == 2:
        r = xp.sqrt((x * x).sum(axis=axes, keepdims=True))
    elif p == 1:
        r = a.sum(axis=axes, keepdims=True)
    elif p == np.inf:
        r = a.max(axis=axes, keepdims=True)
    elif p == -np.inf:
        r = a.min(axis=axes, keepdims=True)
    elif p == 0:
        r = (x != 0).astype(x.dtype).sum(axis=axes, keepdims=True)
    else:
        r = (a ** p).sum(axis=axes, keepdims=True) ** (1.0 / p)
    r = r.astype(x.dtype, copy=False)
    out = _wrap(r if keepdim else r.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes)),
                input._device)
    if input._requires_grad:
        _record(NormBackward0, out, input, axes, x=x, out=r, p=p, axes=axes)
    return out


# ---- cumulative ----------------------------------------------------------------------------------------

class CumsumBackward0(Node):
    __slots__ = ("dim",)
    _fresh = True

    def backward(self, g):
        d = self.dim
        if g.ndim == 0:
            return (g.copy(),)
        xp = xp_of(g)
        return (xp.flip(xp.cumsum(xp.flip(g, d), axis=d), d).copy(),)


@numpy_names
def cumsum(input, dim, *, dtype=None):
    """Running sum along ``dim``; integer tensors accumulate in int64."""
    x = _accumulator(input, dtype)
    d = norm_dim(dim, x.ndim)
    out = make(xp_of(x).cumsum(x, axis=d) if x.ndim else x.copy(), input._device)
    record(out, CumsumBackward0, (input,), None, dim=d)
    return out


class CumprodBackward0(Node):
    __slots__ = ("x", "out", "dim")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        x, d = self.x, self.dim
        if (x == 0).any():
            return (self._with_zeros(g),)
        xp = xp_of(g)
        rev = xp.flip(xp.cumsum(xp.flip(g * self.out, d), axis=d), d)
        return (rev / x,)

    def _with_zeros(self, g):
        # exact O(n^2) fallback along dim: d out_j / d x_i = prod_{k<=j, k!=i} x_k for j >= i
        xp = xp_of(g)
        x = xp.moveaxis(self.x, self.dim, -1)
        gm = xp.moveaxis(g, self.dim, -1)
        n = x.shape[-1]
        res = xp.zeros_like(x)
        for i in range(n):
            xi = x.copy()
            xi[..., i] = 1
            partial = xp.cumprod(xi, axis=-1)
            res[..., i] = (gm[..., i:] * partial[..., i:]).sum(axis=-1)
        return xp.moveaxis(res, -1, self.dim)


@numpy_names
def cumprod(input, dim, *, dtype=None):
    """Running product along ``dim``."""
    x = _accumulator(input, dtype)
    d = norm_dim(dim, x.ndim)
    out = make(xp_of(x).cumprod(x, axis=d) if x.ndim else x.copy(), input._device)
    record(out, CumprodBackward0, (input,), (input._vc, input._vc[0], x, out._vc, 0, out._array),
           x=x, out=out._array, dim=d)
    return out
