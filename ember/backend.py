"""Devices and array modules: the one place that knows about NumPy versus CuPy.

Op code asks a tensor's device for its array module (``device.xp``) or an array for its module
(``xp_of``), so one code path serves NumPy and CuPy, chainer-style; it splits only where the two
differ, through the backend object (``cuda_backend()``: scatter-add, strided windows, transfers...).

The CUDA backend (``ember/cuda/_cupy_backend.py``) loads on first use. Without CuPy or without a
GPU, ``import ember`` still works, ``ember.cuda.is_available()`` is False and ``device="cuda"``
raises a clear error. The default device for factory functions is ``cpu``, or ``EMBER_DEVICE``
(read at import; the GPU worker sets ``EMBER_DEVICE=cuda``), or ``ember.set_default_device``.
"""
import os
import warnings

import numpy

__all__ = ["device", "get_array_module", "cpu", "DeviceMismatchError", "set_default_device", "get_default_device"]

_CUDA_HINT = ("CUDA backend not available: install cupy (pip install campfire[gpu]) on a machine with "
              "an NVIDIA GPU; ember runs on the CPU until then")


class DeviceMismatchError(RuntimeError):
    """Raised when one op is given tensors on different devices."""


class device:
    """A device: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    Instances are interned, so ``a.device is b.device`` exactly when the devices are equal. Tensors
    always carry an indexed CUDA device (``cuda:0``); a bare ``"cuda"`` means the current GPU.
    """
    __slots__ = ("type", "index", "xp", "_str")
    _interned = {}
    _by_str = {}

    def __new__(cls, spec, index=None):
        if isinstance(spec, device):
            if index is not None:
                raise ValueError("device(): index given twice")
            return spec
        cache = index is None and isinstance(spec, str)
        if cache:
            dev = cls._by_str.get(spec)
            if dev is not None:
                return dev
        if not isinstance(spec, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {type(spec).__name__}")
        kind, sep, num = spec.strip().partition(":")
        if sep:
            if index is not None:
                raise ValueError(f"device(): index given twice in {spec!r}")
            if not num.isdigit():
                raise RuntimeError(f"Invalid device string: {spec!r}")
            index = int(num)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec!r}")
        if index is not None and (not isinstance(index, int) or isinstance(index, bool) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative integer, got {index!r}")
        if kind == "cpu":
            index = None
        key = (kind, index)
        dev = cls._interned.get(key)
        if dev is None:
            dev = object.__new__(cls)
            dev.type, dev.index = kind, index
            dev._str = kind if index is None else f"{kind}:{index}"
            dev.xp = numpy if kind == "cpu" else (_cuda[0].xp if _cuda[0] is not None else None)
            cls._interned[key] = dev
        if cache and len(cls._by_str) < 64:
            cls._by_str[spec] = dev
        return dev

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self._str

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        return self is other

    def __hash__(self):
        return hash(self._str)

    def __reduce__(self):
        return (device, (self._str,))

    # ``with ember.device("cuda:1"):`` makes that GPU current (PyTorch's device context manager)
    def __enter__(self):
        guard = None
        if self.type == "cuda":
            b = cuda_backend()
            guard = b.device_guard(self.index if self.index is not None else b.current_device())
            guard.__enter__()
        _context_stack.append(guard)
        return self

    def __exit__(self, *exc):
        guard = _context_stack.pop()
        if guard is not None:
            guard.__exit__(*exc)
        return False


_context_stack = []     # guards of active ``with device(...)`` blocks (devices are shared, so not on them)

cpu = device("cpu")


# ---- the CUDA backend --------------------------------------------------------------------------------------

class DeviceBackend:
    """What a GPU backend provides. ``ember/cuda/_cupy_backend.py`` implements it with CuPy; the test
    suite implements it with NumPy (a "fake CUDA" that checks placement on machines without a GPU)."""
    name = "cuda"
    xp = None              # the array module (cupy)
    array_type = None      # its array class

    def device_count(self):
        raise NotImplementedError

    def current_device(self):
        raise NotImplementedError

    def set_device(self, index):
        raise NotImplementedError

    def device_guard(self, index):
        """A context manager making GPU ``index`` current."""
        raise NotImplementedError

    def synchronize(self, index=None):
        raise NotImplementedError

    def array_device(self, arr):
        """The GPU index an array lives on."""
        raise NotImplementedError

    def to_device(self, arr, index):
        """``arr`` (a NumPy array or a device array) copied to GPU ``index``."""
        raise NotImplementedError

    def to_host(self, arr):
        """A NumPy copy of device array ``arr``."""
        raise NotImplementedError

    def generator(self, index, seed):
        """A random stream on GPU ``index`` with the methods ember's creation functions use:
        ``random(shape, dtype)``, ``standard_normal(shape, dtype)``, ``integers(low, high, shape, dtype)``,
        ``permutation(n)``."""
        raise NotImplementedError

    def scatter_add(self, a, index, values):
        """``a[index] += values`` in place, repeated indices accumulating (NumPy's ``add.at``)."""
        raise NotImplementedError

    def as_strided(self, a, shape, strides):
        """A strided view of ``a`` (NumPy's ``as_strided``; ember never writes through it)."""
        raise NotImplementedError

    def cudnn(self):
        """The cuDNN convolution functions (``cupyx.cudnn``'s interface), or None."""
        return None

    def compile_module(self, source, names):
        """Compile CUDA C++ ``source``; returns an object whose ``get(name)`` gives a callable
        ``kernel(grid, block, args)`` for each template instantiation in ``names``."""
        raise NotImplementedError

    def memory_stats(self, index):
        """``{"allocated": bytes, "peak": bytes or None, "reserved": bytes}`` for GPU ``index``."""
        raise NotImplementedError

    def reset_peak_memory_stats(self, index):
        raise NotImplementedError

    def empty_cache(self):
        raise NotImplementedError

    def device_name(self, index):
        raise NotImplementedError

    def activate(self):
        """Called once when ember starts using this backend: registers the fused kernels (``ember/cuda/_fused.py``)
        and makes the profiler synchronise this backend around timed ops."""
        from .cuda import _fused
        _fused.install(self)
        _set_profiler_sync(self.synchronize)

    def deactivate(self):
        """Undo ``activate`` (tests swap backends)."""
        from .cuda import _fused
        _fused.uninstall()
        _set_profiler_sync(None)


def _set_profiler_sync(fn):
    try:                         # ember.profiler times ops; on a GPU it must wait for them
        from .profiler import set_device_synchronize
    except ImportError:
        return
    set_device_synchronize(fn)


_cuda = [None]            # the active backend
_cuda_error = [None]      # why loading the CuPy backend failed (cached: importing CuPy is slow)
_XP_BY_TYPE = {numpy.ndarray: numpy}
_ndarray = numpy.ndarray


def cuda_backend():
    """The CUDA backend, loaded on first use; raises ``RuntimeError`` saying why when there is none."""
    b = _cuda[0]
    if b is not None:
        return b
    if _cuda_error[0] is None:
        try:
            from .cuda._cupy_backend import CupyBackend
            b = CupyBackend()
        except ImportError as e:
            _cuda_error[0] = f"{_CUDA_HINT} ({type(e).__name__}: {e})"
        except Exception as e:          # CUDA driver/runtime errors: CuPy is there, a usable GPU is not
            _cuda_error[0] = f"CUDA backend not available: CuPy found no usable GPU ({e})"
        else:
            _activate(b)
            return b
    raise RuntimeError(_cuda_error[0])


def cuda_available():
    try:
        cuda_backend()
    except RuntimeError:
        return False
    return True


def cuda_loaded():
    """The active backend, or None without loading one (cheap; for code that only reacts to a GPU)."""
    return _cuda[0]


def _activate(b):
    _cuda[0] = b
    _XP_BY_TYPE[b.array_type] = b.xp
    for (kind, _), dev in device._interned.items():
        if kind == "cuda":
            dev.xp = b.xp
    b.activate()


def _install_cuda_backend(b):
    """Put backend ``b`` in place of the CUDA backend; returns a token for ``_restore_cuda_backend``.
    For tests only: the suite installs a NumPy-backed fake to check device placement without a GPU."""
    token = (_cuda[0], _cuda_error[0])
    _switch(b, None)
    return token


def _restore_cuda_backend(token):
    _switch(*token)


def _switch(b, error):
    old = _cuda[0]
    if old is not None:
        old.deactivate()
        _XP_BY_TYPE.pop(old.array_type, None)
    _cuda[0], _cuda_error[0] = None, error
    for (kind, _), dev in device._interned.items():
        if kind == "cuda":
            dev.xp = None
    from .random import _reset_cuda_generators
    _reset_cuda_generators()
    if b is not None:
        _activate(b)


# ---- resolving devices ----------------------------------------------------------------------------------

def as_device(spec):
    """Parse ``spec`` (None means the default device) into a usable device; a bare ``"cuda"`` becomes
    the current GPU. Raises the clear "CUDA backend not available" error where there is no GPU."""
    dev = _default[0] if spec is None else device(spec)
    if dev is cpu:
        return cpu
    return _resolve_cuda(dev, spec is None)


def _resolve_cuda(dev, from_default=False):
    try:
        b = cuda_backend()
    except RuntimeError as e:
        if from_default:
            raise RuntimeError(f"{e}. The default device is {dev} (EMBER_DEVICE or ember.set_default_device); "
                               f"call ember.set_default_device('cpu') to work on the CPU") from None
        raise
    n = b.device_count()
    idx = b.current_device() if dev.index is None else dev.index
    if idx >= n:
        raise RuntimeError(f"CUDA error: invalid device ordinal: {dev} requested, but this machine has {n} GPU"
                           f"{'' if n == 1 else 's'} (cuda:0{'' if n == 1 else f' to cuda:{n - 1}'})")
    return device("cuda", idx)


class _NoGuard:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_GUARD = _NoGuard()


def guard(dev):
    """A context manager making ``dev`` the current GPU for a block (nothing to do for the CPU or the
    current GPU). ember's own copies of a tensor use it; ops run on the current GPU (see docs/ember/gpu.md)."""
    if dev.type == "cpu":
        return _NO_GUARD
    b = cuda_backend()
    return _NO_GUARD if dev.index == b.current_device() else b.device_guard(dev.index)


def xp_of(arr):
    """The array module of ``arr`` (NumPy for NumPy arrays and for anything not a device array)."""
    cls = arr.__class__
    if cls is _ndarray:
        return numpy
    return _XP_BY_TYPE.get(cls, numpy)


def device_of(arr):
    """The ember device an array lives on."""
    if arr.__class__ is _ndarray or arr.__class__ not in _XP_BY_TYPE:
        return cpu
    b = _cuda[0]
    return device("cuda", b.array_device(arr))


def get_array_module(*arrays):
    """The array module (numpy or cupy) for ``arrays`` (Tensors or arrays); chainer's ``get_array_module``."""
    for a in arrays:
        a = getattr(a, "_array", a)
        xp = _XP_BY_TYPE.get(a.__class__)
        if xp is not None and xp is not numpy:
            return xp
    return numpy


def transfer(arr, src, dst):
    """``arr`` (living on device ``src``) copied to device ``dst``; the same array when they are equal."""
    if src is dst:
        return arr
    b = cuda_backend()
    if dst is cpu:
        return b.to_host(arr)
    return b.to_device(arr, dst.index)


def to_host(arr):
    """A NumPy array with the values of ``arr`` (a copy only for device arrays)."""
    if arr.__class__ is _ndarray:
        return arr
    if arr.__class__ in _XP_BY_TYPE and _cuda[0] is not None and arr.__class__ is _cuda[0].array_type:
        return _cuda[0].to_host(arr)
    return numpy.asarray(arr)


def writeable(arr):
    """Whether ``arr`` may be written in place. CuPy has no read-only arrays, so a device view that repeats
    elements (a zero stride from ``expand``) counts as read-only, as NumPy's broadcast views are."""
    if arr.__class__ is _ndarray:
        return arr.flags.writeable
    return all(st != 0 or n <= 1 for st, n in zip(arr.strides, arr.shape))


def check_same_device(op, *devices):
    """Raise a clear error when the devices of one op's tensors differ."""
    first = devices[0]
    for d in devices[1:]:
        if d is not first:
            raise DeviceMismatchError(
                f"Expected all tensors to be on the same device, but found at least two devices, "
                f"{first} and {d}! (when checking arguments for {op})")


# ---- the default device ---------------------------------------------------------------------------------

_default = [cpu]


def set_default_device(spec):
    """Make factory functions (``zeros``, ``randn``, ``tensor``...) create tensors on ``spec`` by default.

    ``None`` or ``"cpu"`` restores the CPU. A CUDA device is checked when it is first used, so setting
    it on a machine without a GPU fails at the next tensor creation with the clear error.
    """
    _default[0] = cpu if spec is None else device(spec)


def get_default_device():
    """The device factory functions use when none is given (resolved: ``cuda`` becomes ``cuda:N``)."""
    return as_device(None)


def _default_from_env():
    spec = os.environ.get("EMBER_DEVICE", "").strip()
    if not spec:
        return
    try:
        set_default_device(spec)
    except (RuntimeError, ValueError, TypeError) as e:
        warnings.warn(f"ignoring EMBER_DEVICE={spec!r}: {e}; the default device stays cpu", RuntimeWarning,
                      stacklevel=2)


_default_from_env()
