"""``Adamax``: Adam with an infinity-norm second moment."""
from ._functional import get_kernel
from .optimizer import Optimizer, check_adam_options

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma and Ba, 2014, section 7). State per parameter: ``step``, ``exp_avg``, ``exp_inf``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        check_adam_options(lr, betas, eps, weight_decay)
        if differentiable or capturable:
            raise NotImplementedError("Adamax(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=False, capturable=False))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            opts = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                        weight_decay=group["weight_decay"], maximize=group["maximize"])
            for p, state, step in self._each_param(group):
                m = self._state_tensor(p, state, "exp_avg")
                u = self._state_tensor(p, state, "exp_inf")
                pa, dev = p._array, p._device
                get_kernel("adamax", dev.xp)(dev.xp, pa, p._grad._array, m, u, self._work.bind(pa, dev), step=step,
                                             **opts)
        return loss
