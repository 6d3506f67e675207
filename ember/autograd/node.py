"""Graph nodes: what the dynamic autograd graph is made of.

A ``Node`` is the backward of one op call. ``_next`` holds one edge per differentiable input:
``None`` (no gradient needed), the producing ``Node`` of a non-leaf input, a leaf ``Tensor`` that
requires grad (its gradient is accumulated into ``.grad``), or an ``OutputEdge`` when the input is
output number > 0 of a multi-output node. Each edge kind has a class attribute ``_kind`` (1, 2, 3)
so the engine dispatches without ``isinstance``.

Conventions for op authors (see ``ember/ops``):
- ``backward(grad)`` (``backward(*grads)`` when ``_n_out > 1``) gets NumPy/CuPy arrays and returns
  a tuple aligned with ``_next``; an entry may be ``None`` where ``_next`` is ``None``.
- Never write into an incoming gradient; it may be shared or read-only.
- Arrays saved for backward live in the slots named by ``_saved``; they are dropped after backward
  unless ``retain_graph``. Shapes and scalars live in other slots and survive.
- ``_versions`` is ``None`` or a flat tuple ``(counter, version, array, ...)`` of saved tensors'
  version counters, checked before backward runs.
- ``_fresh = True`` promises that every array ``backward`` returns is newly allocated and returned
  once, so a leaf may keep it as its ``.grad`` without a copy.
"""

__all__ = ["Node", "OutputEdge", "AccumulateGrad", "FREED"]

FREED = ("freed",)   # sentinel stored in _versions once saved arrays are released


class Node:
    __slots__ = ("_next", "_versions", "_thooks", "__weakref__")
    _kind = 1
    _n_out = 1
    _saved = ()
    _fresh = False

    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"

    def backward(self, grad):
        raise NotImplementedError(f"{self.name()} has no backward")

    def _release(self):
        for slot in self._saved:
            setattr(self, slot, None)
        self._versions = FREED

    @property
    def next_functions(self):
        """PyTorch-style ``((node, output_nr), ...)``; leaves appear as ``AccumulateGrad`` nodes."""
        out = []
        for e in self._next:
            if e is None:
                out.append((None, 0))
            elif e._kind == 1:
                out.append((e, 0))
            elif e._kind == 2:
                out.append((AccumulateGrad(e), 0))
            else:
                out.append((e.node, e.nr))
        return tuple(out)

    @property
    def metadata(self):
        return {}

    def register_hook(self, fn):
        raise NotImplementedError("ember supports hooks on tensors (Tensor.register_hook), not on graph nodes")


class OutputEdge:
    """Edge to output ``nr`` (> 0) of a multi-output node."""
    __slots__ = ("node", "nr")
    _kind = 3

    def __init__(self, node, nr):
        self.node = node
        self.nr = nr


class AccumulateGrad:
    """The view of a leaf in ``next_functions``: gradients flowing here accumulate into ``.grad``."""
    __slots__ = ("variable",)
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"

    def __eq__(self, other):
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self):
        return id(self.variable)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""
    __slots__ = ("_table", "_key")
    _next_id = [0]

    def __init__(self, table):
        self._table = table
        RemovableHandle._next_id[0] += 1
        self._key = RemovableHandle._next_id[0]

    def remove(self):
        self._table.pop(self._key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
