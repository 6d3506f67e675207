"""Fused CUDA kernels: installed into ember's kernel table when a GPU backend activates."""
from .. import _kernels

_installed = []


def install(backend):
    """Register the fused kernels for ``backend``'s array type (filled in by the kernel modules)."""
    uninstall()


def uninstall():
    for name, array_type in _installed:
        _kernels.unregister(name, array_type)
    _installed.clear()
