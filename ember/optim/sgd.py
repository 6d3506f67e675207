"""``SGD`` with momentum, dampening, Nesterov momentum, weight decay and ``maximize``."""
from ._functional import get_kernel
from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """``p -= lr * d`` where ``d`` is the gradient (plus ``weight_decay * p``), through a momentum buffer
    ``buf = momentum * buf + (1 - dampening) * d`` when ``momentum > 0`` (Nesterov: ``d + momentum * buf``).
    State per parameter: ``momentum_buffer`` (only with momentum)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False,
                 foreach=None, differentiable=False, fused=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable:
            raise NotImplementedError("SGD(differentiable=True) is not supported by ember")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=foreach,
                                      differentiable=False, fused=fused))

    def step(self, closure=None):
        loss = self._closure(closure)
        for group in self.param_groups:
            opts = dict(lr=group["lr"], momentum=group["momentum"], dampening=group["dampening"],
                        nesterov=group["nesterov"], weight_decay=group["weight_decay"], maximize=group["maximize"])
            use_momentum = opts["momentum"] != 0
            if self._foreach_step(group, use_momentum, opts):
                continue
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                pa, dev = p._array, p._device
                state = self.state[p] if use_momentum else None
                buf = state.get("momentum_buffer") if use_momentum else None
                new = get_kernel("sgd", dev.xp)(dev.xp, pa, g._array, None if buf is None else buf._array,
                                                self._work.bind(pa, dev), **opts)
                if use_momentum and buf is None:
                    from .._tensor import make
                    state["momentum_buffer"] = make(new, dev)
                p._vc[0] += 1
        return loss

    def _foreach_step(self, group, use_momentum, opts):
        """The whole group in one call (the GPU's fused multi-tensor SGD); False to go parameter by parameter."""
        found = self._foreach_kernel(group, "sgd")
        if found is None:
            return False
        params, dev, fn = found
        bufs = [self.state[p].get("momentum_buffer") for p in params] if use_momentum else None
        new = fn(dev.xp, [p._array for p in params], [p._grad._array for p in params],
                 [None if b is None else b._array for b in bufs] if use_momentum else None, **opts)
        if new is None:
            return False
        if use_momentum:
            from .._tensor import make
            for p, b, arr in zip(params, bufs, new):
                if b is None:
                    self.state[p]["momentum_buffer"] = make(arr, dev)
        for p in params:
            p._vc[0] += 1
        return True
