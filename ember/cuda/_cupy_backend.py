"""The CUDA backend on CuPy: device queries, transfers, random streams, memory statistics, and the few
array operations where CuPy differs from NumPy (scatter-add, strided windows).

Constructing ``CupyBackend`` imports CuPy and asks the driver for devices; any failure there (no
CuPy, no driver, no GPU) means ember has no GPU, and ``ember.backend.cuda_backend`` reports why.
"""
import numpy

from ..backend import DeviceBackend


class CupyBackend(DeviceBackend):
    def __init__(self):
        import cupy
        import cupyx
        n = cupy.cuda.runtime.getDeviceCount()
        if n < 1:
            raise RuntimeError("CuPy found no CUDA device")
        self.xp = cupy
        self.array_type = cupy.ndarray
        self._cupy, self._cupyx = cupy, cupyx
        self._n = n
        self._pool = cupy.get_default_memory_pool()
        self._peak = None
        self._cudnn = False             # not looked up yet

    # ---- devices ---------------------------------------------------------------------------------------
    def device_count(self):
        return self._n

    def current_device(self):
        return self._cupy.cuda.runtime.getDevice()

    def set_device(self, index):
        self._cupy.cuda.runtime.setDevice(index)

    def device_guard(self, index):
        return self._cupy.cuda.Device(index)

    def synchronize(self, index=None):
        if index is None:
            self._cupy.cuda.runtime.deviceSynchronize()
        else:
            self._cupy.cuda.Device(index).synchronize()

    def device_name(self, index):
        name = self._cupy.cuda.runtime.getDeviceProperties(index)["name"]
        return name.decode() if isinstance(name, bytes) else str(name)

    def array_device(self, arr):
        return arr.device.id

    # ---- transfers -------------------------------------------------------------------------------------
    def to_device(self, arr, index):
        cp = self._cupy
        if isinstance(arr, cp.ndarray):
            if arr.device.id == index:
                return arr
            # GPU to GPU: one device-to-device copy of a contiguous source (CUDA's unified addressing)
            with cp.cuda.Device(arr.device.id):
                src = cp.ascontiguousarray(arr)
            with cp.cuda.Device(index):
                out = cp.empty(arr.shape, arr.dtype)
                if arr.nbytes:
                    out.data.copy_from_device(src.data, arr.nbytes)
            return out
        with cp.cuda.Device(index):
            return cp.asarray(arr)

    def to_host(self, arr):
        return arr.get()

    # ---- random ----------------------------------------------------------------------------------------
    def generator(self, index, seed):
        return _CupyStream(self._cupy, index, seed)

    # ---- where CuPy differs from NumPy -------------------------------------------------------------------
    def scatter_add(self, a, index, values):
        cp = self._cupy
        values = cp.asarray(values, dtype=a.dtype) if not isinstance(values, cp.ndarray) else values.astype(
            a.dtype, copy=False)
        if a.dtype == numpy.int64:
            # cupyx.scatter_add has no int64 kernel; two's-complement addition is the same on uint64
            self._cupyx.scatter_add(a.view(numpy.uint64), index, values.view(numpy.uint64))
        elif a.dtype in _SCATTER_DTYPES:
            self._cupyx.scatter_add(a, index, values)
        else:                       # int8/int16/uint8/bool: rare, done on the host
            host = a.get()
            numpy.add.at(host, _host_index(index), values.get())
            a.set(host)
        return a

    def as_strided(self, a, shape, strides):
        return self._cupy.lib.stride_tricks.as_strided(a, shape, strides)

    def cudnn(self):
        if self._cudnn is False:
            try:                        # CuPy 13 and older, built with cuDNN; CuPy 14 removed it
                from cupyx import cudnn
                from cupy.cuda import cudnn as _libcudnn     # noqa: F401 (raises without the cuDNN library)
            except ImportError:
                cudnn = None
            self._cudnn = cudnn
        return self._cudnn

    # ---- kernels ---------------------------------------------------------------------------------------
    def compile_module(self, source, names):
        module = self._cupy.RawModule(code=source, options=("-std=c++14",), name_expressions=names)
        return _RawModule(module, self._cupy.cuda.runtime.getDevice)

    # ---- memory ----------------------------------------------------------------------------------------
    def memory_stats(self, index):
        with self._cupy.cuda.Device(index):
            used, reserved = self._pool.used_bytes(), self._pool.total_bytes()
        peak = None if self._peak is None else max(self._peak.peak.get(index, 0), used)
        return {"allocated": used, "peak": peak, "reserved": reserved}

    def reset_peak_memory_stats(self, index):
        if self._peak is None:
            self._peak = _peak_hook(self._cupy)
            self._peak.__enter__()          # hooks are per thread; ember's users run in one thread
        with self._cupy.cuda.Device(index):
            used = self._pool.used_bytes()
        self._peak.used[index] = self._peak.peak[index] = used

    def empty_cache(self):
        self._pool.free_all_blocks()
        self._cupy.get_default_pinned_memory_pool().free_all_blocks()


_SCATTER_DTYPES = {numpy.dtype(t) for t in ("float16", "float32", "float64", "int32", "uint32", "uint64")}


def _host_index(index):
    if isinstance(index, tuple):
        return tuple(i.get() if hasattr(i, "get") and not isinstance(i, slice) else i for i in index)
    return index.get() if hasattr(index, "get") else index


class _CupyStream:
    """One GPU's random stream (cuRAND through ``cupy.random.RandomState``), with the method names the
    creation functions call on NumPy's ``Generator``."""

    def __init__(self, cupy, index, seed):
        self._cp, self._index = cupy, index
        with cupy.cuda.Device(index):
            self._rs = cupy.random.RandomState(seed)

    def random(self, shape=None, dtype=numpy.float64):
        with self._cp.cuda.Device(self._index):
            return self._rs.random_sample(shape, dtype)

    def standard_normal(self, shape=None, dtype=numpy.float64):
        with self._cp.cuda.Device(self._index):
            return self._rs.standard_normal(shape, dtype)

    def integers(self, low, high, size=None, dtype=numpy.int64):
        with self._cp.cuda.Device(self._index):
            return self._rs.randint(low, high, size, dtype=dtype)

    def exponential(self, scale, shape=None):
        with self._cp.cuda.Device(self._index):
            return self._rs.exponential(scale, shape)

    def permutation(self, n):
        with self._cp.cuda.Device(self._index):
            return self._rs.permutation(n)


class _RawModule:
    """Kernels of one ``cupy.RawModule``, called as ``kernel(grid, block, args)`` on the current GPU (a module
    is loaded once per GPU, so functions are looked up per GPU)."""

    def __init__(self, module, get_device):
        self._module, self._get_device, self._functions = module, get_device, {}

    def get(self, name):
        return lambda grid, block, args: self._function(name)((grid,), (block,), args)

    def _function(self, name):
        key = (name, self._get_device())
        f = self._functions.get(key)
        if f is None:
            f = self._functions[key] = self._module.get_function(name)
        return f


def _peak_hook(cupy):
    class PeakHook(cupy.cuda.MemoryHook):
        """Counts bytes taken from and returned to CuPy's pool per device, keeping the maximum."""
        name = "ember_peak_memory"

        def __init__(self):
            self.used, self.peak = {}, {}

        def malloc_postprocess(self, **kw):
            d = kw["device_id"]
            u = self.used[d] = self.used.get(d, 0) + kw["mem_size"]
            if u > self.peak.get(d, 0):
                self.peak[d] = u

        def free_postprocess(self, **kw):
            d = kw["device_id"]
            self.used[d] = self.used.get(d, 0) - kw["mem_size"]

    return PeakHook()
