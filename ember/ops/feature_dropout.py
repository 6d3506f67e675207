"""Dropout variants: whole-channel ``dropout1d/2d/3d``, ``alpha_dropout`` and ``feature_alpha_dropout`` (keep
SELU's zero mean and unit variance). Masks come from ember's generator; the gradient is the mask product."""
import math
import warnings

import numpy as np

from ..random import _rng
from ._util import make

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766          # -SELU's scale * alpha: the value SELU saturates to


def _check_p(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input, p, shape, generator):
    """1.0 where kept (probability ``1 - p``), 0.0 where dropped, in the input's dtype, of ``shape``."""
    x = input._array
    if p == 1.0:
        return input._device.xp.zeros(shape, x.dtype)
    u = _rng(generator, input._device).random(shape, dtype=np.float64 if x.dtype == np.float64 else np.float32)
    return (u >= p).astype(x.dtype)


def _noise_shape(shape, batched):
    # one draw per (sample, channel), or per channel for an input without a batch dim
    if len(shape) < (2 if batched else 1):
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    lead = 2 if batched else 1
    return tuple(shape[:lead]) + (1,) * (len(shape) - lead)


def _apply(input, scale, shift, inplace):
    """``input * scale + shift`` (``shift`` may be None), recorded as ordinary multiply and add."""
    from .elementwise import add, mul
    from .inplace import add_, mul_
    s = make(scale, input._device)
    if inplace:
        mul_(input, s)
        return input if shift is None else add_(input, make(shift, input._device))
    out = mul(input, s)
    return out if shift is None else add(out, make(shift, input._device))


def _feature_dropout(input, p, training, inplace, batched, generator):
    _check_p(p)
    if not training or p == 0.0:
        return input
    mask = _keep_mask(input, p, _noise_shape(input.shape, batched), generator)
    if p < 1.0:
        mask *= mask.dtype.type(1.0 / (1.0 - p))
    return _apply(input, mask, None, inplace)


def dropout1d(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` input with probability ``p``, scale the rest."""
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature_dropout(input, p, training, inplace, input.dim() == 3, generator)


def _warn_dims(name, ndim, ok, spatial):
    if ndim not in ok:
        warnings.warn(f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an "
                      f"error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that {name} exists to provide channel-wise dropout on inputs with "
                      f"{spatial} spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
                      f"{ok[0]}D or {ok[1]}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero whole channels of ``(N, C, H, W)`` input; as in PyTorch, 3-D input is read as ``(N, C, L)``."""
    _check_p(p)
    _warn_dims("dropout2d", input.dim(), (3, 4), 2)
    if input.dim() == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace, True, generator)


def dropout3d(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` input."""
    _check_p(p)
    _warn_dims("dropout3d", input.dim(), (4, 5), 3)
    return _feature_dropout(input, p, training, inplace, input.dim() == 5, generator)


def _alpha(input, p, training, inplace, feature, generator):
    _check_p(p)
    if not training or p == 0.0:
        return input
    x = input._array
    shape = _noise_shape(input.shape, True) if feature else x.shape
    if p == 1.0:
        return _apply(input, input._device.xp.zeros(shape, x.dtype), None, inplace)
    mask = _keep_mask(input, p, shape, generator)
    # dropped units become SELU's saturation value, then an affine map restores mean 0 and variance 1
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = ((mask - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(x.dtype, copy=False)
    return _apply(input, (mask * a).astype(x.dtype, copy=False), shift, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False, *, generator=None):
    """Dropout for SELU networks: dropped elements take SELU's negative saturation value, and an affine map
    keeps the mean and variance (identity unless ``training``)."""
    return _alpha(input, p, training, inplace, False, generator)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False, *, generator=None):
    """``alpha_dropout`` over whole channels of ``(N, C, ...)`` input."""
    return _alpha(input, p, training, inplace, True, generator)
