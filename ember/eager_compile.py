"""``ember.compile``: PyTorch 2's ``torch.compile`` entry point. ember has no graph compiler: it returns the
model or function unchanged, so ``model = ember.compile(model)`` and ``@ember.compile`` run eagerly with the same
results (a compiled PyTorch model computes the same values, faster)."""

__all__ = ["compile"]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """PyTorch 2's ``torch.compile``: ember has no compiler, so it returns ``model`` unchanged (it runs eagerly,
    with the same results). Works as ``model = ember.compile(model)`` and as a decorator."""
    if model is None:                # @ember.compile(mode="max-autotune")
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError("compile(): the model must be a callable (an nn.Module or a function)")
    return model
