"""``softmax``, ``log_softmax`` and ``logsumexp``, computed stably (shifted by the maximum)."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from ._util import make, norm_dim, norm_dims, record
from .reduction import _record, _wrap, float_input

__all__ = ["softmax", "log_softmax", "logsumexp"]


class LogsumexpBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "out")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        return (g.reshape(self.kshape) * np.exp(self.x - self.out.reshape(self.kshape)),)


def _lse(x, axes):
    m = np.max(x, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    return np.log(np.add.reduce(np.exp(x - m), axis=axes, keepdims=True)) + m


def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim``, computed stably (shifted by the maximum)."""
    x = input._array
    if x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np)
    axes = norm_dims(dim, x.ndim)
    r = _lse(x, axes) if x.size else np.log(np.add.reduce(np.exp(x), axis=axes, keepdims=True))
    out = _wrap(r if keepdim else r.reshape(tuple(s for i, s in enumerate(x.shape) if i not in axes)),
                input._device)
    if input._requires_grad:
        _record(LogsumexpBackward0, out, input, axes, x=x, out=r)
    return out


class SoftmaxBackward0(Node):
    __slots__ = ("out", "dim")
    _saved = ("out",)
    _fresh = True

    def backward(self, g):
        y = self.out
        gy = g * y
        return (gy - y * np.add.reduce(gy, axis=self.dim, keepdims=True),)


class LogSoftmaxBackward0(Node):
    __slots__ = ("out", "dim")
    _saved = ("out",)
    _fresh = True

    def backward(self, g):
        return (g - np.exp(self.out) * np.add.reduce(g, axis=self.dim, keepdims=True),)


def _softmax_input(input, dim, dtype, name):
    x = float_input(input, dtype, f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype._short}\': use a '
                                  f"floating-point tensor")
    if dim is None:
        raise TypeError(f"{name}() missing the required argument 'dim'")
    return x, norm_dim(dim, x.ndim) if x.ndim else 0


def softmax(input, dim=None, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the maximum for stability."""
    x, d = _softmax_input(input, dim, dtype, "softmax")
    if x.ndim == 0:
        y = np.ones_like(x)
    else:
        e = np.exp(x - np.max(x, axis=d, keepdims=True)) if x.size else x.copy()
        y = e / np.add.reduce(e, axis=d, keepdims=True)
    out = make(y, input._device)
    record(out, SoftmaxBackward0, (input,), (out._vc, 0, y), out=y, dim=d)
    return out


def log_softmax(input, dim=None, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    x, d = _softmax_input(input, dim, dtype, "log_softmax")
    if x.ndim == 0:
        y = np.zeros_like(x)
    else:
        y = x - _lse(x, (d,)) if x.size else x.copy()
    out = make(y, input._device)
    record(out, LogSoftmaxBackward0, (input,), (out._vc, 0, y), out=y, dim=d)
    return out
