"""A fake CUDA backend for machines without a GPU: NumPy underneath, CuPy's rules on top. Tests only.

``FakeArray`` wraps a NumPy array the way a CuPy array wraps device memory, and refuses what CuPy
refuses, so op code that would break on a real GPU breaks here too:

- implicit conversion to NumPy (``np.asarray(a)``) raises ``TypeError``;
- NumPy arrays mixed into device ufuncs, functions, operators or assignments raise ``TypeError``;
- ufunc methods (``np.add.at``, ``np.add.reduce`` ...) called through NumPy raise (CuPy's
  ``__array_ufunc__`` handles ``__call__`` only); the array module's own ufunc methods work;
- NumPy functions CuPy lacks (``np.lib.stride_tricks.as_strided`` on a device array, ``np.insert``...)
  raise; reductions and scalar indexing return 0-d arrays, never NumPy scalars;
- ``flags`` has no ``writeable``; there is no ``__index__``; ``sort(kind=...)`` only takes 'stable';
- an array used while another fake GPU is current raises, as CuPy without peer access does.

The backend has two fake GPUs. It is installed for one test at a time (``installed()``), never
outside the test suite. What it cannot check: kernels (tests/ember/cuda covers the CUDA sources by
compiling them), argument differences between NumPy and CuPy signatures, and speed.
"""
import contextlib
import types
import weakref

import numpy as np

from ember import backend

# NumPy names CuPy 14.2 does not have (dir(numpy) minus dir(cupy)), and the same for ndarray and linalg
_NUMPY_ONLY = set("""False_ ScalarType True_ asmatrix block bmat busday_count busday_offset busdaycalendar bytes_ char
    character clongdouble complex256 core ctypeslib datetime64 datetime_as_string datetime_data dtypes einsum_path
    emath errstate f2py flexible float128 frompyfunc fromregex geomspace get_include getbufsize geterr geterrcall
    histogram_bin_edges info insert is_busday isnat little_endian longdouble ma matrix matvec memmap nanpercentile
    nanquantile ndenumerate nditer nested_iters object_ polyder polydiv polyint rec recarray record sctypeDict
    setbufsize seterr seterrcall show_runtime spacing str_ strings test timedelta64 typecodes unstack vecdot vecmat
    void""".split())
_NDARRAY_ONLY = set("""__array_interface__ __array_namespace__ __array_struct__ __array_wrap__ __contains__
    __imatmul__ __index__ __setstate__ ctypes getfield resize setfield setflags to_device""".split())
_LINALG_ONLY = set("diagonal matrix_norm multi_dot outer svdvals tensordot test trace vecdot vector_norm".split())
_HOST_OK = {"asarray", "array", "asanyarray"}                   # the functions that copy host data to the device
_VIEWS = {"view", "transpose", "swapaxes", "squeeze", "diagonal"}  # methods that only make views (no kernel)

_current = [0]
N_DEVICES = 2


class FakeDevice:
    """CuPy's ``Device``: a context manager making it current."""

    def __init__(self, id):
        self.id = id
        self._prev = []

    def __enter__(self):
        self._prev.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._prev.pop()
        return False

    def synchronize(self):
        FakeCudaBackend.syncs += 1

    def __repr__(self):
        return f"<FakeDevice {self.id}>"


_DEVICES = [FakeDevice(i) for i in range(N_DEVICES)]


class _Flags:
    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, a):
        self.c_contiguous, self.f_contiguous, self.owndata = a.flags.c_contiguous, a.flags.f_contiguous, a.base is None


class _Pointer:
    __slots__ = ("ptr", "device")

    def __init__(self, a, dev):
        self.ptr, self.device = a.__array_interface__["data"][0], dev


# ---- unwrapping and wrapping --------------------------------------------------------------------------------

def _host_error(x):
    return TypeError(f"Unsupported type {type(x)} (a NumPy array on a device op: CuPy refuses implicit "
                     f"host-to-device conversion)")


def _check_device(a):
    if a.device.id != _current[0]:
        raise ValueError(f"Array device must be same as the current device: array device = {a.device.id} while "
                         f"current = {_current[0]}")
    return a._a


def _unwrap(x, host_ok=False):
    if isinstance(x, FakeArray):
        return _check_device(x)
    if isinstance(x, np.ndarray):
        if not host_ok:
            raise _host_error(x)
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, host_ok) for v in x)
    return x


def _wrap(r):
    if isinstance(r, np.ndarray):
        return FakeArray(r, _DEVICES[_current[0]])
    if isinstance(r, np.generic):
        return FakeArray(np.asarray(r), _DEVICES[_current[0]])
    if isinstance(r, tuple) and not hasattr(r, "_fields"):
        return tuple(_wrap(v) for v in r)
    if isinstance(r, list):
        return [_wrap(v) for v in r]
    return r


def _call(fn, args, kwargs, host_ok=False):
    args = tuple(_unwrap(a, host_ok) for a in args)
    kwargs = {k: _unwrap(v, host_ok) for k, v in kwargs.items()}
    return _wrap(fn(*args, **kwargs))


# ---- the array --------------------------------------------------------------------------------------------

_used = [0] * N_DEVICES      # bytes of NumPy buffers owned by live fake arrays, per fake GPU
_peak = [0] * N_DEVICES
_seen = set()


def _release(key, dev, n):
    _seen.discard(key)
    _used[dev] -= n


def _track(a, dev):
    if a.base is None and a.nbytes and id(a) not in _seen:
        _seen.add(id(a))
        _used[dev] += a.nbytes
        _peak[dev] = max(_peak[dev], _used[dev])
        weakref.finalize(a, _release, id(a), dev, a.nbytes)


class FakeArray:
    __slots__ = ("_a", "device", "__weakref__")
    __array_priority__ = 100

    def __init__(self, a, device):
        self._a, self.device = a, device
        _track(a, device.id)

    # attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: _Pointer(self._a, self.device))
    T = property(lambda self: FakeArray(self._a.T, self.device))
    mT = property(lambda self: FakeArray(self._a.mT, self.device))
    real = property(lambda self: FakeArray(self._a.real, self.device))
    imag = property(lambda self: FakeArray(self._a.imag, self.device))
    base = property(lambda self: None if self._a.base is None else FakeArray(self._a.base, self.device))

    def __getattr__(self, name):
        if name in _NDARRAY_ONLY or name.startswith("__") or not hasattr(np.ndarray, name):
            raise AttributeError(f"'cupy.ndarray' object has no attribute {name!r}")
        method = getattr(self._a, name)
        if name in ("sort", "argsort"):
            def sorter(*args, kind=None, **kwargs):
                if kind not in (None, "stable"):
                    raise NotImplementedError(f"cupy {name}: only kind='stable' is supported, got {kind!r}")
                return _call(getattr(_check_device(self), name), args, dict(kwargs, kind="stable"))
            return sorter
        if name in _VIEWS:      # metadata-only in CuPy: no kernel, no device check, result on the same device
            return lambda *args, **kwargs: FakeArray(method(*_unwrap(args), **kwargs), self.device)
        return lambda *args, **kwargs: _call(getattr(_check_device(self), name), args, kwargs)

    # conversion: explicit only
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a "
                        "NumPy array explicitly.")

    def get(self, stream=None, order="C", out=None):
        return np.array(self._a, copy=True, order="C")

    def set(self, arr):
        if not isinstance(arr, np.ndarray) or arr.shape != self.shape or arr.dtype != self.dtype:
            raise TypeError("set() needs a NumPy array of the same shape and dtype")
        self._a[...] = arr

    def item(self):
        if self._a.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (FakeArray(r if isinstance(r, np.ndarray) else np.asarray(r), self.device) for r in self._a)

    def __repr__(self):
        return f"fake_cuda_array({self._a!r}, device={self.device.id})"

    __str__ = __repr__

    def __format__(self, spec):
        return format(self._a, spec)

    def __copy__(self):
        return FakeArray(self._a.copy(), self.device)

    def __deepcopy__(self, memo):
        return FakeArray(self._a.copy(), self.device)

    def __reduce__(self):
        return (_rebuild, (self._a.copy(), self.device.id))

    # indexing: index arrays may be device arrays, lists or NumPy arrays (CuPy converts those)
    def __getitem__(self, key):
        # basic indexing makes a view without a kernel (no device check in CuPy); advanced indexing launches one
        parts = key if isinstance(key, tuple) else (key,)
        basic = all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)
        a = self._a if basic else _check_device(self)
        return FakeArray(np.asarray(a[_unwrap(key, host_ok=True)]), self.device)

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray):
            raise _host_error(value)
        _check_device(self)[_unwrap(key, host_ok=True)] = _unwrap(value)

    # NumPy protocols: what CuPy's ndarray does
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__":
            return NotImplemented
        fake = getattr(XP, ufunc.__name__, None)
        if fake is None:
            return NotImplemented
        if "out" in kwargs:
            out = kwargs["out"]
            if len(out) != 1:
                raise ValueError("The 'out' parameter must have exactly one array value")
            kwargs["out"] = out[0]
        return fake(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        mod = getattr(func, "__module__", "") or ""
        if mod.startswith("numpy.lib.") or mod.startswith("numpy._core") or mod.startswith("numpy.core"):
            mod = "numpy"
        parts = mod.split(".")[1:]
        target = XP
        try:
            for p in parts:
                target = getattr(target, p)
            fn = getattr(target, func.__name__)
        except AttributeError:
            return NotImplemented
        for t in types:
            if t not in (FakeArray, np.ndarray):
                return NotImplemented
        return fn(*args, **kwargs)


def _rebuild(a, dev):
    return FakeArray(a, _DEVICES[dev])


def _binop(name, reflected=False, inplace=False):
    def op(self, other):
        fn = getattr(XP, name)
        if inplace:
            return fn(self, other, out=self)
        return fn(other, self) if reflected else fn(self, other)
    return op


for _name, _uf in [("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "true_divide"),
                   ("floordiv", "floor_divide"), ("mod", "remainder"), ("pow", "power"), ("matmul", "matmul"),
                   ("and", "bitwise_and"), ("or", "bitwise_or"), ("xor", "bitwise_xor"), ("lshift", "left_shift"),
                   ("rshift", "right_shift")]:
    setattr(FakeArray, f"__{_name}__", _binop(_uf))
    setattr(FakeArray, f"__r{_name}__", _binop(_uf, reflected=True))
    if _name != "matmul":
        setattr(FakeArray, f"__i{_name}__", _binop(_uf, inplace=True))
for _name, _uf in [("eq", "equal"), ("ne", "not_equal"), ("lt", "less"), ("le", "less_equal"), ("gt", "greater"),
                   ("ge", "greater_equal")]:
    setattr(FakeArray, f"__{_name}__", _binop(_uf))
FakeArray.__neg__ = lambda self: XP.negative(self)
FakeArray.__pos__ = lambda self: XP.positive(self)
FakeArray.__abs__ = lambda self: XP.absolute(self)
FakeArray.__invert__ = lambda self: XP.invert(self)
FakeArray.__hash__ = None


# ---- the array module -------------------------------------------------------------------------------------

class FakeUfunc:
    """A CuPy ufunc: callable, with ``reduce``/``accumulate``/``outer``/``at``/``reduceat`` of its own."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__
        self.nin, self.nout, self.nargs = uf.nin, uf.nout, uf.nargs

    def __call__(self, *args, **kwargs):
        out = kwargs.get("out")
        r = _call(self._uf, args, kwargs)
        if isinstance(out, FakeArray):
            return out
        if isinstance(out, tuple) and len(out) == 1:
            return out[0]
        return r



def _ufunc_method(name):
    def m(self, *args, **kwargs):
        r = _call(getattr(self._uf, name), args, kwargs)
        out = kwargs.get("out")
        return out if isinstance(out, FakeArray) else r
    m.__name__ = name
    return m


for _m in ("reduce", "accumulate", "outer", "at", "reduceat"):
    setattr(FakeUfunc, _m, _ufunc_method(_m))


class _FakeModule(types.ModuleType):
    def __init__(self, name, source, missing, host_ok=()):
        super().__init__(name)
        self._source, self._missing, self._host_ok = source, missing, set(host_ok)

    def __getattr__(self, name):
        if name.startswith("__") or name in self._missing or not hasattr(self._source, name):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        attr = getattr(self._source, name)
        if isinstance(attr, np.ufunc):
            value = FakeUfunc(attr)
        elif isinstance(attr, type) or not callable(attr):
            value = attr
        else:
            host_ok = name in self._host_ok

            def value(*args, _f=attr, _h=host_ok, **kwargs):
                return _call(_f, args, kwargs, host_ok=_h)
            value.__name__ = name
        setattr(self, name, value)
        return value


def _as_strided(a, shape=None, strides=None):
    return FakeArray(np.lib.stride_tricks.as_strided(_check_device(a), shape, strides), a.device)


def _sliding_window_view(a, window_shape, axis=None):
    return FakeArray(np.lib.stride_tricks.sliding_window_view(_check_device(a), window_shape, axis), a.device)


XP = _FakeModule("fakecupy", np, _NUMPY_ONLY, _HOST_OK)
XP.ndarray = FakeArray
XP.linalg = _FakeModule("fakecupy.linalg", np.linalg, _LINALG_ONLY)
XP.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided,
                                                                   sliding_window_view=_sliding_window_view))
XP.asnumpy = lambda a: a.get() if isinstance(a, FakeArray) else np.asarray(a)
XP.__name__ = "fakecupy"


# ---- the backend ------------------------------------------------------------------------------------------

class _FakeStream:
    """A seeded stream on one fake GPU (NumPy's PCG64; different numbers from the CPU stream's)."""

    def __init__(self, index, seed):
        self._index = index
        self._rng = np.random.Generator(np.random.PCG64([seed & (2 ** 64 - 1), 12345]))

    def _out(self, a):
        return FakeArray(np.asarray(a), _DEVICES[self._index])

    def random(self, shape=None, dtype=np.float64):
        return self._out(self._rng.random(shape, dtype=dtype))

    def standard_normal(self, shape=None, dtype=np.float64):
        return self._out(self._rng.standard_normal(shape, dtype=dtype))

    def integers(self, low, high, size=None, dtype=np.int64):
        return self._out(self._rng.integers(low, high, size, dtype=dtype))

    def exponential(self, scale, shape=None):
        return self._out(self._rng.exponential(scale, shape))

    def permutation(self, n):
        return self._out(self._rng.permutation(n))


class FakeCudaBackend(backend.DeviceBackend):
    name = "cuda"
    xp = XP
    array_type = FakeArray
    syncs = 0                # synchronize() calls, for tests of the profiler's sync hook

    def device_count(self):
        return N_DEVICES

    def current_device(self):
        return _current[0]

    def set_device(self, index):
        _current[0] = index

    def device_guard(self, index):
        return _DEVICES[index]

    def synchronize(self, index=None):
        FakeCudaBackend.syncs += 1

    def device_name(self, index):
        return f"Fake CUDA device {index} (NumPy)"

    def array_device(self, arr):
        return arr.device.id

    def to_device(self, arr, index):
        if isinstance(arr, FakeArray):
            return arr if arr.device.id == index else FakeArray(arr._a.copy(), _DEVICES[index])
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"to_device() expects an array, got {type(arr).__name__}")
        return FakeArray(np.array(arr, copy=True), _DEVICES[index])

    def to_host(self, arr):
        return arr.get()

    def generator(self, index, seed):
        return _FakeStream(index, seed)

    def scatter_add(self, a, index, values):
        np.add.at(_check_device(a), _unwrap(index, host_ok=True), _unwrap(values))
        return a

    def as_strided(self, a, shape, strides):
        return _as_strided(a, shape, strides)

    def memory_stats(self, index):
        return {"allocated": _used[index], "peak": max(_peak[index], _used[index]), "reserved": _used[index]}

    def reset_peak_memory_stats(self, index):
        _peak[index] = _used[index]

    def empty_cache(self):
        pass

    cudnn_module = None      # tests put a stand-in for cupyx.cudnn here to exercise the cuDNN path

    def cudnn(self):
        return self.cudnn_module

    @property
    def compiles_kernels(self):
        from tests.ember.cuda.emulator import compiler
        return compiler() is not None

    def compile_module(self, source, names):
        from tests.ember.cuda.emulator import compile_module
        return compile_module(source, names)



@contextlib.contextmanager
def installed():
    """The fake CUDA backend in place of the real one for the duration of the block."""
    token = backend._install_cuda_backend(FakeCudaBackend())
    prev_current = _current[0]
    _current[0] = 0
    try:
        yield
    finally:
        _current[0] = prev_current
        backend._restore_cuda_backend(token)
