"""Tensor creation: from data (``tensor``, ``as_tensor``, ``from_numpy``), filled, ranges and random.

Signatures follow PyTorch: sizes as ``f(2, 3)`` or ``f((2, 3))``, keyword-only ``dtype``, ``device``,
``requires_grad`` and (for random ops) ``generator``. Python floats give the default dtype (float32),
Python ints int64, bools bool; NumPy arrays keep their dtype.

Tensors are built directly on their device: filled, range and random tensors with the device's array
module (``device.xp``), data from Python or NumPy on the host and then copied over. Without
``device=`` they go to the default device (``ember.set_default_device``, ``EMBER_DEVICE``).
"""
import numpy as np

from . import dtypes as _dt
from .backend import _NO_GUARD as _no_guard, as_device, cpu, cuda_backend, device_of, guard, to_host, transfer
from .random import _rng
from ._tensor import Tensor, make

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "arange", "linspace",
           "logspace", "eye", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like", "randint_like",
           "scalar_tensor", "tril_indices", "triu_indices"]


def _sizes(size, fn):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"{fn}(): argument 'size' must be a tuple of ints, but found element of type "
                            f"{type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"{fn}(): negative dimension {s} in size {list(size)}")
        out.append(int(s))
    return tuple(out)


def _finish(arr, device, requires_grad):
    """A tensor on ``device`` (a spec, resolved here) holding ``arr`` (copied there if it lives elsewhere)."""
    dev = as_device(device)
    return _made(_place(arr, dev), dev, requires_grad)


def _made(arr, dev, requires_grad):
    t = make(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _place(arr, dev):
    if dev is cpu and arr.__class__ is np.ndarray:
        return arr
    return transfer(arr, device_of(arr), dev)


def _on(dev, build):
    """``build(xp)`` run with ``dev``'s array module, with ``dev`` the current GPU while it runs."""
    if dev is cpu:
        return build(np)
    b = cuda_backend()
    if dev.index == b.current_device():
        return build(dev.xp)
    with b.device_guard(dev.index):
        return build(dev.xp)


def _float_dtype(dtype):
    return _dt.get_default_dtype().np if dtype is None else _dt.as_dtype(dtype).np


# ---- from data -----------------------------------------------------------------------------------------

def _unwrap(data):
    """Nested lists possibly holding Tensors -> nested lists of host arrays/scalars."""
    if isinstance(data, Tensor):
        return to_host(data._array)
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    return data


def _ragged(data, dim=0):
    """PyTorch's message for the first sequence whose length differs from its siblings', or None."""
    if not isinstance(data, (list, tuple)) or not data:
        return None
    lengths = [len(d) if isinstance(d, (list, tuple)) else None for d in data]
    first = lengths[0]
    for n in lengths[1:]:
        if n != first:
            if first is None or n is None:      # numbers mixed with sequences: the generic message says it
                return None
            return f"expected sequence of length {first} at dim {dim + 1} (got {n})"
    for d in data:
        msg = _ragged(d, dim + 1)
        if msg:
            return msg
    return None


def _infer_array(data, explicit_dtype=False):
    if isinstance(data, Tensor):
        return data._array
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, np.generic):
        return np.asarray(data)
    raw = _unwrap(data)
    try:
        arr = np.asarray(raw)
    except ValueError as e:
        raise ValueError(_ragged(raw) or f"expected a rectangular nested sequence of numbers ({e})") from None
    if arr.dtype == object:
        raise TypeError(f"can't build a tensor from {type(data).__name__} containing "
                        f"{type(np.ravel(arr)[0]).__name__ if arr.size else 'nothing'}; use numbers or tensors")
    if arr.dtype.kind in "USV":
        raise TypeError(f"can't build a tensor from data of NumPy type {arr.dtype}; use numbers or tensors")
    if not explicit_dtype and not _has_array(raw):
        # plain Python numbers: floats give the default dtype, ints int64 (as PyTorch); with an
        # explicit dtype the caller casts from NumPy's float64/int64 itself, losing nothing.
        if arr.dtype.kind == "f":
            arr = arr.astype(_dt.get_default_dtype().np)
        elif arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
    return arr


def _has_array(raw):
    if isinstance(raw, (np.ndarray, np.generic)):
        return True
    if isinstance(raw, list):
        return any(_has_array(r) for r in raw[:1])
    return False


def _native(arr):
    d = _dt.from_numpy_dtype(arr.dtype)
    return arr if arr.dtype is d.np else arr.astype(d.np)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (numbers, nested lists, NumPy arrays, tensors); a tensor's copy stays
    on its device unless ``device`` is given."""
    if isinstance(data, Tensor):
        _warn_copy_construct("ember.tensor")
    return _copy(data, dtype, device, requires_grad)


def _warn_copy_construct(name):
    # PyTorch's warning: ember.tensor(t) copies and drops t's graph, which learners rarely mean
    import warnings
    warnings.warn(f"To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                  f"sourceTensor.detach().clone().requires_grad_(True), rather than {name}(sourceTensor).",
                  UserWarning, stacklevel=3)


def _copy(data, dtype, device, requires_grad):
    with guard(data._device) if isinstance(data, Tensor) else _no_guard:
        arr = _native(_infer_array(data, explicit_dtype=dtype is not None))
        arr = arr.astype(_dt.as_dtype(dtype).np) if dtype is not None else arr.copy()
    if device is None and isinstance(data, Tensor):
        device = data._device
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a Tensor or NumPy array when no conversion is needed."""
    if isinstance(data, Tensor):
        out = data if dtype is None or _dt.as_dtype(dtype) is data.dtype else data.to(dtype)
        return out if device is None else out.to(device)
    if isinstance(data, np.ndarray):
        arr = _native(data)
        if dtype is not None:
            arr = arr.astype(_dt.as_dtype(dtype).np, copy=False)
        return _finish(arr, device, False)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(ndarray):
    """A tensor sharing ``ndarray``'s memory (changes to one show in the other)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _dt.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. Conversion between "
                         "byte orders is currently not supported.")
    return make(ndarray, cpu)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding the number ``s`` (default float dtype): ``ember.scalar_tensor(3)`` is ``tensor(3.)``."""
    return full((), s, dtype=dtype or _dt.get_default_dtype(), device=device, requires_grad=requires_grad)


def _legacy_new(cls, args, kwargs):
    """``Tensor(data)`` / ``Tensor(*sizes)``: always float32, as PyTorch's legacy constructor."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"Tensor(): unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        arr = np.asarray(_unwrap(args[0]), dtype=np.float32)
    else:
        arr = np.empty(_sizes(args, "Tensor"), np.float32)
    dev = as_device(device)
    t = make(_place(arr, dev), dev)
    if cls is not Tensor:
        t = Tensor._make_subclass(cls, t)
    return t


# ---- filled --------------------------------------------------------------------------------------------

def _filled(fn, size, dtype, device, requires_grad, name):
    shape = _sizes(size, name)
    dev = as_device(device)
    dt = _float_dtype(dtype)
    return _made(_on(dev, lambda xp: getattr(xp, fn)(shape, dt)), dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of zeros of the given shape (sizes or a tuple), float32 unless ``dtype`` says otherwise.

        ember.zeros(2, 3)                  # shape (2, 3)
        ember.zeros((4,), dtype=ember.int64)"""
    return _filled("zeros", size, dtype, device, requires_grad, "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of ones of the given shape (sizes or a tuple), float32 unless ``dtype`` says otherwise.

        ember.ones(2, 3)"""
    return _filled("ones", size, dtype, device, requires_grad, "ones")


def empty(*size, dtype=None, device=None, requires_grad=False, out=None, layout=None, memory_format=None):
    """An uninitialised tensor of the given shape: its values are arbitrary until you write them.

        x = ember.empty(2, 3).fill_(1.0)"""
    return _filled("empty", size, dtype, device, requires_grad, "empty")


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False, out=None, layout=None):
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it when not given)."""
    shape = _sizes((size,) if not isinstance(size, (tuple, list)) else (tuple(size),), "full")
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if dtype is None:
        dtype = _dt.scalar_dtype(fill_value)
    dev, dt = as_device(device), _dt.as_dtype(dtype).np
    return _made(_on(dev, lambda xp: xp.full(shape, fill_value, dt)), dev, requires_grad)


def _like(input, dtype):
    return input._array.dtype if dtype is None else _dt.as_dtype(dtype).np


def _like_device(input, device):
    return input._device if device is None else device


def _filled_like(fn, input, dtype, device, requires_grad, *fill):
    dev = as_device(_like_device(input, device))
    shape, dt = input._array.shape, _like(input, dtype)
    return _made(_on(dev, lambda xp: getattr(xp, fn)(shape, *fill, dt)), dev, requires_grad)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and, unless given, dtype and device) of ``input``: ``ember.zeros_like(x)``."""
    return _filled_like("zeros", input, dtype, device, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and, unless given, dtype and device) of ``input``: ``ember.ones_like(x)``."""
    return _filled_like("ones", input, dtype, device, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor with the shape (and, unless given, dtype and device) of ``input``."""
    return _filled_like("empty", input, dtype, device, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """A tensor filled with ``fill_value``, with the shape (and, unless given, dtype and device) of ``input``.

        ember.full_like(x, 7.0)"""
    return _filled_like("full", input, dtype, device, requires_grad, fill_value)


# ---- ranges --------------------------------------------------------------------------------------------

def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False, out=None):
    """``[start, end)`` in steps; integer arguments give int64, any float gives the default dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if vals[2] == 0:
        raise RuntimeError("step must be nonzero")
    if (vals[1] - vals[0]) * vals[2] < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in vals)
        dtype = _dt.int64 if is_int else _dt.get_default_dtype()
    dtype = _dt.as_dtype(dtype)
    n = int(np.ceil((vals[1] - vals[0]) / vals[2]))
    dev = as_device(device)

    def build(xp):
        arr = (vals[0] + xp.arange(max(n, 0), dtype=np.float64) * vals[2]) if dtype.is_floating_point else \
            xp.arange(vals[0], vals[1], vals[2], dtype=np.int64)
        return arr.astype(dtype.np)
    return _made(_on(dev, build), dev, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False, out=None):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    dev, dt = as_device(device), _float_dtype(dtype)
    return _made(_on(dev, lambda xp: xp.linspace(start, end, steps).astype(dt)), dev, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced on a log scale.

        ember.logspace(0, 2, 3)            # tensor([  1.,  10., 100.])"""
    dev, dt = as_device(device), _float_dtype(dtype)
    return _made(_on(dev, lambda xp: xp.logspace(start, end, steps, base=base).astype(dt)), dev, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False, out=None):
    """The ``n x m`` identity matrix."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    dev, dt = as_device(device), _float_dtype(dtype)
    return _made(_on(dev, lambda xp: xp.eye(n, m, dtype=dt)), dev, requires_grad)


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """The indices of the lower triangle of a ``row`` x ``col`` matrix as a ``(2, N)`` int64 tensor (rows, then
    columns); ``offset`` shifts the diagonal (> 0: above it).

        r, c = ember.tril_indices(3, 3)    # m[r, c] are m's elements on and below the diagonal"""
    r, c = np.tril_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype(np.int64 if dtype is None else _dt.as_dtype(dtype).np), device, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """The indices of the upper triangle of a ``row`` x ``col`` matrix as a ``(2, N)`` int64 tensor (rows, then
    columns); ``offset`` shifts the diagonal (> 0: above it).

        r, c = ember.triu_indices(3, 3, 1)  # strictly above the diagonal"""
    r, c = np.triu_indices(row, offset, col)
    return _finish(np.stack([r, c]).astype(np.int64 if dtype is None else _dt.as_dtype(dtype).np), device, False)


# ---- random --------------------------------------------------------------------------------------------

def _uniform(rng, shape, dt):
    if dt in (np.float32, np.float64):
        return rng.random(shape, dtype=dt)
    if dt.kind != "f":
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{_dt.from_numpy_dtype(dt)._short}'")
    return rng.random(shape, dtype=np.float32).astype(dt)


def _normal(rng, shape, dt):
    if dt in (np.float32, np.float64):
        return rng.standard_normal(shape, dtype=dt)
    if dt.kind != "f":
        raise RuntimeError(f"\"normal_kernel_cpu\" not implemented for '{_dt.from_numpy_dtype(dt)._short}'")
    return rng.standard_normal(shape, dtype=np.float32).astype(dt)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Uniform samples in ``[0, 1)``."""
    dev = as_device(device)
    with guard(dev):
        arr = _uniform(_rng(generator, dev), _sizes(size, "rand"), np.dtype(_float_dtype(dtype)))
    return _made(arr, dev, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, out=None):
    """Standard normal samples."""
    dev = as_device(device)
    with guard(dev):
        arr = _normal(_rng(generator, dev), _sizes(size, "randn"), np.dtype(_float_dtype(dtype)))
    return _made(arr, dev, requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers uniform in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None:
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing required argument 'size'")
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = np.int64 if dtype is None else _dt.as_dtype(dtype).np
    dev = as_device(device)
    with guard(dev):
        arr = _rng(generator, dev).integers(low, high, _sizes((size,), "randint"), dtype=np.int64).astype(dt)
    return _made(arr, dev, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0..n-1``."""
    if n < 0:
        raise RuntimeError(f"randperm(): n must be non-negative, got {n}")
    dt = np.int64 if dtype is None else _dt.as_dtype(dtype).np
    dev = as_device(device)
    with guard(dev):
        arr = _rng(generator, dev).permutation(int(n)).astype(dt)
    return _made(arr, dev, requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Normal samples; ``mean``/``std`` may be tensors (broadcast) or numbers with a ``size``."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    dev = tensors[0]._device if tensors else as_device(device)
    if len(tensors) == 2 and tensors[1]._device is not dev:
        from .backend import check_same_device
        check_same_device("normal", dev, tensors[1]._device)
    m = mean._array if isinstance(mean, Tensor) else mean
    s = std._array if isinstance(std, Tensor) else std
    if bool((s < 0).any()) if isinstance(std, Tensor) else s < 0:
        lowest = float(s.min()) if isinstance(std, Tensor) else s
        raise RuntimeError(f"normal expects std >= 0.0, but found std {lowest}")
    if size is None:
        shape = np.broadcast_shapes(getattr(m, "shape", ()), getattr(s, "shape", ()))
        dt = tensors[0]._array.dtype if tensors else _float_dtype(dtype)
    else:
        shape, dt = _sizes((size,), "normal"), _float_dtype(dtype)
    with guard(dev):
        z = _normal(_rng(generator, dev), shape, np.dtype(dt))
        arr = (z * s + m).astype(dt)
    return _made(arr, dev, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """0/1 samples with probabilities ``input`` (or the scalar ``p``), in ``input``'s dtype."""
    x = input._array
    if p is None:
        if bool(((x < 0) | (x > 1)).any()):
            raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
        probs = x
    else:
        if not 0 <= p <= 1:
            raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
        probs = p
    with guard(input._device):
        u = _rng(generator, input._device).random(x.shape)
        arr = (u < probs).astype(x.dtype)
    return make(arr, input._device)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Sample category indices per row with probabilities proportional to ``input`` (computed on the host)."""
    p = to_host(input._array).astype(np.float64)
    if p.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if np.any(p < 0) or not np.all(np.isfinite(p)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, p.shape[-1])
    sums = rows.sum(axis=1, keepdims=True)
    if np.any(sums <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    rng = _rng(generator, input._device)
    if replacement:
        cdf = np.cumsum(rows / sums, axis=1)
        u = to_host(rng.random((rows.shape[0], num_samples)))
        out = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(-1), rows.shape[1] - 1)
    else:
        # Gumbel top-k: the k largest log(p) + Gumbel noise are a sample without replacement
        with np.errstate(divide="ignore"):
            keys = np.log(rows) - np.log(-np.log(to_host(rng.random(rows.shape))))
        out = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64).reshape(p.shape[:-1] + (num_samples,))
    return make(transfer(out, cpu, input._device), input._device)


def _random_like(fn, input, generator, dtype, device, requires_grad):
    return fn(input._array.shape, generator=generator, dtype=dtype or input.dtype, device=_like_device(input, device),
              requires_grad=requires_grad)


def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples from ``[0, 1)`` with the shape (and, unless given, dtype and device) of ``input``."""
    return _random_like(rand, input, generator, dtype, device, requires_grad)


def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with the shape (and, unless given, dtype and device) of ``input``."""
    return _random_like(randn, input, generator, dtype, device, requires_grad)


def randint_like(input, low=0, high=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Random integers from ``[low, high)`` with the shape of ``input`` (``randint_like(x, 10)``: from ``[0, 10)``);
    the dtype is ``input``'s unless given."""
    if high is None:
        low, high = 0, low
    return randint(low, high, input._array.shape, generator=generator, dtype=dtype or input.dtype,
                   device=_like_device(input, device), requires_grad=requires_grad)



def new_methods():
    """``Tensor.new_zeros`` and friends: same dtype and device as ``self`` unless given."""
    def _kw(self, dtype, device):
        return dict(dtype=self.dtype if dtype is None else dtype, device=self._device if device is None else device)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of shape ``size`` with this tensor's dtype and device (unless given): ``x.new_zeros(2, 3)``."""
        return zeros(*size, requires_grad=requires_grad, **_kw(self, dtype, device))

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of shape ``size`` with this tensor's dtype and device (unless given): ``x.new_ones(2, 3)``."""
        return ones(*size, requires_grad=requires_grad, **_kw(self, dtype, device))

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """An uninitialised tensor of shape ``size`` with this tensor's dtype and device (unless given)."""
        return empty(*size, requires_grad=requires_grad, **_kw(self, dtype, device))

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """A tensor of shape ``size`` filled with ``fill_value``, with this tensor's dtype and device (unless given).

            x.new_full((2, 3), 7.0)"""
        return full(size, fill_value, requires_grad=requires_grad, **_kw(self, dtype, device))

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new tensor holding ``data`` (copied), with this tensor's dtype and device unless given.

            x.new_tensor([1, 2, 3])"""
        if isinstance(data, Tensor):
            _warn_copy_construct("tensor.new_tensor")
        kw = _kw(self, dtype, device)
        return _copy(data, kw.get("dtype"), kw.get("device"), requires_grad)

    return {f.__name__: f for f in (new_zeros, new_ones, new_empty, new_full, new_tensor)}
