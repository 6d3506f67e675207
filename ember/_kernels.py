"""Device kernels that replace an op's generic array code for one array type (fused CUDA kernels).

An op asks ``lookup(name, array)`` before running its array-module code; on NumPy arrays the answer
is always None (one class check), so the CPU path pays nothing. The CUDA backend registers its fused
kernels when it activates. ``EMBER_FUSED=0`` (read at import) or ``set_fused(False)`` turns every
fused path off, so the generic code runs on the GPU too (the tests compare the two).
"""
import os

import numpy

__all__ = ["register", "unregister", "lookup", "fused_enabled", "set_fused"]

_TABLE = {}
_enabled = [os.environ.get("EMBER_FUSED", "1").strip() not in ("0", "false", "no", "off")]
_ndarray = numpy.ndarray


def register(name, array_type, fn):
    """Use ``fn`` for op ``name`` on arrays of ``array_type`` (while fused kernels are enabled)."""
    _TABLE[(name, array_type)] = fn


def unregister(name, array_type):
    _TABLE.pop((name, array_type), None)


def lookup(name, arr):
    """The kernel registered for ``name`` on ``arr``'s array type, or None (always None on NumPy)."""
    cls = arr.__class__
    if cls is _ndarray or not _enabled[0]:
        return None
    return _TABLE.get((name, cls))


def fused_enabled():
    """Whether ember uses its fused GPU kernels."""
    return _enabled[0]


def set_fused(flag):
    """Turn the fused GPU kernels on or off for this process; returns the previous setting."""
    prev, _enabled[0] = _enabled[0], bool(flag)
    return prev
