"""Devices and array modules: the one place that knows about NumPy versus CuPy.

Op code never imports numpy or cupy directly for computation; it asks the tensor's device for its
array module (``xp``) so one code path serves both, chainer-style. Only the CPU backend exists for
now; ``"cuda"`` parses but raises until the CuPy backend lands.
"""
import numpy

__all__ = ["device", "get_array_module", "cpu", "DeviceMismatchError"]

_CUDA_HINT = ("CUDA backend not available: install cupy (pip install campfire[gpu]) on a machine with "
              "an NVIDIA GPU; ember runs on the CPU until then")


class DeviceMismatchError(RuntimeError):
    """Raised when one op is given tensors on different devices."""


class device:
    """A device: ``device("cpu")``, ``device("cuda")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    Instances are interned, so ``a.device is b.device`` exactly when the devices are equal.
    """
    __slots__ = ("type", "index", "xp", "_str")
    _interned = {}

    def __new__(cls, spec, index=None):
        if isinstance(spec, device):
            if index is not None:
                raise ValueError("device(): index given twice")
            return spec
        if not isinstance(spec, str):
            raise TypeError(f"device(): expected a string like 'cpu' or 'cuda:0', got {type(spec).__name__}")
        kind, sep, num = spec.strip().partition(":")
        if sep:
            if index is not None:
                raise ValueError(f"device(): index given twice in {spec!r}")
            if not num.isdigit():
                raise RuntimeError(f"Invalid device string: {spec!r}")
            index = int(num)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec!r}")
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must be a non-negative integer, got {index!r}")
        if kind == "cpu":
            index = None
        key = (kind, index)
        dev = cls._interned.get(key)
        if dev is None:
            dev = object.__new__(cls)
            dev.type, dev.index = kind, index
            dev._str = kind if index is None else f"{kind}:{index}"
            dev.xp = numpy if kind == "cpu" else None
            cls._interned[key] = dev
        return dev

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self._str

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, ValueError):
                return False
        return self is other

    def __hash__(self):
        return hash(self._str)

    def __reduce__(self):
        return (device, (self._str,))


cpu = device("cpu")


def as_device(spec):
    """Parse ``spec`` (None means the CPU) and check that its backend is usable."""
    dev = cpu if spec is None else device(spec)
    if dev.xp is None:
        raise RuntimeError(_CUDA_HINT)
    return dev


def get_array_module(*arrays):
    """The array module (numpy, or cupy later) for ``arrays``; chainer's ``get_array_module``."""
    for a in arrays:
        a = getattr(a, "_array", a)
        if not isinstance(a, (numpy.ndarray, numpy.generic)) and type(a).__module__.startswith("cupy"):
            raise RuntimeError(_CUDA_HINT)
    return numpy


def check_same_device(op, *devices):
    """Raise a clear error when the devices of one op's tensors differ."""
    first = devices[0]
    for d in devices[1:]:
        if d is not first:
            raise DeviceMismatchError(
                f"Expected all tensors to be on the same device, but found at least two devices, "
                f"{first} and {d}! (when checking arguments for {op})")
