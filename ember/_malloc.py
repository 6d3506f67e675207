"""Keep freed memory in the process (glibc only) so fresh arrays don't page-fault.

Large NumPy arrays come from ``mmap`` and go back to the OS when freed, so the next array of that
size faults in every 4 KiB page again (about 1-1.6 us each): that, not BLAS, dominates a small
training step. Raising glibc's mmap and trim thresholds to 256 MiB makes ``free`` keep the memory
for reuse; the process holds on to up to that much freed memory. Opt out with
``EMBER_MALLOC_TUNING=0``. Has no effect on other C libraries (musl, macOS, Windows).
"""
import ctypes
import os
import sys

__all__ = ["tune_malloc", "MALLOC_TUNED"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_THRESHOLD = 256 * 1024 * 1024

MALLOC_TUNED = False


def tune_malloc():
    """Apply the thresholds once; returns whether glibc accepted them."""
    global MALLOC_TUNED
    if MALLOC_TUNED or os.environ.get("EMBER_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return MALLOC_TUNED
    try:
        libc = ctypes.CDLL(None)
        if not hasattr(libc, "gnu_get_libc_version"):
            return False
        mallopt = libc.mallopt
        mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        mallopt.restype = ctypes.c_int
        ok = mallopt(_M_MMAP_THRESHOLD, _THRESHOLD) == 1
        ok = mallopt(_M_TRIM_THRESHOLD, _THRESHOLD) == 1 and ok
    except (OSError, AttributeError):
        return False
    MALLOC_TUNED = ok
    return ok
