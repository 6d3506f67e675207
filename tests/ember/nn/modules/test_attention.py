"""MultiheadAttention against PyTorch: layouts, masks, weights averaging, kdim/vdim, bias_kv, zero_attn."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import to_ember_state

RNG = np.random.default_rng(6)
E, H, L, S, N = 8, 2, 4, 5, 3


def _pair(**kw):
    t = torch.nn.MultiheadAttention(E, H, **kw).double()
    e = nn.MultiheadAttention(E, H, **kw).double()
    e.load_state_dict(to_ember_state(t))
    return e, t


def _compare(e, t, q, k, v, **call):
    eq, ek, ev = (ember.tensor(a, requires_grad=True) for a in (q, k, v))
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    emask = {n: ember.tensor(m) for n, m in call.items() if isinstance(m, np.ndarray)}
    tmask = {n: torch.tensor(m) for n, m in call.items() if isinstance(m, np.ndarray)}
    flags = {n: f for n, f in call.items() if not isinstance(f, np.ndarray)}
    eo, ew = e(eq, ek, ev, **emask, **flags)
    to, tw = t(tq, tk, tv, **tmask, **flags)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-11)
    if tw is None:
        assert ew is None
    else:
        np.testing.assert_allclose(ew.detach().numpy(), tw.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = RNG.standard_normal(tuple(to.shape))
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    for a, b in ((eq, tq), (ek, tk), (ev, tv)):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-10)
    tp = dict(t.named_parameters())
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)


def _qkv(batch_first=False, kdim=E, vdim=E, unbatched=False):
    def shape(n, d):
        if unbatched:
            return (n, d)
        return (N, n, d) if batch_first else (n, N, d)
    return RNG.standard_normal(shape(L, E)), RNG.standard_normal(shape(S, kdim)), RNG.standard_normal(shape(S, vdim))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_self_and_cross_attention_match_pytorch(batch_first, average):
    e, t = _pair(batch_first=batch_first)
    q, k, v = _qkv(batch_first)
    _compare(e, t, q, k, v, average_attn_weights=average)
    _compare(e, t, q, q, q, need_weights=False)


def test_masks_match_pytorch():
    e, t = _pair()
    q, k, v = _qkv()
    bool_mask = RNG.random((L, S)) < 0.3
    bool_mask[:, 0] = False                                  # keep one key per query (all-masked rows are NaN)
    _compare(e, t, q, k, v, attn_mask=bool_mask)
    _compare(e, t, q, k, v, attn_mask=RNG.standard_normal((L, S)))
    _compare(e, t, q, k, v, attn_mask=RNG.standard_normal((N * H, L, S)))
    kpm = np.zeros((N, S), bool)
    kpm[:, -2:] = True
    _compare(e, t, q, k, v, key_padding_mask=kpm)
    _compare(e, t, q, k, v, key_padding_mask=kpm, attn_mask=bool_mask)


def test_kdim_vdim_bias_kv_zero_attn_and_unbatched():
    e, t = _pair(kdim=3, vdim=6)
    _compare(e, t, *_qkv(kdim=3, vdim=6))
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    e, t = _pair(add_bias_kv=True, add_zero_attn=True)
    q, k, v = _qkv()
    kpm = np.zeros((N, S), bool)
    kpm[0, -1] = True
    _compare(e, t, q, k, v, key_padding_mask=kpm)
    e, t = _pair(bias=False)
    _compare(e, t, *_qkv(unbatched=True))


def test_parameter_layout_repr_and_init_match_pytorch():
    e, t = nn.MultiheadAttention(16, 4), torch.nn.MultiheadAttention(16, 4)
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e) == repr(t)
    bound = np.sqrt(6 / (16 + 48))                           # xavier_uniform_ on (3E, E)
    w = e.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and not e.in_proj_bias.detach().numpy().any()
    assert not e.out_proj.bias.detach().numpy().any()


def test_attention_errors():
    with pytest.raises(AssertionError, match="divisible by num_heads"):
        nn.MultiheadAttention(10, 3)
    e = nn.MultiheadAttention(E, H)
    q = ember.randn(L, N, E)
    with pytest.raises(RuntimeError, match="The shape of the 2D attn_mask is"):
        e(q, q, q, attn_mask=ember.zeros(2, 2))
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8"):
        e(ember.randn(L, N, 4), q, q)
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        e(q, q, q, is_causal=True)
