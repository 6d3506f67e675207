"""Multi-head attention as PyTorch's ``F.multi_head_attention_forward``, built from differentiable ops.

Inputs are sequence-first, ``(L, N, E)`` (or unbatched ``(L, E)``). Masks follow ``nn.MultiheadAttention``:
a boolean ``attn_mask``/``key_padding_mask`` is True where attention is *not* allowed; a float mask is added
to the scores.
"""
import math

from .. import creation
from ..ops import combine, nn_ops, shape
from ..ops.linalg import bmm

__all__ = ["multi_head_attention_forward"]


def _canonical_mask(mask, name, dtype):
    """A float mask (added to the scores): booleans become 0 / -inf."""
    if mask is None:
        return None
    if mask.dtype.is_floating_point:
        return mask if mask.dtype == dtype else mask.to(dtype)
    if mask.dtype.name != "bool":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return creation.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask, float("-inf"))


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's input checks; returns whether the input is batched."""
    nd = query.dim()
    if nd not in (2, 3):
        raise AssertionError(f"query should be unbatched 2D or batched 3D tensor but received {nd}-D query tensor")
    kind = "batched (3-D)" if nd == 3 else "unbatched (2-D)"
    if key.dim() != nd or value.dim() != nd:
        raise AssertionError(f"For {kind} `query`, expected `key` and `value` to be {nd}-D but found {key.dim()}-D "
                             f"and {value.dim()}-D tensors respectively")
    if key_padding_mask is not None and key_padding_mask.dim() != nd - 1:
        raise AssertionError(f"For {kind} `query`, expected `key_padding_mask` to be `None` or {nd - 1}-D but found "
                             f"{key_padding_mask.dim()}-D tensor instead")
    if attn_mask is not None and attn_mask.dim() not in (2, 3):
        raise AssertionError(f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                             f"{attn_mask.dim()}-D tensor instead")
    if nd == 2 and attn_mask is not None and attn_mask.dim() == 3 and attn_mask.shape[0] != num_heads:
        raise AssertionError(f"Expected `attn_mask` shape to be {(num_heads, query.shape[0], key.shape[0])} but got "
                             f"{tuple(attn_mask.shape)}")
    return nd == 3


def _projections(query, key, value, w, b, separate, q_w, k_w, v_w):
    bq = bk = bv = None
    if b is not None:
        bq, bk, bv = b.chunk(3)
    if not separate:
        if w is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q_w, k_w, v_w = w.chunk(3)
    elif q_w is None or k_w is None or v_w is None:
        raise AssertionError("use_separate_proj_weight is True but q_proj_weight, k_proj_weight or v_proj_weight is "
                             "None")
    return nn_ops.linear(query, q_w, bq), nn_ops.linear(key, k_w, bk), nn_ops.linear(value, v_w, bv)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads, in_proj_weight, in_proj_bias,
                                 bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias,
                                 training=True, key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None, k_proj_weight=None,
                                 v_proj_weight=None, static_k=None, static_v=None, average_attn_weights=True,
                                 is_causal=False):
    """Returns ``(output (L, N, E), weights)``; weights are ``(N, L, S)`` averaged over heads, ``(N, H, L, S)``
    with ``average_attn_weights=False``, or ``None`` when ``need_weights=False``."""
    if static_k is not None or static_v is not None:
        raise NotImplementedError("multi_head_attention_forward: static_k/static_v are not supported by ember")
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = (shape.unsqueeze(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = shape.unsqueeze(key_padding_mask, 0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if key.shape[:2] != value.shape[:2]:
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    dtype = query.dtype
    q, k, v = _projections(query, key, value, in_proj_weight, in_proj_bias, use_separate_proj_weight,
                           q_proj_weight, k_proj_weight, v_proj_weight)
    attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
    src_len = key.shape[0]
    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = shape.unsqueeze(attn_mask, 0)
        elif tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
            raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                               f"{(bsz * num_heads, tgt_len, src_len)}.")
    if bias_k is not None and bias_v is not None:
        k = combine.cat([k, bias_k.repeat(1, bsz, 1)])
        v = combine.cat([v, bias_v.repeat(1, bsz, 1)])
        attn_mask = None if attn_mask is None else nn_ops.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else nn_ops.pad(key_padding_mask, (0, 1))
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k and bias_v must both be given or both be None")
    q = shape.transpose(q.reshape(tgt_len, bsz * num_heads, head_dim), 0, 1)
    k = shape.transpose(k.reshape(k.shape[0], bsz * num_heads, head_dim), 0, 1)
    v = shape.transpose(v.reshape(v.shape[0], bsz * num_heads, head_dim), 0, 1)
    if add_zero_attn:
        zeros = creation.zeros((bsz * num_heads, 1, head_dim), dtype=dtype, device=q.device)
        k = combine.cat([k, zeros], dim=1)
        v = combine.cat([v, zeros], dim=1)
        attn_mask = None if attn_mask is None else nn_ops.pad(attn_mask, (0, 1))
        key_padding_mask = None if key_padding_mask is None else nn_ops.pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    scores = bmm(q * math.sqrt(1.0 / head_dim), shape.transpose(k, -2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = nn_ops.softmax(scores, -1)
    if training and dropout_p > 0.0:
        weights = nn_ops.dropout(weights, dropout_p)
    out = shape.transpose(bmm(weights, v), 0, 1).reshape(tgt_len * bsz, embed_dim)
    out = nn_ops.linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if not batched:
        out = shape.squeeze(out, 1)
    if not need_weights:
        return out, None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(dim=1)
    return out, (shape.squeeze(weights, 0) if not batched else weights)
