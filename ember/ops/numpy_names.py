"""PyTorch's NumPy-style keyword names: ``x.sum(axis=1, keepdims=True)`` (the d2l.ai book's spelling) means
``x.sum(dim=1, keepdim=True)``. PyTorch's argument parser accepts both everywhere; ember's ops that take
``dim``/``keepdim`` get the same through ``numpy_names``."""
import functools

__all__ = ["numpy_names"]


def numpy_names(fn):
    """``fn`` accepting ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=`` (one dict check when neither)."""
    @functools.wraps(fn)
    def op(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                if "dim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got values for both 'dim' and its alias 'axis'")
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                if "keepdim" in kwargs:
                    raise TypeError(f"{fn.__name__}() got values for both 'keepdim' and its alias 'keepdims'")
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return op
