"""Module backward hooks (``register_full_backward_hook`` / ``register_full_backward_pre_hook``), built as
PyTorch builds them: the module's tensor inputs and outputs pass through an identity ``BackwardHookFunction``
whose backward sees the gradients w.r.t. the outputs (first) and w.r.t. the inputs (after the module's own
backward), calls the hooks, and lets them replace those gradients."""
from ...autograd.function import Function
from ...autograd.grad_mode import is_grad_enabled
from ..._tensor import Tensor

__all__ = ["BackwardHook"]


class BackwardHookFunction(Function):
    @staticmethod
    def forward(ctx, callback, *tensors):
        ctx.callback = callback
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        return (None,) + tuple(ctx.callback(grads))


def _check(result, expected, module, what):
    if len(result) != expected:
        raise RuntimeError(f"{what} hook of {type(module).__name__} returned {len(result)} gradients, expected "
                           f"{expected}")
    return tuple(result)


class BackwardHook:
    """One module call's hook state: set up on its inputs before ``forward`` and on its outputs after."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_pos = None           # positions (among the tensor args) of the inputs that need gradients

    def setup_input_hook(self, args):
        tensor_idx = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(tensor_idx)
        need = [i for i in tensor_idx if args[i].requires_grad] if is_grad_enabled() else []
        if not need:
            return args
        self.input_pos = [tensor_idx.index(i) for i in need]
        wrapped = BackwardHookFunction.apply(self._input_grads, *[args[i] for i in need])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for i, w in zip(need, wrapped):
            args[i] = w
        return tuple(args)

    def setup_output_hook(self, out):
        single = isinstance(out, Tensor)
        outs = (out,) if single else out
        if not isinstance(outs, tuple) or not is_grad_enabled():
            return out
        idx = [i for i, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not idx:
            return out
        wrapped = BackwardHookFunction.apply(self._output_grads, *[outs[i] for i in idx])
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outs = list(outs)
        for i, w in zip(idx, wrapped):
            outs[i] = w
        return outs[0] if single else tuple(outs)

    def _output_grads(self, grads):
        m = self.module
        for hook in list(m._backward_pre_hooks.values()):
            r = hook(m, grads)
            if r is not None:
                grads = _check(r if isinstance(r, (tuple, list)) else (r,), len(grads), m, "Backward pre")
        self.grad_outputs = grads
        if self.input_pos is None:          # no input needs a gradient: the hooks run now, with None inputs
            if m._backward_hooks:
                import warnings
                warnings.warn("Full backward hook is firing when gradients are computed with respect to module "
                              "outputs since no inputs require gradients. See "
                              "https://docs.pytorch.org/docs/main/generated/torch.nn.Module.html"
                              "#torch.nn.Module.register_full_backward_hook for more details.", UserWarning)
            for hook in list(m._backward_hooks.values()):
                r = hook(m, (None,) * self.n_inputs, grads)
                if r is not None and any(g is not None for g in (r if isinstance(r, (tuple, list)) else (r,))):
                    raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                       "return None or None for all gradients.")
        return grads

    def _input_grads(self, grads):
        m = self.module
        grad_input = [None] * self.n_inputs
        for p, g in zip(self.input_pos, grads):
            grad_input[p] = g
        grad_input = tuple(grad_input)
        for hook in list(m._backward_hooks.values()):
            r = hook(m, grad_input, self.grad_outputs)
            if r is not None:
                grad_input = _check(r if isinstance(r, (tuple, list)) else (r,), self.n_inputs, m, "Backward")
        return tuple(grad_input[p] for p in self.input_pos)
