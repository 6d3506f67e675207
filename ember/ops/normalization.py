"""``layer_norm`` and ``batch_norm`` with fused backward passes (one node each, like PyTorch's native ops)."""
import numpy as np

from ..autograd.node import Node
from ._util import Tensor, make, record, save_versions, xp_of

__all__ = ["layer_norm", "batch_norm", "group_norm"]


class _NormBackward(Node):
    """Shared math: ``y = xhat * w + b`` with ``xhat = (x - mean) * rstd`` over ``axes``."""
    __slots__ = ("xhat", "rstd", "w", "axes", "param_axes", "batch_stats", "pshapes")
    _saved = ("xhat", "rstd", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        xhat, rstd, w = self.xhat, self.rstd, self.w
        gx = gw = gb = None
        wshape, bshape = self.pshapes
        if nw is not None:
            gw = (g * xhat).sum(axis=self.param_axes).reshape(wshape)
        if nb is not None:
            gb = g.sum(axis=self.param_axes).reshape(bshape)
        if nx is not None:
            gxhat = g * w if w is not None else g
            if self.batch_stats:
                m1 = gxhat.mean(axis=self.axes, keepdims=True)
                m2 = (gxhat * xhat).mean(axis=self.axes, keepdims=True)
                gx = rstd * (gxhat - m1 - xhat * m2)
            else:
                gx = gxhat * rstd                 # eval-mode batch norm: statistics are constants
        return gx, gw, gb


class NativeLayerNormBackward0(_NormBackward):
    __slots__ = ()


class NativeBatchNormBackward0(_NormBackward):
    __slots__ = ()


def _affine_params(weight, bias, shape, op, input=None, stats=()):
    w = b = None
    for t, name in ((weight, "weight"), (bias, "bias")):
        if t is not None:
            if not isinstance(t, Tensor):
                raise TypeError(f"{op}(): {name} must be a Tensor or None")
            if t._array.size != int(np.prod(shape)):
                raise RuntimeError(f"{op}(): expected {name} of shape {list(shape)}, got {list(t._array.shape)}")
    for t in (weight, bias) + tuple(stats):
        if input is not None and t is not None and t._device is not input._device:
            from ..backend import check_same_device
            check_same_device(op, input._device, t._device)
    if weight is not None:
        w = weight._array.reshape(shape)
    if bias is not None:
        b = bias._array.reshape(shape)
    return w, b


def _param_shapes(weight, bias):
    return (None if weight is None else weight._array.shape, None if bias is None else bias._array.shape)


def _normalized(cls, input, weight, bias, xc, rstd, w, b, axes, param_axes, batch_stats):
    """``(x - mean) * rstd * w + b`` as a tensor, with its backward node recorded."""
    xhat = xc * rstd
    y = xhat * w if w is not None else xhat.copy()
    if b is not None:
        y += b
    out = make(y.astype(input._array.dtype, copy=False), input._device)
    record(out, cls, (input, weight, bias), save_versions(*[t for t in (input, weight) if t is not None]), xhat=xhat,
           rstd=rstd, w=w, axes=axes, param_axes=param_axes, batch_stats=batch_stats,
           pshapes=_param_shapes(weight, bias))
    return out


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then scale and shift."""
    x = input._array
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if x.shape[x.ndim - len(ns):] != ns:
        raise RuntimeError(f"Given normalized_shape={list(ns)}, expected input with shape [*, "
                           f"{', '.join(map(str, ns))}], but got input of size{list(x.shape)}")
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    w, b = _affine_params(weight, bias, ns, "layer_norm", input)
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    rstd = 1.0 / xp_of(x).sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)
    return _normalized(NativeLayerNormBackward0, input, weight, bias, xc, rstd, w, b, axes,
                       tuple(range(x.ndim - len(ns))), True)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) over the batch and spatial dims.

    Training uses the batch statistics and updates ``running_mean``/``running_var`` in place (the
    latter with the unbiased variance); evaluation uses the running statistics.
    """
    x = input._array
    if x.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {x.ndim}D input)")
    c = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    w, b = _affine_params(weight, bias, shape, "batch_norm", input, (running_mean, running_var))
    count = x.size // c if c else 0
    if training:
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        mu = x.mean(axis=axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=axes, keepdims=True)
        for stat, value in ((running_mean, mu), (running_var, var * (count / (count - 1)))):
            if stat is not None:
                if momentum is None:
                    raise ValueError("batch_norm(): momentum=None (cumulative average) is handled by the module; "
                                     "pass a float")
                s = stat._array
                s *= 1 - momentum
                s += momentum * value.reshape(s.shape).astype(s.dtype, copy=False)
                stat._vc[0] += 1
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm(): running_mean and running_var are required when training=False")
        mu = running_mean._array.reshape(shape)
        xc = x - mu
        var = running_var._array.reshape(shape)
    rstd = (1.0 / xp_of(x).sqrt(var + eps)).astype(x.dtype, copy=False)
    return _normalized(NativeBatchNormBackward0, input, weight, bias, xc, rstd, w, b, axes, axes, training)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise groups of channels per sample, then a per-channel scale and shift."""
    x = input._array
    n, c = x.shape[:2]
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(x.shape)} and num_groups={num_groups}")
    from .shape import reshape
    y = layer_norm(reshape(input, n, num_groups, -1), (x.size // (n * num_groups) if n else 0,), eps=eps)
    y = reshape(y, x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, shape)
    if bias is not None:
        y = y + reshape(bias, shape)
    return y
