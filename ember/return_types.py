"""``ember.return_types``: the named tuples ops return (``x.max(dim=1)`` gives ``values, indices``), printed
as PyTorch prints its ``torch.return_types``::

    ember.return_types.max(
    values=tensor([3, 7]),
    indices=tensor([3, 3]))
"""
import sys
from collections import namedtuple

__all__ = ["structseq"]


def structseq(name, fields):
    """A named tuple class ``ember.return_types.<name>`` with PyTorch's repr; registered in this module."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"ember.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__})
    setattr(sys.modules[__name__], name, cls)
    return cls
