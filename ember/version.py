"""``ember.version``: what ``torch.version`` answers in environment printouts (``ember.version.cuda``)."""
__all__ = ["__version__", "cuda", "git_version", "debug"]

__version__ = "0.1.0"
git_version = None
debug = False


def _cuda_version():
    """The CUDA runtime version CuPy was built against ("12.4"), or None without a GPU backend."""
    try:
        import cupy
        v = cupy.cuda.runtime.runtimeGetVersion()
    except Exception:               # no CuPy, no driver: PyTorch's CPU builds say None too
        return None
    return f"{v // 1000}.{v % 1000 // 10}"


def __getattr__(name):
    if name == "cuda":                  # asked on demand: importing CuPy at ``import ember`` would cost a second
        return _cuda_version()
    raise AttributeError(f"module 'ember.version' has no attribute {name!r}")
