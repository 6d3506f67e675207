"""``Adagrad``: per-coordinate learning rates from the running sum of squared gradients."""
import numpy as np

from .._tensor import make
from ._functional import get_kernel
from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011). State per parameter: ``step`` and ``sum`` (starting at
    ``initial_accumulator_value``), created for every parameter at construction, as PyTorch does."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if fused and foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        if differentiable:
            raise NotImplementedError("Adagrad(differentiable=True) is not supported by ember")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                                      maximize=maximize, differentiable=False, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, self.state[p])

    def _init_state(self, p, state):
        if not state:
            state["step"] = make(np.zeros((), np.float32))
            # PyTorch fills from the defaults, not the group, even for groups that set their own value
            fill = self.defaults["initial_accumulator_value"]
            state["sum"] = make(p._device.xp.full_like(p._array, fill), p._device)

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            opts = dict(lr=group["lr"], lr_decay=group["lr_decay"], weight_decay=group["weight_decay"],
                        eps=group["eps"], maximize=group["maximize"])
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                state = self.state[p]
                self._init_state(p, state)            # parameters of groups added after construction
                step = self._next_step(state)
                pa, dev = p._array, p._device
                get_kernel("adagrad", dev.xp)(dev.xp, pa, g._array, state["sum"]._array, self._work.bind(pa, dev),
                                              step=step, **opts)
                p._vc[0] += 1
        return loss
