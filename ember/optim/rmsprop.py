"""``RMSprop`` with momentum and the centred variant."""
from ._functional import get_kernel
from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """Divide the gradient by a running RMS of recent gradients (Hinton's lecture 6e). State per parameter:
    ``step``, ``square_avg``, ``momentum_buffer`` (``momentum > 0``), ``grad_avg`` (``centered``)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        if differentiable or capturable:
            raise NotImplementedError("RMSprop(differentiable/capturable) is not supported by ember")
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=False, foreach=foreach, maximize=maximize,
                                      differentiable=False))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            momentum, centered = group["momentum"], group["centered"]
            opts = dict(lr=group["lr"], alpha=group["alpha"], eps=group["eps"], weight_decay=group["weight_decay"],
                        momentum=momentum, centered=centered, maximize=group["maximize"])
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                state = self.state[p]
                self._next_step(state)
                sq = self._state_tensor(p, state, "square_avg")
                buf = self._state_tensor(p, state, "momentum_buffer") if momentum > 0 else None
                gavg = self._state_tensor(p, state, "grad_avg") if centered else None
                pa, dev = p._array, p._device
                get_kernel("rmsprop", dev.xp)(dev.xp, pa, g._array, sq, gavg, buf, self._work.bind(pa, dev), **opts)
                p._vc[0] += 1
        return loss
