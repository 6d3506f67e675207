"""``NAdam``: Adam with Nesterov momentum and a momentum schedule."""
import numpy as np

from .._tensor import make
from ._functional import get_kernel
from .optimizer import Optimizer, check_adam_options

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016). State per parameter: ``step``, ``mu_product`` (the product of the momentum schedule,
    a float32 scalar), ``exp_avg``, ``exp_avg_sq``. ``decoupled_weight_decay`` gives NAdamW."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        check_adam_options(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        if differentiable or capturable:
            raise NotImplementedError("NAdam(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=False, differentiable=False))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            opts = dict(lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
                        weight_decay=group["weight_decay"], momentum_decay=group["momentum_decay"],
                        decoupled_weight_decay=group["decoupled_weight_decay"], maximize=group["maximize"])
            for p, state, step in self._each_param(group):
                if "mu_product" not in state:
                    state["mu_product"] = make(np.ones((), np.float32))
                elif state["mu_product"]._device.type != "cpu":
                    # load_state_dict casts it to the parameter's device, as PyTorch does; the update reads it on
                    # the host every step (a sync each time on a GPU), so bring it back once, dtype unchanged
                    state["mu_product"] = state["mu_product"].cpu()
                m = self._state_tensor(p, state, "exp_avg")
                v = self._state_tensor(p, state, "exp_avg_sq")
                pa, dev = p._array, p._device
                get_kernel("nadam", dev.xp)(dev.xp, pa, p._grad._array, m, v, state["mu_product"]._array,
                                            self._work.bind(pa, dev), step=step, **opts)
        return loss
