"""``nn.Parameter``: a leaf Tensor that a ``Module`` registers as one of its parameters."""
from .._tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor subclass with ``requires_grad=True`` by default; assigning one to a Module attribute
    registers it (``module.weight = Parameter(ember.randn(3))``).

    It shares ``data``'s storage and version counter (PyTorch's ``_make_subclass``).
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, got {type(data).__name__}")
        return Tensor._make_subclass(cls, data.detach(), requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
