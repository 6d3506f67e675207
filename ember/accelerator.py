"""``ember.accelerator``: PyTorch's device-agnostic accelerator queries, as the "Learn the Basics" tutorial
uses them::

    device = ember.accelerator.current_accelerator().type if ember.accelerator.is_available() else "cpu"

ember's one accelerator is CUDA (through CuPy); without a GPU there is none, as in a CPU build of PyTorch.
"""
from . import cuda as _cuda
from .backend import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "current_device_idx",
           "set_device_index", "set_device_idx", "synchronize", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats"]


def is_available():
    return _cuda.is_available()


def current_accelerator(check_available=False):
    """``ember.device("cuda")`` where a GPU is usable, else None (``check_available`` changes nothing: ember
    has no accelerator that is built in but unusable)."""
    return _device("cuda") if _cuda.is_available() else None


def device_count():
    return _cuda.device_count()


def _need():
    if not _cuda.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    _need()
    return _cuda.current_device()


def set_device_index(device):
    _need()
    _cuda.set_device(device)


def synchronize(device=None):
    _need()
    _cuda.synchronize(device)


def empty_cache():
    _need()
    _cuda.empty_cache()


def memory_allocated(device_index=None):
    _need()
    return _cuda.memory_allocated(device_index)


def max_memory_allocated(device_index=None):
    _need()
    return _cuda.max_memory_allocated(device_index)


def memory_reserved(device_index=None):
    _need()
    return _cuda.memory_reserved(device_index)


def reset_peak_memory_stats(device_index=None):
    _need()
    _cuda.reset_peak_memory_stats(device_index)


current_device_idx = current_device_index
set_device_idx = set_device_index
