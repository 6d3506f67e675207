"""Helpers shared by the op families: broadcasting, dims, operand preparation, node setup."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import state as grad_state
from ..backend import check_same_device, cpu, cuda_backend, device_of, to_host, writeable, xp_of
from .._tensor import Tensor, edge, make, make_view

__all__ = ["sum_to", "column_sums", "drop_cached_arrays", "broadcastable_to", "check_broadcast", "norm_dim",
           "norm_dims", "operands", "as_tensor_arg", "new_node", "record", "grad_state", "Tensor", "edge", "make",
           "make_view", "save_versions", "xp_of", "writeable", "cuda_backend", "device_of", "to_host", "is_array",
           "as_strided", "reshape_view", "register_cache"]

_new = object.__new__
_sum_axes_cache = {}
_ones_cache = {}            # (device, dtype, rows) -> a ones vector for column_sums; emptied by cuda.empty_cache()
_ONES_KEPT = 16


def sum_to(g, shape):
    """Sum ``g`` down to ``shape`` (undo broadcasting); the reduction axes are cached per shape pair."""
    gs = g.shape
    if gs == shape:
        return g
    key = (gs, shape)
    axes = _sum_axes_cache.get(key)
    if axes is None:
        lead = len(gs) - len(shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and gs[lead + i] != 1)
        _sum_axes_cache[key] = axes
    if axes and axes[-1] == len(axes) - 1 and g.__class__ is not np.ndarray and g.size and g.flags.c_contiguous:
        rest = gs[len(axes):]       # leading axes only (a bias's gradient): rows of a 2-D view summed
        r = column_sums(g.reshape(-1, int(np.prod(rest)))).reshape(rest)
    else:
        r = g.sum(axis=axes) if axes else g
    return r.reshape(shape) if r.shape != shape else r


def column_sums(a):
    """``a.sum(axis=0)`` of a 2-D array. On a GPU with many rows it is a ones-vector product (cuBLAS GEMV):
    CuPy's reduction over the leading axis of 8192 x 256 float32 took 85 us of GPU time on an H200, the product
    25. Below 1024 rows both cost the host's ~19 us a call and the GPU less (run 8 measured 32-8192 rows)."""
    if a.__class__ is np.ndarray or a.shape[0] < 1024 or a.dtype.kind != "f" or a.dtype.itemsize < 4:
        return a.sum(axis=0)
    key = (a.device.id, a.dtype, a.shape[0])
    ones = _ones_cache.get(key)
    if ones is None:        # cached: making it is an allocation and a fill kernel, two of a training step's calls
        if len(_ones_cache) >= _ONES_KEPT:
            _ones_cache.clear()
        ones = _ones_cache[key] = xp_of(a).ones(a.shape[0], a.dtype)
    return ones @ a


_cache_clears = []            # other ops' caches of device arrays (interpolate's matrices), emptied with _ones_cache


def register_cache(clear):
    """Have ``drop_cached_arrays`` (so ``ember.cuda.empty_cache``) call ``clear()``, which empties an op's cache."""
    _cache_clears.append(clear)
    return clear


def drop_cached_arrays():
    """Forget the device arrays kept between calls (``ember.cuda.empty_cache`` frees their memory)."""
    _ones_cache.clear()
    for clear in _cache_clears:
        clear()


def is_array(v):
    """Whether an operand is an array (NumPy or device) rather than a Python scalar."""
    return hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, np.generic)


def as_strided(a, shape, strides, writeable=True):
    """A strided view of ``a`` on its own device (NumPy's ``as_strided``; CuPy has its own)."""
    if a.__class__ is np.ndarray:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=writeable)
    return cuda_backend().as_strided(a, shape, strides)


def reshape_view(x, shape):
    """``x`` reshaped without copying, or None when its strides allow no such view."""
    if x.__class__ is np.ndarray:
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            return None
    r = x.reshape(shape)            # CuPy returns a view when it can, else a copy (new memory)
    return r if r.size == 0 or r.data.ptr == x.data.ptr else None


def broadcastable_to(shape, target):
    """Whether an array of ``shape`` broadcasts to ``target`` (so a gradient can be summed back)."""
    if len(shape) > len(target):
        return False
    for s, t in zip(reversed(shape), reversed(target)):
        if s != t and s != 1:
            return False
    return True


def norm_dim(dim, ndim):
    """A non-negative dim; PyTorch's IndexError message otherwise (0-d tensors accept -1 and 0)."""
    n = ndim if ndim else 1
    try:
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    except TypeError:
        raise TypeError(f"dim must be an int, got {type(dim).__name__}") from None
    return dim % n


def norm_dims(dim, ndim):
    """``dim`` (None, int, or sequence) as a sorted tuple of non-negative axes; None means all."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (int, np.integer)):
        return (norm_dim(dim, ndim),) if ndim else ()
    dims = tuple(norm_dim(d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {list(dims)} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if ndim else ()


_broadcast_ok = set()


def check_broadcast(xs, ys):
    """Raise PyTorch's error if shapes ``xs`` and ``ys`` don't broadcast (cached per shape pair)."""
    key = (xs, ys)
    if key in _broadcast_ok:
        return
    for i, (a, b) in enumerate(zip(reversed(xs), reversed(ys))):
        if a != b and a != 1 and b != 1:
            d = max(len(xs), len(ys)) - 1 - i
            raise RuntimeError(f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton "
                               f"dimension {d}")
    if len(_broadcast_ok) < 4096:
        _broadcast_ok.add(key)


def _group(x):
    return 1 if x._array.ndim == 0 else 0


def operands(a, b, op):
    """Arrays for binary op ``op`` on ``a`` and ``b`` (Tensors or Python scalars), promoted the PyTorch way.

    Returns ``(x, y, device)``; a scalar operand stays a Python/NumPy scalar so NumPy treats it as weak.
    """
    ta = isinstance(a, Tensor)
    tb = isinstance(b, Tensor)
    if ta and tb:
        x, y = a._array, b._array
        if a._device is not b._device:
            check_same_device(op, a._device, b._device)
        if x.shape != y.shape:
            check_broadcast(x.shape, y.shape)
        if x.dtype is y.dtype:
            return x, y, a._device
        rt = _dt.binary_result_type(_dt._BY_NP[x.dtype], _group(a), _dt._BY_NP[y.dtype], _group(b)).np
        return (x if x.dtype == rt else x.astype(rt)), (y if y.dtype == rt else y.astype(rt)), a._device
    if ta:
        return _with_scalar(a, b, op, True)
    if tb:
        return _with_scalar(b, a, op, False)
    raise TypeError(f"{op}(): expected at least one Tensor argument, got {type(a).__name__} and "
                    f"{type(b).__name__}")


def _with_scalar(t, s, op, tensor_first):
    x = t._array
    if isinstance(s, (bool, int, float)) or isinstance(s, np.generic):
        if isinstance(s, np.generic) and s.dtype.kind not in "biuf":
            raise TypeError(f"{op}(): unsupported scalar of type {type(s).__name__}")
        rt = _dt.binary_result_type(_dt._BY_NP[x.dtype], _group(t), _dt.scalar_dtype(s), 2).np
        if x.dtype != rt:
            x = x.astype(rt)
        if isinstance(s, np.generic):
            s = s.item()
        if rt.kind == "f" and isinstance(s, int):
            s = float(s)
        return (x, s, t._device) if tensor_first else (s, x, t._device)
    if isinstance(s, (list, tuple, np.ndarray)):
        from ..creation import tensor as _tensor
        st = _tensor(s) if not isinstance(s, np.ndarray) else make(_native(s), cpu)
        return operands(t, st, op) if tensor_first else operands(st, t, op)
    raise TypeError(f"{op}(): unsupported operand type {type(s).__name__!r}; expected a Tensor or a number")


def _native(arr):
    _dt.from_numpy_dtype(arr.dtype)
    return arr


def as_tensor_arg(x, like, name="argument"):
    """Turn a scalar/array argument into a Tensor on ``like``'s device (for ops needing tensors)."""
    if isinstance(x, Tensor):
        if x._device is not like._device:
            check_same_device(name, like._device, x._device)
        return x
    from ..creation import tensor as _tensor
    return _tensor(x, dtype=None, device=like._device)


def new_node(cls, edges):
    """A bare node of ``cls`` with its edges set (op-specific slots are filled by the caller)."""
    n = _new(cls)
    n._next = edges
    n._versions = None
    n._thooks = None
    return n


def save_versions(*tensors):
    """The ``_versions`` tuple recording the current version of each saved tensor."""
    out = []
    for t in tensors:
        out += (t._vc, t._vc[0], t._array)
    return tuple(out)


def record(out, cls, inputs, versions=None, /, **attrs):
    """Attach a new ``cls`` node to ``out`` if grad mode is on and one of ``inputs`` requires grad.

    ``inputs`` holds the op's inputs in backward order (``None`` or non-tensors get no edge);
    ``attrs`` become node slots. Returns the node, or ``None`` when nothing was recorded.
    """
    if not grad_state.enabled:
        return None
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad:
            break
    else:
        return None
    n = _new(cls)
    n._next = tuple(edge(t) if isinstance(t, Tensor) else None for t in inputs)
    n._versions = versions
    n._thooks = None
    for k, v in attrs.items():
        setattr(n, k, v)
    out.grad_fn = n
    out._requires_grad = True
    return n
