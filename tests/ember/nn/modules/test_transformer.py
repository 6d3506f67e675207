"""TransformerEncoderLayer and TransformerEncoder against PyTorch (same weights): outputs and the gradients of the
input and every parameter for norm_first, activations, masks, batch_first, bias and unbatched input; layouts, reprs
and the causal-mask helper. The decoder and the full Transformer are in test_transformer_decoder.py."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import TOL, to_ember_state

RNG = np.random.default_rng(12)
E, HEADS, FF, S, N = 8, 2, 16, 5, 3


def _load(e, t, dtype="float64"):
    """Random (not default-initialised) weights in ``t``, so stacked copies differ and LayerNorms matter."""
    torch.manual_seed(0)
    t.to(getattr(torch, dtype))
    with torch.no_grad():
        for p in t.parameters():
            p.copy_(torch.randn_like(p) * 0.4)
    e.to(getattr(ember, dtype))
    result = e.load_state_dict(to_ember_state(t))
    assert result.missing_keys == [] and result.unexpected_keys == []


def _compare(e, t, x, dtype="float64", **call):
    """Compare ``e(x, **call)`` with ``t(x, **call)`` (mask arrays converted per library) and all gradients;
    ``x`` may be a tuple of inputs (``tgt, memory``), each checked for its gradient."""
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    _load(e, t, dtype)
    e.train()                                      # dropout is 0; training mode keeps PyTorch off its fused path
    t.train()
    xs = x if isinstance(x, tuple) else (x,)
    exs = [ember.tensor(a.astype(dtype), requires_grad=True) for a in xs]
    txs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in xs]
    conv = {n: (v.astype(dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v) for n, v in call.items()}
    eo = e(*exs, **{n: ember.tensor(v) if isinstance(v, np.ndarray) else v for n, v in conv.items()})
    to = t(*txs, **{n: torch.tensor(v) if isinstance(v, np.ndarray) else v for n, v in conv.items()})
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **tol)
    g = RNG.standard_normal(tuple(to.shape)).astype(dtype)
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    for ex, tx in zip(exs, txs):
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), **tol)
    tp = dict(t.named_parameters())
    assert [n for n, _ in e.named_parameters()] == list(tp)
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **tol)


def _layers(lib, **kw):
    kw.setdefault("dropout", 0.0)
    return lib.nn.TransformerEncoderLayer(E, HEADS, FF, **kw)


def _x(batch_first=False, unbatched=False):
    if unbatched:
        return RNG.standard_normal((S, E))
    return RNG.standard_normal((N, S, E) if batch_first else (S, N, E))


def _masks():
    bool_mask = RNG.random((S, S)) < 0.3
    bool_mask[:, 0] = False                        # every query keeps a key (all-masked rows are NaN)
    kpm = np.zeros((N, S), bool)
    kpm[0, -2:] = True
    kpm[2, -1] = True
    return bool_mask, kpm


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu", "module"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_matches_pytorch(norm_first, activation, batch_first):
    acts = {"module": (nn.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh"))}
    ea, ta = acts.get(activation, (activation, activation))
    e = _layers(ember, norm_first=norm_first, activation=ea, batch_first=batch_first)
    t = _layers(torch, norm_first=norm_first, activation=ta, batch_first=batch_first)
    assert repr(e) == repr(t)
    _compare(e, t, _x(batch_first))


@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_masks_match_pytorch(batch_first):
    bool_mask, kpm = _masks()
    causal = torch.nn.Transformer.generate_square_subsequent_mask(S).numpy()
    make = dict(batch_first=batch_first)
    x = _x(batch_first)
    _compare(_layers(ember, **make), _layers(torch, **make), x, src_mask=bool_mask)
    _compare(_layers(ember, **make), _layers(torch, **make), x, src_key_padding_mask=kpm)
    _compare(_layers(ember, **make), _layers(torch, **make), x, src_mask=bool_mask, src_key_padding_mask=kpm)
    _compare(_layers(ember, **make), _layers(torch, **make), x, src_mask=causal, is_causal=True)
    _compare(_layers(ember, **make), _layers(torch, **make), x, src_mask=RNG.standard_normal((S, S)))


def test_encoder_layer_unbatched_no_bias_eps_and_float32():
    kw = dict(bias=False, layer_norm_eps=1e-3, norm_first=True)
    _compare(_layers(ember, **kw), _layers(torch, **kw), _x(unbatched=True))
    _compare(_layers(ember), _layers(torch), _x(unbatched=True), src_mask=_masks()[0])
    _compare(_layers(ember, activation="gelu"), _layers(torch, activation="gelu"), _x(), dtype="float32",
             src_key_padding_mask=_masks()[1])


@pytest.mark.parametrize("norm_first,batch_first,final_norm", [(False, False, True), (True, True, False),
                                                               (False, True, False)])
def test_encoder_matches_pytorch(norm_first, batch_first, final_norm):
    def make(lib):
        layer = _layers(lib, norm_first=norm_first, batch_first=batch_first, activation="gelu")
        return lib.nn.TransformerEncoder(layer, 3, norm=lib.nn.LayerNorm(E) if final_norm else None,
                                         enable_nested_tensor=False)
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert list(e.state_dict()) == list(t.state_dict())
    bool_mask, kpm = _masks()
    causal = torch.nn.Transformer.generate_square_subsequent_mask(S).numpy()
    x = _x(batch_first)
    _compare(e, t, x)
    _compare(make(ember), make(torch), x, mask=bool_mask, src_key_padding_mask=kpm)
    _compare(make(ember), make(torch), x, mask=causal)                       # is_causal detected
    _compare(make(ember), make(torch), x, mask=causal, is_causal=True)


def test_encoder_layers_are_independent_copies():
    layer = nn.TransformerEncoderLayer(E, HEADS, FF)
    enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    assert enc.layers[0] is not layer and enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    np.testing.assert_array_equal(enc.layers[0].linear1.weight.detach().numpy(),
                                  enc.layers[1].linear1.weight.detach().numpy())
    assert enc.enable_nested_tensor is False and enc.num_layers == 2 and enc.norm is None


def test_square_subsequent_mask_matches_pytorch():
    for size in (1, 4):
        np.testing.assert_array_equal(nn.Transformer.generate_square_subsequent_mask(size).numpy(),
                                      torch.nn.Transformer.generate_square_subsequent_mask(size).numpy())
    m = nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert m.dtype == ember.float64


def test_default_layout_init_training_dropout_and_errors():
    e, t = nn.TransformerEncoderLayer(16, 4), torch.nn.TransformerEncoderLayer(16, 4)
    assert repr(e) == repr(t) and e.activation_relu_or_gelu == t.activation_relu_or_gelu == 1
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert not e.self_attn.in_proj_bias.detach().numpy().any()
    assert np.abs(e.linear1.weight.detach().numpy()).max() <= 1 / 4
    ember.manual_seed(0)
    x = ember.randn(S, N, 16, requires_grad=True)
    e.train()
    a, b = e(x), e(x)                                  # dropout 0.1 while training: two different draws
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    assert x.grad is not None
    e.eval()
    np.testing.assert_array_equal(e(x).detach().numpy(), e(x).detach().numpy())
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(16, 4, activation="tanh")
    with pytest.raises(RuntimeError, match="Need attn_mask"):
        e(x, is_causal=True)
