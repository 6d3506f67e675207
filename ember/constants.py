"""PyTorch's module-level constants: ``ember.pi``, ``ember.e``, ``ember.inf``, ``ember.nan`` (Python floats),
``ember.newaxis`` (None, for ``x[:, ember.newaxis]``) and the memory formats (``ember.channels_last``...).

ember's arrays are always laid out row-major, so a memory format passed to ``to``, ``contiguous`` or ``clone`` is
accepted and changes the values nothing (PyTorch's channels-last tensors hold the same values too)."""
import math

__all__ = ["e", "inf", "nan", "newaxis", "pi", "memory_format", "contiguous_format", "channels_last",
           "channels_last_3d", "preserve_format"]

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
newaxis = None


class memory_format:
    """A memory layout tag (``ember.contiguous_format``, ``ember.channels_last``...). ember's arrays are always
    row-major, so a format passed to ``to``/``contiguous``/``clone`` is accepted and changes nothing."""
    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"ember.{self._name}"


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
