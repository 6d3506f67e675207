"""``Variable``: PyTorch's pre-0.4 wrapper, still in many courses (``Variable(x, requires_grad=True)``). As in
PyTorch it is no type of its own: it returns a Tensor sharing ``data``'s memory, and every Tensor passes
``isinstance(t, Variable)``."""

__all__ = ["Variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        from .._tensor import Tensor
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    def __new__(cls, data, requires_grad=False, volatile=False):
        from .._tensor import Tensor
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            import warnings
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        return data.detach().requires_grad_(requires_grad)
