"""The functional pieces ``ember.nn`` builds on, named as in ``torch.nn.functional`` so they map 1:1.

``ember.nn.functional`` re-exports everything in ``__all__``. Defined here: ``linear`` (one fused
node), ``dropout``, ``embedding``, ``one_hot``, ``pad``, ``normalize``, ``cosine_similarity`` and
``scaled_dot_product_attention``; the rest lives in its op family (conv, pool, loss, normalization,
unary activations, reductions).
"""
import math

import numpy as np

from ..autograd.node import Node
from ..backend import check_same_device
from ..random import _rng
from . import shape as _shape
from .conv import conv1d, conv2d
from .channel_shuffle import channel_shuffle
from .ctc import ctc_loss
from .conv_transpose import conv_transpose1d, conv_transpose2d
from .distance import pairwise_distance, triplet_margin_loss
from .fold import fold, unfold
from .gumbel import gumbel_softmax
from .loss_likelihood import gaussian_nll_loss, poisson_nll_loss
from .loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                          multilabel_margin_loss, multilabel_soft_margin_loss, soft_margin_loss,
                          triplet_margin_with_distance_loss)
from .pdist import pdist
from .prelu import prelu
from .resample import interpolate, pixel_shuffle, pixel_unshuffle
from .sampling import affine_grid, grid_sample
from .upsample import upsample, upsample_bilinear, upsample_nearest
from .elementwise import clamp
from .embedding_bag import embedding_bag
from .bilinear import bilinear
from .extra_activations import celu, glu, hardshrink, rrelu, softshrink, threshold
from .extra_norms import instance_norm, local_response_norm, rms_norm
from .feature_dropout import alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout
from .indexing import scatter_rows
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, kl_div, l1_loss,
                   mse_loss, nll_loss, smooth_l1_loss)
from .normalization import batch_norm, group_norm, layer_norm
from .pool import adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .pool import max_pool1d_with_indices, max_pool2d_with_indices
from .pool3d import adaptive_avg_pool3d, avg_pool3d, max_pool3d, max_pool3d_with_indices
from .adaptive_max_pool import (adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
                                adaptive_max_pool2d_with_indices, adaptive_max_pool3d, adaptive_max_pool3d_with_indices)
from .unpool import max_unpool1d, max_unpool2d, max_unpool3d
from .lp_pool import lp_pool1d, lp_pool2d, lp_pool3d
from .conv3d import conv3d, conv_transpose3d
from .softmax import log_softmax, softmax
from .unary import (elu, gelu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish, relu, relu6, selu,
                    sigmoid, silu, softplus, softsign, tanh, tanhshrink)
from .._kernels import lookup
from ._util import Tensor, column_sums, make, record, save_versions, xp_of

__all__ = ["linear", "dropout", "embedding", "one_hot", "pad", "normalize", "cosine_similarity",
           "scaled_dot_product_attention", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "cross_entropy", "nll_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "kl_div",
           "layer_norm", "batch_norm", "group_norm", "relu", "relu6", "leaky_relu", "gelu", "silu", "mish",
           "softplus", "elu", "selu", "sigmoid", "tanh", "hardtanh", "hardsigmoid", "hardswish", "logsigmoid",
           "softsign", "tanhshrink", "softmax", "log_softmax", "conv_transpose1d", "conv_transpose2d", "interpolate",
           "pixel_shuffle", "pixel_unshuffle", "prelu", "pairwise_distance", "triplet_margin_loss", "unfold", "fold",
           "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d",
           "instance_norm", "rms_norm", "local_response_norm", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout", "celu", "glu", "hardshrink", "softshrink", "threshold", "rrelu", "bilinear",
           "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "triplet_margin_with_distance_loss", "ctc_loss", "gumbel_softmax", "pdist",
           "affine_grid", "grid_sample", "channel_shuffle", "upsample", "upsample_nearest", "upsample_bilinear",
           "embedding_bag"]


# ---- linear --------------------------------------------------------------------------------------------

class AddmmBackward0(Node):
    """``y = x @ W.T + b`` over the flattened leading dims of ``x``: three BLAS-ready products backward."""
    __slots__ = ("x2", "w", "xshape")
    _saved = ("x2", "w")
    _fresh = True

    def backward(self, g):
        nx, nw, nb = self._next
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        xp = xp_of(g)
        if not (g2.flags.c_contiguous or g2.flags.f_contiguous):
            g2 = xp.ascontiguousarray(g2)
        gx = xp.matmul(g2, self.w).reshape(self.xshape) if nx is not None else None
        gw = xp.matmul(g2.T, self.x2) if nw is not None else None
        gb = column_sums(g2) if nb is not None else None
        return gx, gw, gb


class MmBackward0(AddmmBackward0):
    __slots__ = ()


def linear(input, weight, bias=None):
    """``input @ weight.T + bias`` for ``input (*, in)``, ``weight (out, in)``, ``bias (out,)``."""
    try:
        x, w = input._array, weight._array
    except AttributeError:          # free when they are tensors: a learner's None gets PyTorch's message
        bad, name = (input, "input") if not isinstance(input, Tensor) else (weight, "weight")
        pos, kind = ("1", "input") if name == "input" else ("2", "weight")
        what = f"{type(bad).__module__}.{type(bad).__name__}" if type(bad).__module__ != "builtins" else \
            type(bad).__name__
        raise TypeError(f"linear(): argument '{kind}' (position {pos}) must be Tensor, not {what}") from None
    if input._device is not weight._device or (bias is not None and bias._device is not input._device):
        check_same_device("linear", *[t._device for t in (input, weight, bias) if t is not None])
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        if w.ndim == 2 and x.ndim:
            rows = int(np.prod(x.shape[:-1])) if x.ndim > 1 else 1
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} and "
                               f"{w.shape[1]}x{w.shape[0]})")
        raise RuntimeError(f"linear(): expected weight of shape (out, in) and input (*, in), got {list(w.shape)} and "
                           f"{list(x.shape)}")
    if x.dtype != w.dtype or (bias is not None and bias._array.dtype != x.dtype):
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {input.dtype._short} and "
                           f"{weight.dtype._short}")
    x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])
    out = input._device.xp.matmul(x2, w.T)   # W.T is a transposed view: BLAS reads it without a copy
    if bias is not None:
        out += bias._array
    if x.ndim != 2:
        out = out.reshape(x.shape[:-1] + (w.shape[0],))
    result = make(out, input._device)
    record(result, AddmmBackward0 if bias is not None else MmBackward0, (input, weight, bias),
           save_versions(input, weight), x2=x2, w=w, xshape=x.shape)
    return result


# ---- dropout, embedding, one_hot -----------------------------------------------------------------------

class NativeDropoutBackward0(Node):
    __slots__ = ("mask",)
    _saved = ("mask",)
    _fresh = True

    def backward(self, g):
        return (g * self.mask,)


def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (identity when not training)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    x = input._array
    xp = input._device.xp
    if p == 1.0:
        mask = xp.zeros(x.shape, x.dtype)
    else:
        u = _rng(generator, input._device).random(x.shape, dtype=np.float64 if x.dtype == np.float64 else
                                                  np.float32)
        fused = lookup("dropout", x)                 # on a GPU: mask and output in one kernel
        r = fused(x, u, p) if fused is not None and not inplace else None
        if r is not None:
            out = make(r[0], input._device)
            record(out, NativeDropoutBackward0, (input,), (), mask=r[1])
            return out
        mask = (u >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    if inplace:
        from .inplace import mul_
        return mul_(input, make(mask, input._device))
    out = make(x * mask, input._device)
    record(out, NativeDropoutBackward0, (input,), (), mask=mask)
    return out


class EmbeddingBackward0(Node):
    __slots__ = ("idx", "wshape", "padding_idx")
    _saved = ("idx",)
    _fresh = True

    def backward(self, g):
        gw = xp_of(g).zeros(self.wshape, g.dtype)
        idx = self.idx.reshape(-1)
        rows = g.reshape(idx.size, self.wshape[1])
        if self.padding_idx is not None:
            keep = idx != self.padding_idx
            idx, rows = idx[keep], rows[keep]
        scatter_rows(gw, idx, rows)
        return None, gw


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` at the integer ``input`` indices; repeated indices accumulate gradients."""
    if not isinstance(input, Tensor) or input._array.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
                           "Int; but got " + (input.dtype._short if isinstance(input, Tensor) else type(input).__name__))
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding(): scale_grad_by_freq and sparse are not supported by ember")
    if input._device is not weight._device:
        check_same_device("embedding", weight._device, input._device)
    idx = input._array.astype(np.int64, copy=False)
    w = weight._array
    xp = weight._device.xp
    n = w.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        _renorm_rows(weight, xp.unique(idx), max_norm, norm_type)
    out = make(xp.take(w, idx, axis=0), input._device)
    record(out, EmbeddingBackward0, (input, weight), (), idx=idx, wshape=w.shape, padding_idx=padding_idx)
    return out


def _renorm_rows(weight, rows, max_norm, norm_type):
    # PyTorch rescales the looked-up rows in place, outside autograd
    w = weight._array
    norms = xp_of(w).linalg.norm(w[rows], ord=norm_type, axis=1)
    big = norms > max_norm
    if big.any():
        w[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None]
        weight._vc[0] += 1


def one_hot(tensor, num_classes=-1):
    """``(*, num_classes)`` int64 one-hot encoding of class indices."""
    t = tensor._array
    if t.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        num_classes = int(t.max()) + 1 if t.size else 0
    if t.size and (t.min() < 0 or t.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if t.size and t.max() >= num_classes else
                           "Class values must be non-negative.")
    xp = xp_of(t)
    out = xp.zeros(t.shape + (num_classes,), np.int64)
    xp.put_along_axis(out, t[..., None].astype(np.int64), 1, axis=-1)
    return make(out, tensor._device)


# ---- pad and friends -----------------------------------------------------------------------------------

class ConstantPadNdBackward0(Node):
    __slots__ = ("index",)

    def backward(self, g):
        return (g[self.index],)


def pad(input, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)``; negative values crop."""
    if mode != "constant":
        if mode in ("reflect", "replicate", "circular"):
            return _pad_np(input, pad, {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])
        raise NotImplementedError(f"pad(mode={mode!r}) is not supported by ember")
    x = input._array
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"Padding length must be divisible by 2 and at most twice the number of dimensions, got "
                           f"{len(pad)} for a {x.ndim}-D input")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if any(a < 0 or b < 0 for a, b in widths):       # negative padding crops (a differentiable slice)
        from .indexing import getitem
        input = getitem(input, tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, x.shape)))
        widths = [(max(a, 0), max(b, 0)) for a, b in widths]
        x = input._array
    out = make(xp_of(x).pad(x, widths, constant_values=0 if value is None else value), input._device)
    record(out, ConstantPadNdBackward0, (input,), None,
           index=tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape)))
    return out


def _pad_np(input, pad_, np_mode):
    x = input._array
    k = len(pad_) // 2
    widths = [(0, 0)] * (x.ndim - k) + [(int(pad_[2 * i]), int(pad_[2 * i + 1])) for i in reversed(range(k))]
    # build the padded result as a gather from the input: its backward (index) accumulates repeats
    xp = input._device.xp
    idx = xp.pad(xp.arange(x.size).reshape(x.shape), widths, mode=np_mode)
    from .indexing import take
    return take(input, make(idx, input._device))


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    from .reduction import norm
    n = norm(input, p, dim, keepdim=True)
    return input / clamp(n, min=eps).expand_as(input)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``."""
    from .reduction import norm, sum as _sum
    num = _sum(x1 * x2, dim)
    den = clamp(norm(x1, 2, dim) * norm(x2, 2, dim), min=eps)
    return num / den


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """``softmax(Q K^T * scale + mask) V``; a bool mask keeps True positions, a float mask is added."""
    from .linalg import matmul
    d = query._array.shape[-1]
    s = 1.0 / math.sqrt(d) if scale is None else scale
    scores = matmul(query, _shape.transpose(key, -2, -1)) * s
    lq, lk = scores._array.shape[-2], scores._array.shape[-1]
    if is_causal:
        xp = query._device.xp
        causal = make(xp.tril(xp.ones((lq, lk), bool)), query._device)
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask._array.dtype == np.bool_:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    attn = softmax(scores, -1)
    if dropout_p > 0:
        attn = dropout(attn, dropout_p)
    return matmul(attn, value)

