"""``instance_norm`` (batch norm's fused node, statistics per sample and channel), ``rms_norm`` (one fused node)
and ``local_response_norm`` (composed, as in PyTorch)."""
import numpy as np

from .. import dtypes as _dt
from ..autograd.node import Node
from ._util import make, record, save_versions, xp_of
from .normalization import NativeBatchNormBackward0, _affine_params, _normalized

__all__ = ["instance_norm", "rms_norm", "local_response_norm"]


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial dims; with ``use_input_stats`` and running
    statistics given, those move towards the batch average of the per-instance statistics."""
    x = input._array
    if x.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {x.ndim}D input)")
    c = x.shape[1]
    axes = tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    w, b = _affine_params(weight, bias, shape, "instance_norm", input, (running_mean, running_var))
    if use_input_stats:
        count = int(np.prod(x.shape[2:]))
        if count == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(x.shape)}")
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        # PyTorch averages the per-instance statistics (unbiased variance) over the batch
        for stat, value in ((running_mean, mu), (running_var, var * (count / max(count - 1, 1)))):
            if stat is not None:
                s = stat._array
                s *= 1 - momentum
                s += momentum * value.reshape(x.shape[:2]).mean(axis=0).astype(s.dtype, copy=False)
                stat._vc[0] += 1
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when use_input_stats is false")
        mu = running_mean._array.reshape(shape)
        xc = x - mu
        var = running_var._array.reshape(shape)
    rstd = (1.0 / xp_of(x).sqrt(var + eps)).astype(x.dtype, copy=False)
    param_axes = (0,) + axes
    return _normalized(NativeBatchNormBackward0, input, weight, bias, xc, rstd, w, b, axes, param_axes,
                       bool(use_input_stats))


class RmsNormBackward0(Node):
    """``y = x * rstd * w`` with ``rstd = 1 / sqrt(mean(x^2) + eps)`` over ``axes``."""
    __slots__ = ("xhat", "rstd", "w", "axes", "lead", "wshape")
    _saved = ("xhat", "rstd", "w")
    _fresh = True

    def backward(self, g):
        nx, nw = self._next
        gx = gw = None
        if nw is not None:
            gw = (g * self.xhat).sum(axis=self.lead).reshape(self.wshape)
        if nx is not None:
            gxhat = g * self.w if self.w is not None else g
            gx = self.rstd * (gxhat - self.xhat * (gxhat * self.xhat).mean(axis=self.axes, keepdims=True))
        return gx, gw


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Divide by the root mean square over the trailing ``normalized_shape`` dims, then scale by ``weight``;
    ``eps=None`` means the dtype's machine epsilon."""
    x = input._array
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(ns):] != ns or len(ns) > x.ndim:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(x.shape)}")
    if x.dtype.kind != "f":
        raise RuntimeError("rms_norm(): expected a floating-point input")
    if eps is None:
        eps = _dt.finfo(input.dtype).eps
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    w, _ = _affine_params(weight, None, ns, "rms_norm", input)
    rstd = (1.0 / xp_of(x).sqrt((x * x).mean(axis=axes, keepdims=True) + eps)).astype(x.dtype, copy=False)
    xhat = x * rstd
    y = xhat * w if w is not None else xhat
    out = make(y.astype(x.dtype, copy=False), input._device)
    record(out, RmsNormBackward0, (input, weight), save_versions(*[t for t in (input, weight) if t is not None]),
           xhat=xhat, rstd=rstd, w=w, axes=axes, lead=tuple(range(x.ndim - len(ns))),
           wshape=None if weight is None else weight._array.shape)
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """``x / (k + alpha * mean(x^2 over a window of size channels))^beta``; the window is zero-padded."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    from .combine import cat
    sq = input * input
    x = input._array
    c = x.shape[1]

    def zeros(n):
        return make(input._device.xp.zeros((x.shape[0], n) + x.shape[2:], x.dtype), input._device)
    before, after = size // 2, (size - 1) // 2
    padded = cat(([zeros(before)] if before else []) + [sq] + ([zeros(after)] if after else []), 1)
    win = padded[:, 0:c]
    for i in range(1, size):
        win = win + padded[:, i:i + c]
    return input / (win * (alpha / size) + k) ** beta
