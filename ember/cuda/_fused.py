"""Install ember's fused CUDA kernels for a GPU backend, and take them out again.

Optimiser steps go into ``ember.optim._functional``'s kernel table (per-parameter functions) for the
backend's array module; the nn kernels into ``ember._kernels`` for its array type. Each registered
function checks ``fused_enabled()`` when called, so ``EMBER_FUSED=0`` or ``set_fused(False)`` brings back
the unfused array code at once.
"""
from .. import _kernels

_installed = []          # (op name, array type) entries put into ember._kernels


def _optim_kernel(fused, name):
    def kernel(xp, *args, **kwargs):
        if _kernels.fused_enabled():
            return fused(xp, *args, **kwargs)
        from ..optim import _functional
        return getattr(_functional, f"{name}_update")(xp, *args, **kwargs)
    kernel.__name__ = f"fused_{name}_update"
    return kernel


def _when_enabled(fused, declined):
    """A group kernel that declines (returns ``declined``) while fused kernels are off."""
    def kernel(*args, **kwargs):
        return fused(*args, **kwargs) if _kernels.fused_enabled() else declined
    kernel.__name__ = f"fused_{fused.__name__}"
    return kernel


def install(backend):
    """Register the fused kernels for ``backend`` (a no-op for a backend that cannot compile kernels)."""
    uninstall()
    if not getattr(backend, "compiles_kernels", True):
        return
    try:
        from ..optim import _functional
    except ImportError:               # ember.optim not installed alongside: the nn kernels still apply
        _functional = None
    if _functional is not None:
        from . import _fused_optim as fo
        for name, fn in (("sgd", fo.sgd_update), ("adam", fo.adam_update), ("rmsprop", fo.rmsprop_update)):
            _functional.register_kernel(name, backend.xp, _optim_kernel(fn, name))
        if hasattr(_functional, "register_foreach_kernel"):
            _functional.register_foreach_kernel("adam", backend.xp, _when_enabled(fo.adam_multi, False))
            _functional.register_foreach_kernel("sgd", backend.xp, _when_enabled(fo.sgd_multi, None))
    from ._fused_conv import col2im, conv2d_gpu
    from ._fused_nn import KERNELS_BY_OP
    from ._fused_pool import KERNELS_BY_OP as POOL_KERNELS
    for name, fn in dict(KERNELS_BY_OP, **POOL_KERNELS, col2im=col2im, conv2d=conv2d_gpu).items():
        _kernels.register(name, backend.array_type, fn)
        _installed.append((name, backend.array_type))


def uninstall():
    for name, array_type in _installed:
        _kernels.unregister(name, array_type)
    _installed.clear()
