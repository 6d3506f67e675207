"""The optimisers' update math: one function per algorithm, for one parameter, on raw arrays, in place.

Every function takes the array module ``xp`` (NumPy, or CuPy later), the parameter array, its gradient, the
state arrays it updates and plain Python numbers, and writes the new values into ``param`` and the state
arrays. Intermediate results go into ``work(i)`` scratch arrays (shaped like ``param``, reused across
parameters and steps), so a step allocates nothing but a state buffer the first time it is needed.

The formulas and their order follow PyTorch's single-tensor implementations (``torch/optim/sgd.py``,
``adam.py``, ``rmsprop.py``, ``adagrad.py``, ``adamax.py``, ``nadam.py``, ``radam.py``, ``adadelta.py``), so
ember's parameters match PyTorch's step by step.

Fused variants (issue 7: one CuPy kernel per parameter) replace a function for one array module:
``register_kernel("adam", cupy, fused_adam)``; the optimisers look theirs up with ``get_kernel(name, xp)``.
A replacement must have the same signature and effects; it may ignore ``work``.
"""
import math

__all__ = ["sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adamax_update", "nadam_update",
           "radam_update", "adadelta_update", "register_kernel", "get_kernel", "register_foreach_kernel",
           "get_foreach_kernel"]


def _effective_grad(xp, param, grad, work, weight_decay, maximize):
    """``(-grad if maximize else grad) + weight_decay * param``, in ``work(0)`` unless it is just ``grad``."""
    if not weight_decay and not maximize:
        return grad
    out = work(0)
    if weight_decay:
        xp.multiply(param, weight_decay, out=out)
        (xp.subtract if maximize else xp.add)(out, grad, out=out)
    else:
        xp.negative(grad, out=out)
    return out


def sgd_update(xp, param, grad, momentum_buffer, work, *, lr, momentum, dampening, nesterov, weight_decay,
               maximize):
    """One SGD step; returns the momentum buffer (created from the first gradient when ``momentum != 0``)."""
    d = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    if momentum != 0:
        if momentum_buffer is None:
            momentum_buffer = d.copy()
        else:
            momentum_buffer *= momentum
            if dampening:
                t = work(1)
                xp.multiply(d, 1 - dampening, out=t)
                momentum_buffer += t
            else:
                momentum_buffer += d
        if nesterov:
            t = work(1)
            xp.multiply(momentum_buffer, momentum, out=t)
            t += d
            d = t
        else:
            d = momentum_buffer
    t = work(1)
    xp.multiply(d, lr, out=t)
    param -= t
    return momentum_buffer


def adam_update(xp, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, work, *, step, lr, beta1, beta2, eps,
                weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """One Adam (or, with ``decoupled_weight_decay``, AdamW) step; ``step`` counts from 1."""
    if weight_decay and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
        weight_decay = 0
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    t = work(1)
    xp.subtract(g, exp_avg, out=t)          # exp_avg.lerp_(g, 1 - beta1)
    t *= 1 - beta1
    exp_avg += t
    exp_avg_sq *= beta2                     # exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    xp.multiply(g, 1 - beta2, out=t)
    t *= g
    exp_avg_sq += t
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
    step_size = lr / bias_correction1
    second = exp_avg_sq
    if amsgrad:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    xp.sqrt(second, out=t)                  # denom = sqrt(v) / sqrt(bias_correction2) + eps
    t /= bias_correction2_sqrt
    t += eps
    xp.divide(exp_avg, t, out=t)            # param.addcdiv_(exp_avg, denom, value=-step_size)
    t *= step_size
    param -= t


def rmsprop_update(xp, param, grad, square_avg, grad_avg, momentum_buffer, work, *, lr, alpha, eps, weight_decay,
                   momentum, centered, maximize):
    """One RMSprop step (``grad_avg`` used when ``centered``, ``momentum_buffer`` when ``momentum > 0``)."""
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    t = work(1)
    square_avg *= alpha                     # square_avg.mul_(alpha).addcmul_(g, g, value=1 - alpha)
    xp.multiply(g, 1 - alpha, out=t)
    t *= g
    square_avg += t
    if centered:
        xp.subtract(g, grad_avg, out=t)     # grad_avg.lerp_(g, 1 - alpha)
        t *= 1 - alpha
        grad_avg += t
        xp.multiply(grad_avg, grad_avg, out=t)
        xp.subtract(square_avg, t, out=t)
        xp.sqrt(t, out=t)
    else:
        xp.sqrt(square_avg, out=t)
    t += eps
    if momentum > 0:
        xp.divide(g, t, out=t)              # buf.mul_(momentum).addcdiv_(g, avg); param.add_(buf, alpha=-lr)
        momentum_buffer *= momentum
        momentum_buffer += t
        xp.multiply(momentum_buffer, lr, out=t)
    else:
        xp.divide(g, t, out=t)              # param.addcdiv_(g, avg, value=-lr)
        t *= lr
    param -= t


def adadelta_update(xp, param, grad, square_avg, acc_delta, work, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step (Zeiler, 2012): the step is scaled by the RMS of past steps over the RMS of gradients."""
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    t, delta = work(1), work(2)
    square_avg *= rho                       # square_avg.mul_(rho).addcmul_(g, g, value=1 - rho)
    xp.multiply(g, 1 - rho, out=t)
    t *= g
    square_avg += t
    xp.add(square_avg, eps, out=t)          # std = (square_avg + eps).sqrt()
    xp.sqrt(t, out=t)
    xp.add(acc_delta, eps, out=delta)       # delta = (acc_delta + eps).sqrt() / std * g
    xp.sqrt(delta, out=delta)
    delta /= t
    delta *= g
    acc_delta *= rho                        # acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
    xp.multiply(delta, 1 - rho, out=t)
    t *= delta
    acc_delta += t
    delta *= lr
    param -= delta


def _lerp_into(xp, avg, g, weight, t):
    """``avg.lerp_(g, weight)`` using scratch ``t``."""
    xp.subtract(g, avg, out=t)
    t *= weight
    avg += t


def _add_square(xp, avg, g, beta, t):
    """``avg.mul_(beta).addcmul_(g, g, value=1 - beta)`` using scratch ``t``."""
    avg *= beta
    xp.multiply(g, 1 - beta, out=t)
    t *= g
    avg += t


def _decay_decoupled(param, lr, weight_decay, decoupled):
    """Shrink ``param`` (decoupled weight decay); returns the weight decay left for the gradient (L2)."""
    if weight_decay and decoupled:
        param *= 1 - lr * weight_decay
        return 0
    return weight_decay


def adagrad_update(xp, param, grad, state_sum, work, *, step, lr, lr_decay, weight_decay, eps, maximize):
    """One Adagrad step: ``sum += g * g``; ``p -= clr * g / (sqrt(sum) + eps)``, ``clr`` decayed by ``step``."""
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    clr = lr / (1 + (step - 1) * lr_decay)
    t = work(1)
    xp.multiply(g, g, out=t)
    state_sum += t
    xp.sqrt(state_sum, out=t)
    t += eps
    xp.divide(g, t, out=t)
    t *= clr
    param -= t


def adamax_update(xp, param, grad, exp_avg, exp_inf, work, *, step, lr, beta1, beta2, eps, weight_decay, maximize):
    """One Adamax step: the second moment is an infinity norm, ``exp_inf = max(beta2 * exp_inf, |g| + eps)``."""
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    t = work(1)
    _lerp_into(xp, exp_avg, g, 1 - beta1, t)
    exp_inf *= beta2
    xp.abs(g, out=t)
    t += eps
    xp.maximum(exp_inf, t, out=exp_inf)
    xp.divide(exp_avg, exp_inf, out=t)      # param.addcdiv_(exp_avg, exp_inf, value=-clr)
    t *= lr / (1 - beta1 ** step)
    param -= t


def nadam_update(xp, param, grad, exp_avg, exp_avg_sq, mu_product, work, *, step, lr, beta1, beta2, eps,
                 weight_decay, momentum_decay, decoupled_weight_decay, maximize):
    """One NAdam step. ``mu_product`` (a 0-d array: float32 on the host, as PyTorch keeps it, until a state dict
    is loaded) accumulates the momentum schedule ``mu_t`` in place."""
    weight_decay = _decay_decoupled(param, lr, weight_decay, decoupled_weight_decay)
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product *= mu
    prod = float(mu_product)
    t, denom = work(1), work(2)
    _lerp_into(xp, exp_avg, g, 1 - beta1, t)
    _add_square(xp, exp_avg_sq, g, beta2, t)
    xp.divide(exp_avg_sq, 1 - beta2 ** step, out=denom)
    xp.sqrt(denom, out=denom)
    denom += eps
    xp.divide(g, denom, out=t)
    t *= lr * (1.0 - mu) / (1.0 - prod)
    param -= t
    xp.divide(exp_avg, denom, out=t)
    t *= lr * mu_next / (1.0 - prod * mu_next)
    param -= t


def radam_update(xp, param, grad, exp_avg, exp_avg_sq, work, *, step, lr, beta1, beta2, eps, weight_decay,
                 decoupled_weight_decay, maximize):
    """One RAdam step: Adam with the variance rectified once ``rho_t > 5``, plain momentum SGD before that."""
    weight_decay = _decay_decoupled(param, lr, weight_decay, decoupled_weight_decay)
    g = _effective_grad(xp, param, grad, work, weight_decay, maximize)
    t = work(1)
    _lerp_into(xp, exp_avg, g, 1 - beta1, t)
    _add_square(xp, exp_avg_sq, g, beta2, t)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        xp.sqrt(exp_avg_sq, out=t)
        t += eps
        xp.divide(exp_avg, t, out=t)
        t *= lr * bias_correction2 ** 0.5 * rect / bias_correction1
    else:
        xp.multiply(exp_avg, lr / bias_correction1, out=t)
    param -= t


_DEFAULT = {"sgd": sgd_update, "adam": adam_update, "rmsprop": rmsprop_update, "adagrad": adagrad_update,
            "adamax": adamax_update, "nadam": nadam_update, "radam": radam_update, "adadelta": adadelta_update}
_REGISTERED = {}


def register_kernel(name, xp, fn):
    """Use ``fn`` instead of the default ``name`` update for parameters whose arrays belong to module ``xp``."""
    if name not in _DEFAULT:
        raise KeyError(f"unknown optimiser kernel {name!r}; expected one of {sorted(_DEFAULT)}")
    _REGISTERED[(name, xp.__name__)] = fn


def get_kernel(name, xp):
    """The update function for algorithm ``name`` on arrays of module ``xp``."""
    return _REGISTERED.get((name, xp.__name__)) or _DEFAULT[name]


_FOREACH = {}


def register_foreach_kernel(name, xp, fn):
    """Use ``fn`` to update a whole parameter group at once on arrays of module ``xp`` (issue 7: one GPU kernel
    launch per group). ``fn(xp, params, grads, *state_lists, steps_or_buffers, **options)`` takes lists of
    arrays; it returns False, having changed nothing, when it cannot take these arrays (the optimiser then
    updates parameter by parameter)."""
    if name not in _DEFAULT:
        raise KeyError(f"unknown optimiser kernel {name!r}; expected one of {sorted(_DEFAULT)}")
    _FOREACH[(name, xp.__name__)] = fn


def get_foreach_kernel(name, xp):
    """The group-at-once update for ``name`` on module ``xp``, or None."""
    return _FOREACH.get((name, xp.__name__))


class Workspace:
    """Scratch arrays for the update functions: ``work(i)`` is a param-shaped view of flat buffer ``i``,
    one per (device, dtype), grown to the largest parameter seen."""

    def __init__(self):
        self._buffers = {}

    def bind(self, param_array, device):
        """A ``work(i)`` callable for one parameter."""
        def work(i):
            key = (device, param_array.dtype, i)
            n = param_array.size
            buf = self._buffers.get(key)
            if buf is None or buf.size < n:
                buf = self._buffers[key] = device.xp.empty(n, param_array.dtype)
            return buf[:n].reshape(param_array.shape)
        return work
