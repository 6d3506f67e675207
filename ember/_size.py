"""``ember.Size``: the tuple subclass returned by ``Tensor.shape`` (PyTorch's ``torch.Size``)."""
import math

__all__ = ["Size"]


class Size(tuple):
    """The shape of a tensor, a tuple subclass (PyTorch's ``torch.Size``): ``ember.zeros(2, 3).shape``
    is ``ember.Size([2, 3])``; ``.numel()`` gives the product."""
    __slots__ = ()

    def numel(self):
        return math.prod(self)

    def __repr__(self):
        return f"ember.Size({list(self)})"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))
