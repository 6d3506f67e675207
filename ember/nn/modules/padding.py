"""Padding layers over ``F.pad``: ``ZeroPad``, ``ConstantPad``, ``ReflectionPad``, ``ReplicationPad`` and
``CircularPad``, each for 1, 2 and 3 padded dims. ``padding`` is an int (all sides) or a ``2 * k`` tuple
``(left, right, top, bottom, front, back)``; only constant padding may be negative (it crops)."""
import numbers

from .. import functional as F
from .module import Module

__all__ = [f"{kind}Pad{k}d" for kind in ("Zero", "Constant", "Reflection", "Replication", "Circular")
           for k in (1, 2, 3)]


def _padding(padding, k):
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * (2 * k)
    return tuple(padding)               # as PyTorch, a shorter tuple pads fewer dims


class _PadNd(Module):
    _k = 1
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(padding, self._k)

    def _check(self, input):
        k, shape = self._k, tuple(input.shape)
        if len(shape) not in (k + 1, k + 2):
            raise ValueError(f"expected {k + 1}D or {k + 2}D input (got {len(shape)}D input)")
        if any(p < 0 for p in self.padding):
            raise ValueError(f"{self._get_name()}: negative padding is only supported by constant padding in ember")
        for i in range(min(k, len(self.padding) // 2)):
            dim = len(shape) - 1 - i
            lo, hi = self.padding[2 * i], self.padding[2 * i + 1]
            if self._mode == "reflect" and (lo >= shape[dim] or hi >= shape[dim]):
                raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                                   f"but got: padding ({lo}, {hi}) at dimension {dim} of input {list(shape)}")
            if self._mode == "replicate" and shape[dim] == 0 and (lo or hi):
                raise RuntimeError(f"{self._get_name()}: cannot replicate the edge of an empty dimension {dim}")
            if self._mode == "circular" and (lo > shape[dim] or hi > shape[dim]):
                raise RuntimeError("Padding value causes wrapping around more than once.")

    def forward(self, input):
        self._check(input)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


def _make(base, kind, mode):
    for k in (1, 2, 3):
        name = f"{kind}Pad{k}d"
        doc = f"Pad the last {k} dim{'s' if k > 1 else ''} of the input ({mode} mode)."
        globals()[name] = type(name, (base,), {"_k": k, "_mode": mode, "__doc__": doc, "__module__": __name__})


_make(_ZeroPadNd, "Zero", "constant")
_make(_ConstantPadNd, "Constant", "constant")
_make(_PadNd, "Reflection", "reflect")
_make(_PadNd, "Replication", "replicate")
_make(_PadNd, "Circular", "circular")
