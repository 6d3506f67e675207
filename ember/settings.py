"""Process-wide settings with PyTorch's names: CPU threads and float32 matrix-product precision.

ember's CPU work is NumPy's; its matrix products use NumPy's BLAS, whose thread pool ``set_num_threads`` sizes
(through ``threadpoolctl`` where it is installed; without it the call warns and changes nothing).
"""
import os
import warnings

__all__ = ["set_num_threads", "get_num_threads", "set_float32_matmul_precision", "get_float32_matmul_precision"]

_PRECISIONS = ("highest", "high", "medium")
_precision = ["highest"]


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def set_num_threads(num_threads):
    """Use ``num_threads`` threads for BLAS (matrix products, and convolutions done as products)."""
    if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {num_threads!r}")
    tc = _threadpoolctl()
    if tc is None:
        warnings.warn("ember.set_num_threads: threadpoolctl is not installed, so NumPy's BLAS thread count cannot be "
                      "changed from Python (set OMP_NUM_THREADS before starting Python instead)", UserWarning,
                      stacklevel=2)
        return
    tc.threadpool_limits(limits=num_threads, user_api="blas")


def get_num_threads():
    """The BLAS thread count (the CPU count where it cannot be read)."""
    tc = _threadpoolctl()
    if tc is not None:
        pools = [p["num_threads"] for p in tc.threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return pools[0]
    return os.cpu_count() or 1


def set_float32_matmul_precision(precision):
    """PyTorch's permission to use TF32/bfloat16 inside float32 products. ember always computes float32 products
    in full float32 ("highest"), which every setting permits; the setting is kept for reading back."""
    if precision not in _PRECISIONS:
        raise RuntimeError(f"Invalid precision {precision!r}: expected one of {list(_PRECISIONS)}")
    _precision[0] = precision


def get_float32_matmul_precision():
    """The value set by ``set_float32_matmul_precision`` (``'highest'`` by default; it selects nothing in ember)."""
    return _precision[0]
