"""``embedding_bag``: sums, means or maxima of bags of embedding rows without materialising the per-bag lists
(the torchtext text-classification tutorial's ``nn.EmbeddingBag(vocab, dim, mode="mean")`` with ``offsets``).
A composition of ``embedding`` (gather), ``index_add`` (per-bag sums) and per-bag ``max``: differentiable in the
weights and ``per_sample_weights``."""
import numpy as np

from ..backend import to_host
from ._util import Tensor, make

__all__ = ["embedding_bag"]


def _bags(input, offsets, include_last_offset):
    """Flat indices, each one's bag number (ascending) and the number of bags."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             f"fixed length sequences. However, found offsets of type {type(offsets)}")
        b, n = input.shape
        return input.reshape(-1), np.repeat(np.arange(b), n), b
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None or not isinstance(offsets, Tensor) or offsets.dim() != 1:
        raise ValueError(f"offsets has to be a 1D Tensor but got {offsets if offsets is None else offsets.dim()}")
    off = np.asarray(to_host(offsets._array), dtype=np.int64)
    n = input.shape[0]
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from "
                           f"position 0. However, got {int(off[0])}")
    if include_last_offset:
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], n)
    if np.any(ends < starts) or (ends.size and ends[-1] > n):
        raise RuntimeError("offsets must be non-decreasing and within the input")
    nbags = starts.size
    bag = np.repeat(np.arange(nbags), ends - starts)
    return input[:bag.size] if bag.size != n else input, bag, nbags


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """One row per bag: the ``mode`` ('sum', 'mean' or 'max') of the embedding rows of its indices. Bags are the
    rows of a 2-D ``input``, or the runs of a 1-D ``input`` starting at ``offsets``; ``padding_idx`` entries
    are left out (an empty bag gives zeros)."""
    from .nn_ops import embedding
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                                  f"GitHub.")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag(): scale_grad_by_freq and sparse are not supported by ember")
    if per_sample_weights is not None and tuple(per_sample_weights.shape) != tuple(input.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is not None, then "
                         f"it must have the same shape as the input ({tuple(input.shape)})")
    flat, bag, nbags = _bags(input, offsets, include_last_offset)
    psw = per_sample_weights.reshape(-1)[:bag.size] if per_sample_weights is not None else None
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        keep = np.nonzero(np.asarray(to_host(flat._array)) != padding_idx)[0]
        if keep.size != bag.size:
            sel = make(weight._device.xp.asarray(keep), weight._device)
            flat, bag = flat[sel], bag[keep]
            psw = psw[sel] if psw is not None else None
    rows = embedding(flat, weight, max_norm=max_norm, norm_type=norm_type)
    if psw is not None:
        rows = rows * psw.unsqueeze(1)
    xp, dev = weight._device.xp, weight._device
    counts = np.bincount(bag, minlength=nbags)
    if mode == "max":
        from .combine import stack
        bounds = np.concatenate([[0], np.cumsum(counts)])
        zero = weight.new_zeros(weight.shape[1])
        if not nbags:
            return weight.new_zeros(0, weight.shape[1])
        return stack([rows[int(s):int(e)].max(0).values if e > s else zero for s, e in zip(bounds[:-1], bounds[1:])])
    out = weight.new_zeros(nbags, weight.shape[1]).index_add(0, make(xp.asarray(bag), dev), rows)
    if mode == "mean":
        out = out / make(xp.asarray(np.maximum(counts, 1)[:, None], dtype=out._array.dtype), dev)
    return out
