"""Gradient clipping, in place on ``.grad`` (as ``torch.nn.utils``)."""
import math

import numpy as np

from ..._tensor import Tensor, make

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The joint ``norm_type`` norm of ``tensors`` (a 0-d tensor): the norm of their norms."""
    tensors = [tensors] if isinstance(tensors, Tensor) else [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        from ...creation import tensor
        return tensor(0.0)
    arrays = [t._array for t in tensors]
    xp = tensors[0]._device.xp                  # each tensor's norm on its device, the total on the host
    if norm_type == math.inf:
        total = max(float(xp.abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        per = [float(xp.linalg.norm(a.reshape(-1).astype(np.float64), norm_type)) for a in arrays]
        total = float(np.linalg.norm(np.asarray(per), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    dev = tensors[0]._device
    return make(dev.xp.asarray(total, dtype=arrays[0].dtype), dev)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients in place by ``max_norm / (total_norm + 1e-6)`` where that is below 1."""
    _scale(_grads(parameters), max_norm, float(total_norm))


def _scale(grads, max_norm, total):
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1:
        for g in grads:
            a = g._array
            g._device.xp.multiply(a, a.dtype.type(coef), out=a)
            g._vc[0] += 1


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their joint ``norm_type`` norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). With ``error_if_nonfinite=True`` a NaN/inf
    norm raises instead of spreading NaN into every gradient.
    """
    grads = _grads(parameters)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        _scale(grads, max_norm, float(total))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g._device.xp.clip(g._array, -clip_value, clip_value, out=g._array)
        g._vc[0] += 1
