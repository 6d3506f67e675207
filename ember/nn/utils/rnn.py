"""``ember.nn.utils.rnn``: ``PackedSequence`` and the functions that pack, pad and unpad batches of variable-length
sequences, with ``torch.nn.utils.rnn``'s names, layouts and errors.

Every data movement is one gather (an index tensor built with NumPy from the lengths) on a differentiable ember op,
so gradients flow through packing and padding. ``batch_sizes`` and returned lengths are CPU int64 tensors, as in
PyTorch; ``sorted_indices``/``unsorted_indices`` live on the data's device.
"""
import weakref
from collections import namedtuple

import numpy as np

from ... import creation
from ..._tensor import Tensor
from ...ops import combine

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


# id(index tensor) -> (weakref to it, its version, a read-only host copy) for the device index tensors built here
# from host arrays (sorted_indices, unsorted_indices): reading them back later (pad_packed_sequence, every step of
# a packed RNN loop) would be a device-to-host sync each time
_HOST_COPIES = {}


def _np(t):
    """A small integer tensor (or list) as a host int64 array."""
    if isinstance(t, Tensor):
        seen = _HOST_COPIES.get(id(t))
        if seen is not None and seen[0]() is t and seen[1] == t._vc[0]:
            return seen[2]
        t = t.detach().cpu().numpy()
    return np.asarray(t, dtype=np.int64)


def _index(array, device, keep_host=False):
    """``array`` as an int64 index tensor on ``device``; ``keep_host`` remembers the host copy for ``_np``."""
    array = np.ascontiguousarray(array, dtype=np.int64)
    t = creation.tensor(array, device=device)
    if keep_host and t.device.type != "cpu":
        key, host = id(t), array.copy()
        host.flags.writeable = False
        _HOST_COPIES[key] = (weakref.ref(t, lambda _, key=key: _HOST_COPIES.pop(key, None)), t._vc[0], host)
    return t


def invert_permutation(permutation):
    """The inverse of a 1-D permutation tensor (None stays None)."""
    if permutation is None:
        return None
    perm = _np(permutation)
    inv = np.empty_like(perm)
    inv[perm] = np.arange(perm.size)
    return _index(inv, permutation.device, keep_host=True)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of sequences packed time step by time step: ``data`` holds step 0 of every sequence (longest first),
    then step 1 of those still running, ...; ``batch_sizes[t]`` is how many sequences run at step ``t``.
    Build it with ``pack_padded_sequence`` or ``pack_sequence``."""

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU. Instances of PackedSequence should never be created "
                             "manually. They should be instantiated by functions like pack_sequence and "
                             "pack_padded_sequences in nn.utils.rnn.")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """``data.to(...)``; the index tensors follow the data's device. Returns ``self`` if nothing changed."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = (lambda t: None if t is None else t.to(data.device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, device=None):
        return self.to("cuda" if device is None else f"cuda:{device}" if isinstance(device, int) else device)

    def cpu(self):
        return self.to("cpu")

    def double(self):
        return self.to(dtype=self.data.double().dtype)

    def float(self):
        return self.to(dtype=self.data.float().dtype)

    def long(self):
        return self.to(dtype=self.data.long().dtype)

    def int(self):
        return self.to(dtype=self.data.int().dtype)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


# ---- index arithmetic on host arrays ---------------------------------------------------------------------

def _batch_sizes(lengths):
    """``batch_sizes[t]`` = how many of the (descending) ``lengths`` exceed ``t``."""
    return (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1).astype(np.int64)


def _lengths(batch_sizes):
    """Per sorted sequence, how many steps it runs (the inverse of ``_batch_sizes``)."""
    return (batch_sizes[None, :] > np.arange(batch_sizes[0])[:, None]).sum(1).astype(np.int64)


def _packed_rows(batch_sizes):
    """``(t, j)`` of every packed row: step ``t`` of the ``j``-th longest sequence."""
    t = np.repeat(np.arange(batch_sizes.size), batch_sizes)
    starts = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    return t, np.arange(t.size) - starts[t]


def packed_to_padded_index(batch_sizes, steps):
    """``(steps, B)`` index of packed rows for each (step, sorted sequence); ``len(data)`` marks padding."""
    t, j = _packed_rows(batch_sizes)
    index = np.full((steps, int(batch_sizes[0])), t.size, dtype=np.int64)
    index[t, j] = np.arange(t.size)
    return index


def packed_from_padded(padded, batch_sizes):
    """The packed ``data`` of a time-major ``(T, B, *)`` tensor whose columns are already in sorted order."""
    t, j = _packed_rows(batch_sizes)
    flat = padded.reshape((-1,) + tuple(padded.shape[2:]))
    return flat[_index(t * padded.shape[1] + j, padded.device)]


def padded_from_packed(data, batch_sizes, steps, padding_value=0.0):
    """Time-major ``(steps, B, *)`` in sorted order, ``padding_value`` past each sequence's end."""
    index = packed_to_padded_index(batch_sizes, steps)
    pad = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    rows = combine.cat([data, pad], 0)[_index(index.ravel(), data.device)]
    return rows.reshape(index.shape + tuple(data.shape[1:]))


# ---- public functions ------------------------------------------------------------------------------------

def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) batch whose ``b``-th sequence has
    ``lengths[b]`` steps. With ``enforce_sorted`` the lengths must be decreasing; otherwise the batch is sorted
    (stably) and the permutation kept in ``sorted_indices``."""
    lens = _np(lengths).reshape(-1)
    batch = input.shape[0 if batch_first else 1]
    if lens.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {lens.size} "
                           f"(batch_size={batch})")
    if enforce_sorted:
        order = None
        if (np.diff(lens) > 0).any():
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You "
                               "can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if lens.size and lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    steps = input.shape[1 if batch_first else 0]
    if lens[0] > steps:
        raise ValueError(f"a length ({lens[0]}) exceeds the padded input's {steps} steps")
    batch_sizes = _batch_sizes(lens)
    t, j = _packed_rows(batch_sizes)
    b = j if order is None else order[j]                   # the original column of each packed row
    flat = input.reshape((-1,) + tuple(input.shape[2:]))
    data = flat[_index(b * steps + t if batch_first else t * batch + b, input.device)]
    sorted_indices = unsorted_indices = None
    if order is not None:
        # invert on the host: invert_permutation would copy sorted_indices back from the device
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        sorted_indices = _index(order, input.device, keep_host=True)
        unsorted_indices = _index(inverse, input.device, keep_host=True)
    return PackedSequence(data, creation.tensor(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of ``pack_padded_sequence``: ``(padded, lengths)`` in the original batch order, padded with
    ``padding_value`` to the longest length or to ``total_length``."""
    batch_sizes = _np(sequence.batch_sizes)
    steps = batch_sizes.size
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    index = packed_to_padded_index(batch_sizes, steps)
    lengths = _lengths(batch_sizes)
    if sequence.unsorted_indices is not None:
        unsorted = _np(sequence.unsorted_indices)
        index, lengths = index[:, unsorted], lengths[unsorted]
    if batch_first:
        index = index.T
    data = sequence.data
    pad = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    rows = combine.cat([data, pad], 0)[_index(index.ravel(), data.device)]
    return rows.reshape(index.shape + tuple(data.shape[1:])), creation.tensor(lengths)


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack ``(L_i, *)`` tensors into ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``), ``T = max L_i``, padding
    each on the ``'right'`` (after its end) or the ``'left'``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    lens = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps, first = int(lens.max()), sequences[0]
    starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    pos = np.arange(steps)[:, None] - (steps - lens[None, :] if padding_side == "left" else 0)   # (T, B)
    index = np.where((pos >= 0) & (pos < lens[None, :]), starts[None, :] + pos, lens.sum())
    if batch_first:
        index = index.T
    pad = creation.full((1,) + tuple(first.shape[1:]), padding_value, dtype=first.dtype, device=first.device)
    rows = combine.cat(list(sequences) + [pad], 0)[_index(index.ravel(), first.device)]
    return rows.reshape(index.shape + tuple(first.shape[1:]))


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The ``(L_b, *)`` sequences of a padded batch (PyTorch transposes its input in place; ember does not)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), _np(lengths).reshape(-1), strict=True)]


def pack_sequence(sequences, enforce_sorted=True):
    """``pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=...)``."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences in a ``PackedSequence``, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
