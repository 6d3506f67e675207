"""``Adam`` (with ``amsgrad``) and ``AdamW`` (decoupled weight decay)."""
from ._functional import get_kernel
from .optimizer import Optimizer, check_adam_options

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014). State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` and, with
    ``amsgrad``, ``max_exp_avg_sq``. ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2), unless
    ``decoupled_weight_decay`` (AdamW) shrinks the parameter instead."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_adam_options(lr, betas, eps, weight_decay)
        if differentiable or capturable:
            raise NotImplementedError(f"{type(self).__name__}(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=False, differentiable=False,
                                      fused=fused, decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            amsgrad = group["amsgrad"]
            opts = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                        weight_decay=group["weight_decay"], amsgrad=amsgrad, maximize=group["maximize"],
                        decoupled_weight_decay=group["decoupled_weight_decay"])
            if self._foreach_step(group, amsgrad, opts):
                continue
            for p, state, step in self._each_param(group):
                m = self._state_tensor(p, state, "exp_avg")
                v = self._state_tensor(p, state, "exp_avg_sq")
                vmax = self._state_tensor(p, state, "max_exp_avg_sq") if amsgrad else None
                pa, dev = p._array, p._device
                get_kernel("adam", dev.xp)(dev.xp, pa, p._grad._array, m, v, vmax, self._work.bind(pa, dev),
                                           step=step, **opts)
        return loss

    def _foreach_step(self, group, amsgrad, opts):
        """The whole group in one call (the GPU's fused multi-tensor Adam); False to go parameter by parameter."""
        found = self._foreach_kernel(group, "adam")
        if found is None:
            return False
        params, dev, fn = found
        states = [self.state[p] for p in params]
        m = [self._state_tensor(p, s, "exp_avg") for p, s in zip(params, states)]
        v = [self._state_tensor(p, s, "exp_avg_sq") for p, s in zip(params, states)]
        vmax = [self._state_tensor(p, s, "max_exp_avg_sq") for p, s in zip(params, states)] if amsgrad else None
        steps = [float(s["step"]._array + 1) if "step" in s else 1.0 for s in states]     # as _next_step counts
        if not fn(dev.xp, [p._array for p in params], [p._grad._array for p in params], m, v, vmax, steps, **opts):
            return False
        for p, s in zip(params, states):
            self._next_step(s)
            p._vc[0] += 1
        return True


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter, 2019): ``p *= 1 - lr * weight_decay`` each step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
