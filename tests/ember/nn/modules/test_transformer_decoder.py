"""TransformerDecoderLayer, TransformerDecoder and the full Transformer against PyTorch (same weights): outputs and
the gradients of tgt, memory (or src) and every parameter over norm_first, activations, masks, batch_first, bias and
unbatched input; layouts, reprs, xavier init, custom stacks, causal detection and errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.modules.test_transformer import E, FF, HEADS, N, RNG, S, _compare

T = 4                                                   # target length (S is the source/memory length)


def _dec_layer(lib, **kw):
    kw.setdefault("dropout", 0.0)
    return lib.nn.TransformerDecoderLayer(E, HEADS, FF, **kw)


def _seq(length, batch_first=False, unbatched=False):
    if unbatched:
        return RNG.standard_normal((length, E))
    return RNG.standard_normal((N, length, E) if batch_first else (length, N, E))


def _dec_masks():
    """A boolean tgt mask, a float memory mask and key-padding masks (every query keeps a key)."""
    tgt_mask = RNG.random((T, T)) < 0.3
    tgt_mask[:, 0] = False
    memory_mask = RNG.standard_normal((T, S))
    tgt_kpm = np.zeros((N, T), bool)
    tgt_kpm[1, -1] = True
    mem_kpm = np.zeros((N, S), bool)
    mem_kpm[0, -2:] = True
    mem_kpm[2, -1] = True
    return dict(tgt_mask=tgt_mask, memory_mask=memory_mask, tgt_key_padding_mask=tgt_kpm,
                memory_key_padding_mask=mem_kpm)


def _causal(size):
    return torch.nn.Transformer.generate_square_subsequent_mask(size).numpy()


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "module"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_matches_pytorch(norm_first, activation, batch_first):
    acts = {"module": (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh"))}
    ea, ta = acts.get(activation, (activation, activation))
    make = dict(norm_first=norm_first, batch_first=batch_first)
    e, t = _dec_layer(ember, activation=ea, **make), _dec_layer(torch, activation=ta, **make)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    x = (_seq(T, batch_first), _seq(S, batch_first))
    _compare(e, t, x)
    _compare(_dec_layer(ember, **make), _dec_layer(torch, **make), x, **_dec_masks())


@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_each_mask_matches_pytorch(batch_first):
    make = dict(batch_first=batch_first)
    x = (_seq(T, batch_first), _seq(S, batch_first))
    for name, mask in _dec_masks().items():
        _compare(_dec_layer(ember, **make), _dec_layer(torch, **make), x, **{name: mask})
    _compare(_dec_layer(ember, **make), _dec_layer(torch, **make), x, tgt_mask=_causal(T), tgt_is_causal=True)
    _compare(_dec_layer(ember, **make), _dec_layer(torch, **make), x, tgt_mask=_causal(T).astype(bool) | False)


def test_decoder_layer_unbatched_no_bias_eps_and_float32():
    kw = dict(bias=False, layer_norm_eps=1e-3, norm_first=True)
    _compare(_dec_layer(ember, **kw), _dec_layer(torch, **kw), (_seq(T, unbatched=True), _seq(S, unbatched=True)))
    masks = _dec_masks()
    _compare(_dec_layer(ember), _dec_layer(torch), (_seq(T, unbatched=True), _seq(S, unbatched=True)),
             tgt_mask=masks["tgt_mask"], memory_mask=masks["memory_mask"])
    _compare(_dec_layer(ember, activation="gelu"), _dec_layer(torch, activation="gelu"), (_seq(T), _seq(S)),
             dtype="float32", memory_key_padding_mask=masks["memory_key_padding_mask"])


@pytest.mark.parametrize("norm_first,batch_first,final_norm", [(False, False, True), (True, True, False),
                                                               (False, True, False), (True, False, True)])
def test_decoder_matches_pytorch(norm_first, batch_first, final_norm):
    def make(lib):
        layer = _dec_layer(lib, norm_first=norm_first, batch_first=batch_first, activation="gelu")
        return lib.nn.TransformerDecoder(layer, 3, norm=lib.nn.LayerNorm(E) if final_norm else None)
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    x = (_seq(T, batch_first), _seq(S, batch_first))
    _compare(e, t, x)
    _compare(make(ember), make(torch), x, **_dec_masks())
    _compare(make(ember), make(torch), x, tgt_mask=_causal(T))                        # tgt_is_causal detected
    _compare(make(ember), make(torch), x, tgt_mask=_causal(T), tgt_is_causal=True,
             memory_key_padding_mask=_dec_masks()["memory_key_padding_mask"])


def test_decoder_detects_causal_masks_and_copies_layers():
    dec = nn.TransformerDecoder(nn.TransformerDecoderLayer(E, HEADS, FF, dropout=0.0), 2)
    seen = []
    for layer in dec.layers:
        inner = layer.forward
        layer.forward = lambda *a, _f=inner, **k: (seen.append(k["tgt_is_causal"]), _f(*a, **k))[1]
    tgt, mem = ember.randn(T, N, E), ember.randn(S, N, E)
    causal = nn.Transformer.generate_square_subsequent_mask(T)
    dec(tgt, mem, tgt_mask=causal)
    dec(tgt, mem, tgt_mask=causal == float("-inf"))       # a boolean causal mask is detected too, as in PyTorch
    dec(tgt, mem, tgt_mask=ember.zeros(T, T))
    dec(tgt, mem)
    dec(tgt, mem, tgt_mask=ember.zeros(T, T), tgt_is_causal=True)
    assert seen == [True] * 4 + [False] * 4 + [True] * 2
    assert dec.layers[0] is not dec.layers[1] and dec.layers[0].multihead_attn is not dec.layers[1].multihead_attn
    assert dec.num_layers == 2 and dec.norm is None


def _transformer(lib, **kw):
    kw.setdefault("dropout", 0.0)
    return lib.nn.Transformer(E, HEADS, 2, 2, FF, **kw)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_matches_pytorch(norm_first, activation, batch_first):
    make = dict(norm_first=norm_first, activation=activation, batch_first=batch_first)
    e, t = _transformer(ember, **make), _transformer(torch, **make)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    x = (_seq(S, batch_first), _seq(T, batch_first))                                 # (src, tgt)
    _compare(e, t, x)
    masks = _dec_masks()
    src_mask = RNG.random((S, S)) < 0.3
    src_mask[:, 0] = False
    _compare(_transformer(ember, **make), _transformer(torch, **make), x, src_mask=src_mask,
             src_key_padding_mask=masks["memory_key_padding_mask"], **masks)
    _compare(_transformer(ember, **make), _transformer(torch, **make), x, tgt_mask=_causal(T),
             src_mask=_causal(S), src_is_causal=True, memory_mask=masks["memory_mask"])


def test_transformer_unbatched_no_bias_and_float32():
    kw = dict(bias=False, layer_norm_eps=1e-4)
    _compare(_transformer(ember, **kw), _transformer(torch, **kw), (_seq(S, unbatched=True), _seq(T, unbatched=True)),
             tgt_mask=_causal(T))
    _compare(_transformer(ember), _transformer(torch), (_seq(S), _seq(T)), dtype="float32", tgt_mask=_causal(T))


def test_transformer_custom_encoder_and_decoder():
    def make(lib):
        enc = lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(E, HEADS, FF, dropout=0.0), 1,
                                        enable_nested_tensor=False)
        dec = lib.nn.TransformerDecoder(_dec_layer(lib, norm_first=True), 3, lib.nn.LayerNorm(E))
        return lib.nn.Transformer(E, HEADS, dropout=0.0, custom_encoder=enc, custom_decoder=dec)
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t) and len(e.decoder.layers) == 3 and e.encoder.norm is None
    _compare(e, t, (_seq(S), _seq(T)), tgt_mask=_causal(T))


def test_transformer_default_layout_xavier_init_and_errors():
    ember.manual_seed(0)
    e, t = nn.Transformer(16, 4, 1, 1, 32), torch.nn.Transformer(16, 4, 1, 1, 32)
    assert repr(e) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert (e.d_model, e.nhead, e.batch_first) == (16, 4, False)
    w = e.decoder.layers[0].linear1.weight.detach().numpy()                         # (32, 16): xavier bound
    bound = np.sqrt(6 / (16 + 32))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound            # Linear's default is 1/4
    in_proj = e.encoder.layers[0].self_attn.in_proj_weight.detach().numpy()         # (48, 16)
    assert np.abs(in_proj).max() <= np.sqrt(6 / 64)
    assert not e.decoder.layers[0].multihead_attn.in_proj_bias.detach().numpy().any()
    np.testing.assert_array_equal(e.decoder.norm.weight.detach().numpy(), np.ones(16))    # 1-D: left alone
    big = nn.Transformer()
    assert len(big.encoder.layers) == 6 and len(big.decoder.layers) == 6
    assert tuple(big.encoder.layers[0].linear1.weight.shape) == (2048, 512) and big.nhead == 8
    src, tgt = ember.randn(S, N, 16), ember.randn(T, N, 16)
    e.train()
    a, b = e(src, tgt), e(src, tgt)                                 # dropout 0.1 while training
    assert tuple(a.shape) == (T, N, 16) and not np.allclose(a.detach().numpy(), b.detach().numpy())
    e.eval()
    np.testing.assert_array_equal(e(src, tgt).detach().numpy(), e(src, tgt).detach().numpy())
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        e(src, ember.randn(T, N + 1, 16))
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal to d_model"):
        e(ember.randn(S, N, 8), ember.randn(T, N, 8))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerDecoderLayer(16, 4, activation="tanh")
