"""``ember.cuda``: GPUs through CuPy, with PyTorch's names.

    device = "cuda" if ember.cuda.is_available() else "cpu"
    model.to(device)

Without CuPy or without a GPU every query answers "no GPU" (``is_available()`` is False,
``device_count()`` is 0) and seeding is a no-op; functions that need a GPU raise the clear error.
Fused kernels (optimiser steps, softmax + cross-entropy, GELU/SiLU, dropout) are used on the GPU
unless ``EMBER_FUSED=0`` is set or ``set_fused(False)`` is called.
"""
from .. import backend as _backend
from .._kernels import fused_enabled, set_fused  # noqa: F401
from ._fused_conv import conv_algorithm, cudnn_available, set_conv_algorithm  # noqa: F401

__all__ = ["is_available", "device_count", "current_device", "set_device", "device", "synchronize", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "memory_allocated", "max_memory_allocated",
           "reset_peak_memory_stats", "memory_reserved", "empty_cache", "get_device_name", "fused_enabled",
           "set_fused", "default_generators", "conv_algorithm", "set_conv_algorithm", "cudnn_available"]


def is_available():
    """Whether ember can use a GPU (CuPy imports and the driver reports at least one device)."""
    return _backend.cuda_available()


def device_count():
    return _backend.cuda_backend().device_count() if _backend.cuda_available() else 0


def _index(dev):
    """GPU index for ``dev`` (None: the current GPU; an int, ``"cuda:1"`` or an ``ember.device``)."""
    b = _backend.cuda_backend()
    if dev is None:
        return b.current_device()
    if isinstance(dev, int) and not isinstance(dev, bool):
        if not 0 <= dev < b.device_count():
            raise RuntimeError(f"CUDA error: invalid device ordinal {dev} (this machine has {b.device_count()} "
                               f"GPUs)")
        return dev
    d = _backend.device(dev)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return _backend._resolve_cuda(d).index


def current_device():
    """Index of the current GPU (where new CUDA tensors go when no index is given)."""
    return _backend.cuda_backend().current_device()


def set_device(device):
    """Make ``device`` (an index, ``"cuda:N"`` or an ``ember.device``) the current GPU."""
    _backend.cuda_backend().set_device(_index(device))


class device:
    """``with ember.cuda.device(1):`` runs the block with GPU 1 current (ops run on the current GPU)."""

    def __init__(self, device):
        self.index = None if device is None or (isinstance(device, int) and device < 0) else device
        self._guard = None

    def __enter__(self):
        if self.index is not None:
            self._guard = _backend.cuda_backend().device_guard(_index(self.index))
            self._guard.__enter__()
        return self

    def __exit__(self, *exc):
        if self._guard is not None:
            self._guard.__exit__(*exc)
            self._guard = None
        return False


def synchronize(device=None):
    """Wait for all queued work on ``device`` (default: the current GPU); nothing to wait for without one."""
    b = _backend.cuda_loaded()
    if b is None:
        return
    b.synchronize(None if device is None else _index(device))


# ---- random ---------------------------------------------------------------------------------------------

def manual_seed(seed):
    """Seed the current GPU's default generator; silently ignored without a GPU (as in PyTorch)."""
    if _backend.cuda_available():
        from ..random import cuda_default_generator
        cuda_default_generator(current_device()).manual_seed(seed)


def manual_seed_all(seed):
    """Seed every GPU's default generator (``ember.manual_seed`` does this too)."""
    from ..random import seed_cuda_generators
    seed_cuda_generators(int(seed))


def seed():
    if _backend.cuda_available():
        from ..random import cuda_default_generator
        return cuda_default_generator(current_device()).seed()


def seed_all():
    from ..random import default_generator
    manual_seed_all(default_generator.seed())


def initial_seed():
    from ..random import cuda_default_generator
    return cuda_default_generator(current_device()).initial_seed()


def __getattr__(name):
    if name == "default_generators":       # PyTorch's tuple of per-GPU generators, created on first use
        from ..random import cuda_default_generator
        return tuple(cuda_default_generator(i) for i in range(device_count()))
    if name == "amp":                        # ember.cuda.amp, imported on first use (it needs ember.amp)
        import importlib
        return importlib.import_module(".amp", __name__)
    if name.endswith("Tensor"):              # ember.cuda.FloatTensor ... (legacy typed constructors)
        from ..tensortypes import cuda_tensortype
        t = cuda_tensortype(name)
        if t is not None:
            return t
    raise AttributeError(f"module 'ember.cuda' has no attribute {name!r}")


# ---- memory (CuPy's memory pool) ------------------------------------------------------------------------

def memory_allocated(device=None):
    """Bytes held by tensors on ``device`` (CuPy's pool: in use, rounded to its block size)."""
    b = _backend.cuda_backend()
    return b.memory_stats(_index(device))["allocated"]


def max_memory_allocated(device=None):
    """Peak of ``memory_allocated`` since ``reset_peak_memory_stats``. ember counts from the first call of
    either function (counting costs a little on every allocation, so it starts on demand)."""
    b = _backend.cuda_backend()
    i = _index(device)
    peak = b.memory_stats(i)["peak"]
    if peak is None:
        b.reset_peak_memory_stats(i)
        peak = b.memory_stats(i)["peak"]
    return peak


def reset_peak_memory_stats(device=None):
    b = _backend.cuda_backend()
    b.reset_peak_memory_stats(_index(device))


def memory_reserved(device=None):
    """Bytes CuPy's pool holds from the driver on ``device`` (in use plus cached)."""
    b = _backend.cuda_backend()
    return b.memory_stats(_index(device))["reserved"]


def empty_cache():
    """Return cached, unused blocks of CuPy's pools to the driver (no-op without a GPU), after dropping the small
    arrays ember keeps between calls (a bias gradient's ones vector, interpolate's matrices)."""
    b = _backend.cuda_loaded()
    if b is not None:
        from ..ops._util import drop_cached_arrays
        drop_cached_arrays()
        b.empty_cache()


def get_device_name(device=None):
    return _backend.cuda_backend().device_name(_index(device))
