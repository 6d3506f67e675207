"""Fused optimiser steps on the GPU (kernels in ``kernels/optim.cu``).

``sgd_update``, ``adam_update`` and ``rmsprop_update`` have the signatures of the per-parameter functions in
``ember/optim/_functional.py`` and are registered there for the GPU's array module: one kernel per
parameter instead of 4 to 10 array calls. ``adam_multi`` and ``sgd_multi`` update a whole parameter group in
one launch (a table of pointers and chunks is copied to the GPU first). Arrays the kernels don't cover
(float16, non-contiguous) go to the unfused functions.
"""
import math

import numpy as np

from ._compile import BLOCK, CTYPES as _CTYPES, grid_for, Kernels

__all__ = ["sgd_update", "adam_update", "rmsprop_update", "adam_multi", "sgd_multi", "CHUNK"]

KERNELS = Kernels("optim.cu", [f"{k}<{t}>" for k in ("sgd_step", "adam_step", "rmsprop_step", "adam_multi",
                                                        "sgd_multi") for t in ("float", "double")])
CHUNK = 4096            # elements per block in the multi-tensor kernels (~600 blocks per 10 M elements)


def _ctype(*arrays):
    """The C type when every array is a contiguous float32/float64 array of one dtype, else None."""
    arrays = [a for a in arrays if a is not None]
    dt = arrays[0].dtype
    if dt not in _CTYPES:
        return None
    for a in arrays:
        if a.dtype != dt or not a.flags.c_contiguous:
            return None
    return _CTYPES[dt]


def _unfused():
    from ..optim import _functional
    return _functional


def _f(x):
    return np.float64(x)


def _i(x):
    return np.int32(bool(x))


def sgd_update(xp, param, grad, momentum_buffer, work, *, lr, momentum, dampening, nesterov, weight_decay,
               maximize):
    ct = _ctype(param, grad, momentum_buffer)
    if ct is None:
        return _unfused().sgd_update(xp, param, grad, momentum_buffer, work, lr=lr, momentum=momentum,
                                     dampening=dampening, nesterov=nesterov, weight_decay=weight_decay,
                                     maximize=maximize)
    first = momentum != 0 and momentum_buffer is None
    if first:
        momentum_buffer = xp.empty_like(param)
    n = param.size
    if n:
        KERNELS[f"sgd_step<{ct}>"](grid_for(n), BLOCK, (
            param, grad, momentum_buffer if momentum != 0 else param, np.int64(n), _f(lr), _f(momentum),
            _f(dampening), _f(weight_decay), _i(nesterov), _i(maximize), _i(first)))
    return momentum_buffer


def _adam_scalars(step, lr, beta1, beta2):
    """``step_size`` and ``sqrt(bias_correction2)``, computed as the unfused function does."""
    return lr / (1 - beta1 ** step), math.sqrt(1 - beta2 ** step)


def adam_update(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, work, *, step, lr, beta1, beta2, eps,
                weight_decay, amsgrad, maximize, decoupled_weight_decay):
    ct = _ctype(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None)
    if ct is None:
        return _unfused().adam_update(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, work, step=step, lr=lr,
                                      beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)
    step_size, bc2 = _adam_scalars(step, lr, beta1, beta2)
    n = param.size
    if n:
        KERNELS[f"adam_step<{ct}>"](grid_for(n), BLOCK, (
            param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else exp_avg_sq, np.int64(n), _f(lr),
            _f(beta1), _f(beta2), _f(eps), _f(weight_decay), _f(step_size), _f(bc2), _i(amsgrad), _i(maximize),
            _i(decoupled_weight_decay)))


def rmsprop_update(xp, param, grad, square_avg, grad_avg, momentum_buffer, work, *, lr, alpha, eps, weight_decay,
                   momentum, centered, maximize):
    ct = _ctype(param, grad, square_avg, grad_avg if centered else None, momentum_buffer if momentum > 0 else None)
    if ct is None:
        return _unfused().rmsprop_update(xp, param, grad, square_avg, grad_avg, momentum_buffer, work, lr=lr,
                                         alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                         centered=centered, maximize=maximize)
    n = param.size
    if n:
        KERNELS[f"rmsprop_step<{ct}>"](grid_for(n), BLOCK, (
            param, grad, square_avg, grad_avg if centered else square_avg,
            momentum_buffer if momentum > 0 else square_avg, np.int64(n), _f(lr), _f(alpha), _f(eps),
            _f(weight_decay), _f(momentum), _i(centered), _i(maximize)))


# ---- multi-tensor -------------------------------------------------------------------------------------

_uploaded = {}      # (pointers, sizes, scalars) -> the table on the GPU: a step whose arrays are the same (or
                    # reuse the pool's blocks) neither rebuilds nor re-sends it (building it cost ~40 us a step)


def _table(xp, pointer_rows, sizes, scalars):
    """The int64 table the multi-tensor kernels read (layout in kernels/optim.cu) on the GPU, with P and C."""
    key = (id(xp), tuple(pointer_rows), tuple(sizes), scalars.tobytes())
    hit = _uploaded.get(key)
    if hit is not None:
        return hit
    P = len(sizes)
    counts = [(n + CHUNK - 1) // CHUNK for n in sizes]
    C = sum(counts)
    table = np.empty(8 * P + 2 * C, np.int64)
    table[:5 * P] = np.asarray(pointer_rows, np.int64).reshape(-1)
    table[5 * P:6 * P] = sizes
    table[6 * P:8 * P] = scalars
    table[8 * P:8 * P + C] = np.repeat(np.arange(P), counts)
    table[8 * P + C:] = np.concatenate([np.arange(c) * CHUNK for c in counts]) if C else []
    if len(_uploaded) >= 8:
        _uploaded.pop(next(iter(_uploaded)))
    hit = _uploaded[key] = (xp.asarray(table), P, C)
    return hit


def _ptr(a):
    return a.data.ptr


def adam_multi(xp, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, *, lr, beta1, beta2, eps,
               weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """One Adam step for every parameter in ``params`` (same dtype, contiguous): one launch. ``steps`` holds
    each parameter's step count (from 1). Returns False, doing nothing, when the arrays don't qualify."""
    if not params:
        return True
    vmaxes = max_exp_avg_sqs if amsgrad else exp_avg_sqs
    ct = _ctype(*params, *grads, *exp_avgs, *exp_avg_sqs, *(max_exp_avg_sqs if amsgrad else ()))
    if ct is None:
        return False
    uniform = len(set(steps)) == 1          # the usual case: the table stays the same from step to step
    rows, sizes, scalars = [], [], np.zeros(2 * len(params), np.float64)
    for k, (p, g, m, v, vm, s) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs, vmaxes, steps)):
        rows.append((_ptr(p), _ptr(g), _ptr(m), _ptr(v), _ptr(vm)))
        sizes.append(p.size)
        if not uniform:
            scalars[2 * k:2 * k + 2] = _adam_scalars(s, lr, beta1, beta2)
    table, P, C = _table(xp, rows, sizes, scalars.view(np.int64))
    step_size, bc2 = _adam_scalars(steps[0], lr, beta1, beta2)
    if C:
        KERNELS[f"adam_multi<{ct}>"](grid_for(C * BLOCK), BLOCK, (
            table, np.int32(P), np.int32(C), np.int64(CHUNK), _f(lr), _f(beta1), _f(beta2), _f(eps),
            _f(weight_decay), _i(amsgrad), _i(maximize), _i(decoupled_weight_decay), _i(uniform), _f(step_size),
            _f(bc2)))
    return True


def sgd_multi(xp, params, grads, momentum_buffers, *, lr, momentum, dampening, nesterov, weight_decay, maximize):
    """One SGD step for every parameter in one launch. ``momentum_buffers`` holds an array or None (a buffer
    to create from the first gradient) per parameter; returns the buffers, or None when the arrays don't
    qualify (nothing is done then)."""
    if not params:
        return []
    use_momentum = momentum != 0
    bufs = list(momentum_buffers) if use_momentum else [None] * len(params)
    ct = _ctype(*params, *grads, *[b for b in bufs if b is not None])
    if ct is None:
        return None
    firsts = np.zeros(2 * len(params), np.int64)
    rows, sizes = [], []
    for k, (p, g) in enumerate(zip(params, grads)):
        if use_momentum and bufs[k] is None:
            bufs[k] = xp.empty_like(p)
            firsts[2 * k] = 1
        rows.append((_ptr(p), _ptr(g), _ptr(bufs[k] if use_momentum else p), _ptr(p), _ptr(p)))
        sizes.append(p.size)
    table, P, C = _table(xp, rows, sizes, firsts)
    if C:
        KERNELS[f"sgd_multi<{ct}>"](grid_for(C * BLOCK), BLOCK, (
            table, np.int32(P), np.int32(C), np.int64(CHUNK), _f(lr), _f(momentum), _f(dampening),
            _f(weight_decay), _i(nesterov), _i(maximize)))
    return bufs
