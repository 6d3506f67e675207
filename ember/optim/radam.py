"""``RAdam``: Adam with a rectified adaptive learning rate."""
from ._functional import get_kernel
from .optimizer import Optimizer, check_adam_options

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019). State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.
    ``decoupled_weight_decay`` shrinks the parameter instead of adding an L2 term (RAdamW)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_adam_options(lr, betas, eps, weight_decay)
        if differentiable or capturable:
            raise NotImplementedError("RAdam(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=foreach, capturable=False, decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=False))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            opts = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                        weight_decay=group["weight_decay"], decoupled_weight_decay=group["decoupled_weight_decay"],
                        maximize=group["maximize"])
            for p, state, step in self._each_param(group):
                m = self._state_tensor(p, state, "exp_avg")
                v = self._state_tensor(p, state, "exp_avg_sq")
                pa, dev = p._array, p._device
                get_kernel("radam", dev.xp)(dev.xp, pa, p._grad._array, m, v, self._work.bind(pa, dev), step=step,
                                            **opts)
        return loss
