"""In-place ops (``add_``, ``mul_``, ``zero_``, ``fill_``, ``copy_``, ``clamp_``, random fills...).

Every in-place op bumps the tensor's version counter, so a backward that saved the old values fails
with PyTorch's error instead of silently using the new ones. Outside the graph (``no_grad``, or no
input requiring grad) the write goes straight into the array. In the graph, the out-of-place op is
recorded and the tensor's history is rebased onto it (``grad_fn`` becomes the new node); saved
copies of the overwritten values are kept by that node.
"""
import numpy as np

from .. import creation as _creation
from .. import dtypes as _dt
from ..random import _rng
from . import elementwise as _ew
from . import unary as _un
from .indexing import check_inplace, masked_fill, scatter, scatter_add
from ._util import Tensor, grad_state, is_array, make, writeable, xp_of

__all__ = ["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "zero_", "fill_", "copy_", "neg_", "exp_", "log_",
           "sqrt_", "abs_", "relu_", "sigmoid_", "tanh_", "masked_fill_", "scatter_add_", "scatter_", "uniform_",
           "normal_", "bernoulli_", "exponential_", "floor_", "clamp_min_", "clamp_max_", "leaky_relu_", "addcmul_",
           "addcdiv_", "lerp_", "random_", "fill_diagonal_"]


def _write(t, r):
    """Copy result ``r`` into ``t``'s array with PyTorch's casting rule for in-place ops."""
    x = t._array
    if not writeable(x):
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a single "
                           "memory location. Please clone() the tensor before performing the operation.")
    xp = xp_of(x)
    r = xp.asarray(r)
    if r.shape != x.shape and np.broadcast_shapes(r.shape, x.shape) != x.shape:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape {list(r.shape)}")
    if x.dtype != r.dtype and not np.can_cast(r.dtype, x.dtype, "same_kind"):
        from ..dtypes import _BY_NP
        raise RuntimeError(f"result type {_BY_NP[r.dtype]._short} can't be cast to the desired output type "
                           f"{_BY_NP[x.dtype]._short}")
    xp.copyto(x, r, casting="unsafe")


def apply_inplace(t, op, *args, other=None, **kwargs):
    """Run out-of-place ``op(t, *args)`` and make ``t`` hold (and, in the graph, *be*) its result."""
    if not isinstance(t, Tensor):
        raise TypeError(f"in-place op on a {type(t).__name__}")
    if not check_inplace(t, other):
        prev = grad_state.enabled
        grad_state.enabled = False
        try:
            r = op(t, *args, **kwargs)._array
        finally:
            grad_state.enabled = prev
        _write(t, r)
        t._vc[0] += 1
        return t
    res = op(t, *args, **kwargs)
    node = res.grad_fn
    xa, vc = t._array, t._vc
    if node is not None:
        for slot in node._saved:     # the node must keep the values we are about to overwrite
            v = getattr(node, slot, None)
            if is_array(v) and xp_of(v).shares_memory(v, xa):
                setattr(node, slot, v.copy())
        vs = node._versions
        if vs:
            node._versions = tuple(e for i in range(0, len(vs), 3) if vs[i] is not vc for e in vs[i:i + 3])
    _write(t, res._array)
    vc[0] += 1
    if node is not None:
        t.grad_fn = node
        t._output_nr = 0
        t._requires_grad = True
    return t


def _fast_binary(t, other, ufunc, name, alpha=None):
    """In-place arithmetic outside the graph: one array-module call (ufunc ``ufunc``) writing into ``t``."""
    x = t._array
    if isinstance(other, Tensor):
        if other._device is not t._device:
            from ..backend import check_same_device
            check_same_device(name, t._device, other._device)
        y = other._array
    else:
        y = other
    if alpha is not None and alpha != 1:
        y = y * alpha
    if not writeable(x):
        _write(t, x)                  # raises PyTorch's error for expanded (read-only) tensors
    try:
        getattr(t._device.xp, ufunc)(x, y, out=x, casting="same_kind")
    except ValueError:
        raise RuntimeError(f"output with shape {list(x.shape)} doesn't match the broadcast shape "
                           f"{list(np.broadcast_shapes(x.shape, getattr(y, 'shape', ())))}") from None
    except TypeError:
        from ..dtypes import result_type
        rt = result_type(t, other)
        if ufunc == "true_divide" and not rt.is_floating_point:
            rt = _dt.get_default_dtype()
        raise RuntimeError(f"result type {rt._short} can't be cast to the desired output type "
                           f"{t.dtype._short}") from None
    t._vc[0] += 1
    return t


def _outside_graph(t, other):
    return not grad_state.enabled or not (t._requires_grad or (isinstance(other, Tensor) and other._requires_grad))


def add_(self, other, *, alpha=1):
    if _outside_graph(self, other):
        return _fast_binary(self, other, "add", "add_", alpha)
    return apply_inplace(self, _ew.add, other, other=other, alpha=alpha)


def sub_(self, other, *, alpha=1):
    if _outside_graph(self, other):
        return _fast_binary(self, other, "subtract", "sub_", alpha)
    return apply_inplace(self, _ew.sub, other, other=other, alpha=alpha)


def mul_(self, other):
    if _outside_graph(self, other):
        return _fast_binary(self, other, "multiply", "mul_")
    return apply_inplace(self, _ew.mul, other, other=other)


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None and _outside_graph(self, other):
        return _fast_binary(self, other, "true_divide", "div_")
    return apply_inplace(self, _ew.div, other, other=other, rounding_mode=rounding_mode)


def pow_(self, exponent):
    return apply_inplace(self, _ew.pow, exponent, other=exponent)


def addcmul_(self, tensor1, tensor2, *, value=1):
    return add_(self, _ew.mul(tensor1, tensor2), alpha=value)


def addcdiv_(self, tensor1, tensor2, *, value=1):
    return add_(self, _ew.div(tensor1, tensor2), alpha=value)


def lerp_(self, end, weight):
    return add_(self, _ew.mul(_ew.sub(end, self), weight))


def clamp_(self, min=None, max=None):
    other = min if isinstance(min, Tensor) else max
    return apply_inplace(self, _ew.clamp, min, max, other=other)


def clamp_min_(self, min):
    return clamp_(self, min=min)


def clamp_max_(self, max):
    return clamp_(self, max=max)


def _unary_inplace(op, name):
    def fn(self, *args):
        return apply_inplace(self, op, *args)
    fn.__name__ = name
    fn.__doc__ = f"In-place ``{op.__name__}``."
    return fn


neg_ = _unary_inplace(_un.neg, "neg_")
exp_ = _unary_inplace(_un.exp, "exp_")
log_ = _unary_inplace(_un.log, "log_")
sqrt_ = _unary_inplace(_un.sqrt, "sqrt_")
abs_ = _unary_inplace(_un.abs, "abs_")
floor_ = _unary_inplace(_un.floor, "floor_")
relu_ = _unary_inplace(_un.relu, "relu_")
sigmoid_ = _unary_inplace(_un.sigmoid, "sigmoid_")
tanh_ = _unary_inplace(_un.tanh, "tanh_")


def leaky_relu_(self, negative_slope=0.01):
    return apply_inplace(self, _un.leaky_relu, negative_slope)


def masked_fill_(self, mask, value):
    return apply_inplace(self, masked_fill, mask, value, other=value)


def scatter_add_(self, dim, index, src):
    return apply_inplace(self, scatter_add, dim, index, src, other=src)


def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return apply_inplace(self, scatter, dim, index, src, value, other=src, reduce=reduce)


# ---- overwrite with new values (the gradient w.r.t. the old values is zero) -----------------------------

def _replace(self, value):
    """``self`` := ``value`` (broadcast), recorded as ``where(True, value, self)`` in the graph."""
    if _outside_graph(self, value):
        if grad_state.enabled and self._requires_grad:
            check_inplace(self)
        if not writeable(self._array):
            _write(self, self._array)
        self._device.xp.copyto(self._array, value._array if isinstance(value, Tensor) else value, casting="unsafe")
        self._vc[0] += 1
        return self
    return apply_inplace(self, lambda t, v: _ew.where(make(t._device.xp.ones((), bool), t._device), v, t), value,
                         other=value)


def zero_(self):
    """Set every element to zero."""
    return _replace(self, 0)


def fill_(self, value):
    """Set every element to ``value`` (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value._array.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value._array.ndim} dimensions.")
    if not isinstance(value, Tensor) and self._array.dtype.kind in "iub" and isinstance(value, float) and \
            not value.is_integer():
        raise RuntimeError(f"value cannot be converted to type {self.dtype.name} without overflow")
    return _replace(self, value)


def copy_(self, src, non_blocking=False):
    """Copy ``src`` (broadcast, cast to ``self``'s dtype) into ``self``."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'src' must be Tensor, not {type(src).__name__}")
    if np.broadcast_shapes(src._array.shape, self._array.shape) != self._array.shape:
        raise RuntimeError(f"The size of tensor a ({self._array.shape[-1] if self._array.ndim else 1}) must match "
                           f"the size of tensor b ({src._array.shape[-1]}) at non-singleton dimension: cannot "
                           f"copy {list(src._array.shape)} into {list(self._array.shape)}")
    if src._device is not self._device:         # copies between devices are allowed, as in PyTorch
        from .conversion import to
        src = to(src, self._device)
    from .conversion import _cast
    return _replace(self, _cast(src, self.dtype) if src._requires_grad else src)


def _random_fill(self, arr):
    return _replace(self, make(arr.astype(self._array.dtype, copy=False), self._device))


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from ``U(a, b)``."""
    u = _creation._uniform(_rng(generator, self._device), self._array.shape, np.dtype(self._array.dtype))
    return _random_fill(self, u * (b - a) + a)


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from ``N(mean, std^2)``."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    n = _creation._normal(_rng(generator, self._device), self._array.shape, np.dtype(self._array.dtype))
    return _random_fill(self, n * std + mean)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1s with probability ``p`` (a number or a tensor of probabilities), else 0s."""
    probs = p._array if isinstance(p, Tensor) else p
    if isinstance(p, Tensor) and p._device is not self._device:
        from ..backend import check_same_device
        check_same_device("bernoulli_", self._device, p._device)
    return _random_fill(self, _rng(generator, self._device).random(self._array.shape) < probs)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from the exponential distribution of rate ``lambd``."""
    return _random_fill(self, _rng(generator, self._device).exponential(1.0 / lambd, self._array.shape))


def random_(self, from_=0, to=None, *, generator=None):
    """Fill with random integers from ``[from_, to)``; ``random_(n)`` draws from ``[0, n)``, ``random_()``
    from ``[0, 2**24)``."""
    if to is None:
        from_, to = 0, from_ if from_ else 2 ** 24
    return _random_fill(self, _rng(generator, self._device).integers(from_, to, self._array.shape))


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal with ``fill_value`` (for tall matrices, ``wrap=True`` restarts it every ``cols + 1``
    rows)."""
    x = self._array.copy()
    xp_of(x).fill_diagonal(x, fill_value, wrap=wrap)
    return _replace(self, make(x, self._device))


for _name in __all__:
    if not globals()[_name].__doc__:
        globals()[_name].__doc__ = f"In-place version of :meth:`Tensor.{_name[:-1]}`; returns ``self``."
