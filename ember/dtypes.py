"""ember dtypes and PyTorch's type-promotion rules.

A ``dtype`` wraps one NumPy dtype. Promotion follows ``torch.result_type``: operands fall in three
priority groups (tensors with dimensions, zero-dim tensors, Python scalars); a lower group only
changes the result when it is of a higher *category* (bool < integer < floating). A Python float
joining integer tensors gives the default float dtype (float32), not NumPy's float64.
"""
import numpy as np

__all__ = ["dtype", "float16", "half", "float32", "float", "float64", "double", "uint8", "int8",
           "int16", "short", "int32", "int", "int64", "long", "bool",
           "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "finfo", "iinfo"]

_builtin_bool, _builtin_float, _builtin_int = bool, float, int


class dtype:
    """A tensor element type (``ember.float32``...). Compare with ``is`` or ``==``."""
    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_category", "_short")

    def __init__(self, name, np_dtype, category, short):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._category = category          # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._short = short                # the name used in error messages: "Float", "Long"

    @property
    def is_complex(self):
        return False

    def __repr__(self):
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_numpy(self):
        return self.np


float16 = half = dtype("float16", np.float16, 2, "Half")
float32 = float = dtype("float32", np.float32, 2, "Float")
float64 = double = dtype("float64", np.float64, 2, "Double")
uint8 = dtype("uint8", np.uint8, 1, "Byte")
int8 = dtype("int8", np.int8, 1, "Char")
int16 = short = dtype("int16", np.int16, 1, "Short")
int32 = int = dtype("int32", np.int32, 1, "Int")
int64 = long = dtype("int64", np.int64, 1, "Long")
bool = dtype("bool", np.bool_, 0, "Bool")

ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)


def _by_name(name):
    return _BY_NAME[name]


_default = [float32]


def get_default_dtype():
    """The dtype that float tensors get by default (``ember.float32`` unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating-point dtype (``ember.float32``, ``float64`` or ``float16``) used by
    ``ember.tensor([1.5])``, ``ember.randn``, layers' parameters...

        ember.set_default_dtype(ember.float64)"""
    d = as_dtype(d)
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default[0] = d


def from_numpy_dtype(np_dtype):
    """The ember dtype for a NumPy dtype, or a TypeError naming the unsupported one."""
    d = _BY_NP.get(np_dtype)
    if d is None:
        nd = np.dtype(np_dtype)
        d = _BY_NP.get(nd.newbyteorder("=")) if nd.byteorder not in "=|" else _BY_NP.get(nd)
        if d is None:
            raise TypeError(f"can't convert np.ndarray of type numpy.{nd}. The only supported types are: "
                            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool.")
    return d


def as_dtype(d):
    """Accept an ember dtype, a NumPy dtype/type, or Python's float/int/bool."""
    if d.__class__ is dtype:
        return d
    if d is _builtin_float:
        return _default[0]
    if d is _builtin_int:
        return int64
    if d is _builtin_bool:
        return bool
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(f"unsupported dtype {d!r}; use one of ember.float32, float64, float16, int64, "
                        "int32, int16, int8, uint8, bool") from None


def promote_types(a, b):
    """PyTorch's ``promote_types``: any float beats any integer; otherwise NumPy's integer lattice."""
    if a is b:
        return a
    if a._category == 2 or b._category == 2:
        if a._category != 2:
            return b
        if b._category != 2:
            return a
        return a if a.itemsize >= b.itemsize else b
    return _BY_NP[np.promote_types(a.np, b.np)]


def _combine(higher, lower):
    # torch/aten TypeProperties.cpp combine_categories (no complex types in ember)
    if higher is None:
        return lower
    if lower is None or higher._category == 2:
        return higher
    if higher is bool or lower._category == 2:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value):
    """The dtype a Python scalar contributes to promotion (floats count as the default dtype)."""
    if isinstance(value, _builtin_bool):
        return bool
    if isinstance(value, _builtin_int):
        return int64
    if isinstance(value, _builtin_float):
        return _default[0]
    if isinstance(value, np.generic):     # NumPy scalars promote like the Python numbers they stand for
        kind = value.dtype.kind
        if kind in "biuf":
            return bool if kind == "b" else (_default[0] if kind == "f" else int64)
    raise TypeError(f"unsupported operand type {type(value).__name__!r} for a tensor operation")


_cache = {}


def result_type(*operands):
    """``torch.result_type`` over tensors and Python scalars."""
    dim = zero = wrapped = None
    for x in operands:
        arr = getattr(x, "_array", None)
        if arr is None:
            d = scalar_dtype(x)
            wrapped = d if wrapped is None else promote_types(wrapped, d)
        elif arr.ndim:
            d = _BY_NP[arr.dtype]
            dim = d if dim is None else promote_types(dim, d)
        else:
            d = _BY_NP[arr.dtype]
            zero = d if zero is None else promote_types(zero, d)
    return _combine(dim, _combine(zero, wrapped))


def binary_result_type(a_dt, a_group, b_dt, b_group):
    """Cached two-operand promotion; groups: 0 dimensioned tensor, 1 zero-dim tensor, 2 Python scalar."""
    key = (a_dt, a_group, b_dt, b_group)
    r = _cache.get(key)
    if r is None:
        slots = [None, None, None]
        for d, g in ((a_dt, a_group), (b_dt, b_group)):
            slots[g] = d if slots[g] is None else promote_types(slots[g], d)
        r = _cache[key] = _combine(slots[0], _combine(slots[1], slots[2]))
    return r


class finfo:
    """Machine limits of a floating-point dtype (``eps``, ``max``, ``min``, ``tiny``, ``bits``, ``resolution``)."""

    def __init__(self, type=None):
        d = _default[0] if type is None else as_dtype(type)
        if not d.is_floating_point:
            raise TypeError(f"finfo() requires a floating point input type, got {d}")
        info = np.finfo(d.np)
        self.dtype = d.name
        self.bits = info.bits
        self.eps = _builtin_float(info.eps)
        self.max = _builtin_float(info.max)
        self.min = _builtin_float(info.min)
        self.tiny = self.smallest_normal = _builtin_float(info.tiny)
        self.resolution = 10.0 ** -info.precision

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``min``, ``max``, ``bits``)."""

    def __init__(self, type):
        d = as_dtype(type)
        if d.is_floating_point:
            raise TypeError(f"iinfo() requires an integer input type, got {d}")
        info = np.iinfo(d.np) if d is not bool else None
        self.dtype = d.name
        self.bits = 8 if info is None else info.bits
        self.min = 0 if info is None else _builtin_int(info.min)
        self.max = 1 if info is None else _builtin_int(info.max)

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
