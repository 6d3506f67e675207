"""PyTorch's legacy typed constructors (``ember.FloatTensor([1, 2])``, ``ember.LongTensor(3)``), still common in
courses and older code, and ``ember.typename``. As in PyTorch they build plain ``Tensor``s: ``FloatTensor`` is
no subclass, but ``isinstance(t, ember.FloatTensor)`` tests a tensor's dtype and device, and
``t.type(ember.LongTensor)`` casts."""
import numpy as np

from . import dtypes as _dt

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
           "ByteTensor", "BoolTensor", "typename"]


class tensortype(type):
    """The metaclass of the typed constructors: ``dtype`` and ``is_cuda`` say what they build."""

    def __instancecheck__(cls, other):
        from ._tensor import Tensor
        return isinstance(other, Tensor) and other.dtype is cls.dtype and other.is_cuda == cls.is_cuda

    def __call__(cls, *args, device=None):
        from ._tensor import Tensor
        from .creation import _copy, empty
        dev = ("cuda" if cls.is_cuda else "cpu") if device is None else device
        if len(args) == 1 and isinstance(args[0], Tensor):
            t = args[0]
            if t.dtype is not cls.dtype:        # PyTorch converts nothing here: the data must already match
                raise TypeError(f"expected {cls.dtype} (got {t.dtype})")
            return t
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return _copy(args[0], cls.dtype, dev, False)
        return empty(*(args or (0,)), dtype=cls.dtype, device=dev)

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _make(name, dtype, is_cuda, module):
    doc = (f"Legacy constructor of {dtype} tensors{' on the GPU' if is_cuda else ''}: ``{name}([1, 2])`` copies the "
           f"data, ``{name}(2, 3)``\nis uninitialised. Prefer ``ember.tensor(data, dtype={dtype})``; "
           f"``isinstance(t, {module}.{name})`` tests a\ntensor's dtype and device.")
    return tensortype(name, (), {"dtype": dtype, "is_cuda": is_cuda, "__module__": module, "__doc__": doc})


_TYPES = {"FloatTensor": _dt.float32, "DoubleTensor": _dt.float64, "HalfTensor": _dt.float16,
          "LongTensor": _dt.int64, "IntTensor": _dt.int32, "ShortTensor": _dt.int16, "CharTensor": _dt.int8,
          "ByteTensor": _dt.uint8, "BoolTensor": _dt.bool}

FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor, ByteTensor, BoolTensor = (
    _make(n, d, False, "ember") for n, d in _TYPES.items())
_CUDA = {n: _make(n, d, True, "ember.cuda") for n, d in _TYPES.items()}


def cuda_tensortype(name):
    """``ember.cuda.FloatTensor`` and friends (None for other names)."""
    return _CUDA.get(name)


def typename(obj):
    """``'ember.FloatTensor'`` for a tensor, else the object's dotted class name (``'int'``, ``'mypkg.Net'``)."""
    from ._tensor import Tensor
    if isinstance(obj, Tensor):
        return obj.type()
    module, qualname = "", ""
    if hasattr(obj, "__qualname__"):
        module, qualname = getattr(obj, "__module__", "") or "", obj.__qualname__
    else:
        module, qualname = type(obj).__module__, type(obj).__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"
