"""``softmax``, ``log_softmax`` and ``logsumexp``, computed stably (shifted by the maximum)."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from ._util import make, norm_dim, norm_dims, record, xp_of
from .numpy_names import numpy_names
from .reduction import _record, _wrap, float_input

__all__ = ["softmax", "log_softmax", "logsumexp"]


class LogsumexpBackward0(Node):
    __slots__ = ("shape", "kshape", "x", "out")
    _saved = ("x", "out")
    _fresh = True

    def backward(self, g):
        return (g.reshape(self.kshape) * xp_of(g).exp(self.x - self.out.reshape(self.kshape)),)


def _lse(x, axes):
    xp = xp_of(x)
    m = x.max(axis=axes, keepdims=True)
    m = xp.where(xp.isfinite(m), m, 0)
    return xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m


@numpy_names
def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(x)))`` over ``dim``, computed stably (shifted by the maximum)."""
    x = input._array
    if x.dtype.kind != "f":
        x = x.astype(_dt.get_default_dtype().np)
    axes = norm_dims(dim, x.ndim)
    r = _lse(x, axes) if x.size else xp_of(x).log(xp_of(x).exp(x).sum(axis=axes, keepdims=True))
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
        return (gy - y * gy.sum(axis=self.dim, keepdims=True),)


class LogSoftmaxBackward0(Node):
    __slots__ = ("out", "dim")
    _saved = ("out",)
    _fresh = True

    def backward(self, g):
        return (g - xp_of(g).exp(self.out) * g.sum(axis=self.dim, keepdims=True),)


def _softmax_input(input, dim, dtype, name):
    x = float_input(input, dtype, f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype._short}\': use a '
                                  f"floating-point tensor")
    if dim is None:
        raise TypeError(f"{name}() missing the required argument 'dim'")
    return x, norm_dim(dim, x.ndim) if x.ndim else 0


@numpy_names
def softmax(input, dim=None, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, shifted by the maximum for stability."""
    x, d = _softmax_input(input, dim, dtype, "softmax")
    xp = xp_of(x)
    if x.ndim == 0:
        y = xp.ones_like(x)
    else:
        e = xp.exp(x - x.max(axis=d, keepdims=True)) if x.size else x.copy()
        y = e / e.sum(axis=d, keepdims=True)
    out = make(y, input._device)
    record(out, SoftmaxBackward0, (input,), (out._vc, 0, y), out=y, dim=d)
    return out


@numpy_names
def log_softmax(input, dim=None, dtype=None):
    """``x - logsumexp(x)`` along ``dim`` (stable)."""
    x, d = _softmax_input(input, dim, dtype, "log_softmax")
    if x.ndim == 0:
        y = xp_of(x).zeros_like(x)
    else:
        y = x - _lse(x, (d,)) if x.size else x.copy()
    out = make(y, input._device)
    record(out, LogSoftmaxBackward0, (input,), (out._vc, 0, y), out=y, dim=d)
    return out
