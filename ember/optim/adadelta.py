"""``Adadelta``: the optimiser of PyTorch's MNIST example (``optim.Adadelta(model.parameters(), lr=1.0)``)."""
from ._functional import get_kernel
from .optimizer import Optimizer

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012). State per parameter: ``step``, ``square_avg`` and ``acc_delta``."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if differentiable or capturable:
            raise NotImplementedError("Adadelta(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=False, foreach=foreach, differentiable=False))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            opts = dict(lr=group["lr"], rho=group["rho"], eps=group["eps"], weight_decay=group["weight_decay"],
                        maximize=group["maximize"])
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                state = self.state[p]
                self._next_step(state)
                sq = self._state_tensor(p, state, "square_avg")
                acc = self._state_tensor(p, state, "acc_delta")
                pa, dev = p._array, p._device
                get_kernel("adadelta", dev.xp)(dev.xp, pa, g._array, sq, acc, self._work.bind(pa, dev), **opts)
                p._vc[0] += 1
        return loss
