"""Gradient clipping, in place on ``.grad`` (as ``torch.nn.utils``)."""
import math

import numpy as np

from ..._tensor import Tensor, make

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p._grad for p in parameters if p._grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so their joint ``norm_type`` norm is at most ``max_norm``.

    Returns the total norm before clipping (a 0-d tensor). With ``error_if_nonfinite=True`` a NaN/inf
    norm raises instead of spreading NaN into every gradient.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        from ...creation import tensor
        return tensor(0.0)
    arrays = [g._array for g in grads]
    xp = grads[0]._device.xp                    # each gradient's norm on its device, the total on the host
    if norm_type == math.inf:
        total = max(float(xp.abs(a).max()) if a.size else 0.0 for a in arrays)
    else:
        per = [float(xp.linalg.norm(a.reshape(-1).astype(np.float64), norm_type)) for a in arrays]
        total = float(np.linalg.norm(np.asarray(per), norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
                           "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                           "norm anyway, set `error_if_nonfinite=False`")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1:
        for g in grads:
            a = g._array
            xp.multiply(a, a.dtype.type(coef), out=a)
            g._vc[0] += 1
    dev = grads[0]._device
    return make(dev.xp.asarray(total, dtype=arrays[0].dtype), dev)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g._device.xp.clip(g._array, -clip_value, clip_value, out=g._array)
        g._vc[0] += 1
