"""RNN, LSTM, GRU and their cells against PyTorch (same weights): outputs, final states, the gradients of inputs,
initial states and every parameter (also for PackedSequence input); layouts, reprs, init, errors, a training run and
the GPU."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.cuda.conftest import gpu, host  # noqa: F401  (gpu: the fake/real GPU fixture)
from ember.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence
from tests.ember.nn.parity import TOL, to_ember_state

RNG = np.random.default_rng(11)
L, N, H_IN, H = 5, 3, 4, 6
KINDS = {"rnn_tanh": ("RNN", {}), "rnn_relu": ("RNN", dict(nonlinearity="relu")), "lstm": ("LSTM", {}),
         "gru": ("GRU", {})}


def _pair(cls, dtype="float64", **kw):
    t = getattr(torch.nn, cls)(H_IN, H, **kw).to(getattr(torch, dtype))
    e = getattr(nn, cls)(H_IN, H, **kw).to(getattr(ember, dtype))
    assert e.load_state_dict(to_ember_state(t)).missing_keys == []
    return e, t


def _flat(out):
    """``(output, h)`` or ``(output, (h, c))`` as a flat list."""
    first, rest = out
    return [first, *(rest if isinstance(rest, tuple) else (rest,))]


def _compare(e, t, x, states=None, dtype="float64", train=False):
    """Run both on ``x`` (and the initial ``states`` list, or None), compare every output and gradient."""
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    e.train(train)
    t.train(train)
    arrays = [x] + (states or [])
    e_in = [ember.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]

    def call(mod, ins):
        if not states:
            return mod(ins[0])
        return mod(ins[0], tuple(ins[1:]) if len(ins) == 3 else ins[1])
    e_out, t_out = _flat(call(e, e_in)), _flat(call(t, t_in))
    assert len(e_out) == len(t_out)
    e_loss, t_loss = 0, 0
    for eo, to in zip(e_out, t_out):
        assert tuple(eo.shape) == tuple(to.shape)
        np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **tol)
        g = RNG.standard_normal(tuple(to.shape)).astype(dtype)
        e_loss = e_loss + (eo * ember.tensor(g)).sum()
        t_loss = t_loss + (to * torch.tensor(g)).sum()
    e_loss.backward()
    t_loss.backward()
    for a, b in zip(e_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    tp = dict(t.named_parameters())
    assert [n for n, _ in e.named_parameters()] == list(tp)
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), err_msg=name, **tol)


def _input(batch_first=False, unbatched=False, size=H_IN):
    if unbatched:
        return RNG.standard_normal((L, size))
    return RNG.standard_normal((N, L, size) if batch_first else (L, N, size))


def _states(cls, layers, bidir, unbatched, proj_size=0):
    lead = (layers * (2 if bidir else 1),) + (() if unbatched else (N,))
    h = RNG.standard_normal(lead + (proj_size or H,))
    return [h, RNG.standard_normal(lead + (H,))] if cls == "LSTM" else [h]


# (num_layers, bidirectional, batch_first, unbatched, h0 given, bias)
CONFIGS = [(1, False, False, False, False, True), (2, True, False, False, True, True),
           (2, False, True, False, True, True), (1, True, True, False, False, True),
           (2, True, False, True, True, True), (1, False, True, True, False, True), (2, True, True, False, True, False)]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layers,bidir,batch_first,unbatched,h0,bias", CONFIGS)
def test_recurrent_layers_match_pytorch(kind, layers, bidir, batch_first, unbatched, h0, bias):
    cls, kw = KINDS[kind]
    e, t = _pair(cls, num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias, **kw)
    _compare(e, t, _input(batch_first, unbatched), _states(cls, layers, bidir, unbatched) if h0 else None)


@pytest.mark.parametrize("kind", list(KINDS))
def test_float32_and_eval_dropout_match_pytorch(kind):
    cls, kw = KINDS[kind]
    e, t = _pair(cls, dtype="float32", num_layers=2, bidirectional=True, **kw)
    _compare(e, t, _input(), _states(cls, 2, True, False), dtype="float32")
    e, t = _pair(cls, num_layers=3, dropout=0.4, **kw)                  # dropout is off in eval mode
    _compare(e, t, _input())


@pytest.mark.parametrize("layers,bidir,batch_first,unbatched,h0", [(1, False, False, False, False),
                                                                   (2, True, True, False, True),
                                                                   (2, True, False, True, True)])
def test_lstm_projection_matches_pytorch(layers, bidir, batch_first, unbatched, h0):
    e, t = _pair("LSTM", num_layers=layers, bidirectional=bidir, batch_first=batch_first, proj_size=2)
    _compare(e, t, _input(batch_first, unbatched), _states("LSTM", layers, bidir, unbatched, 2) if h0 else None)
    assert tuple(e.weight_hr_l0.shape) == (2, H) and tuple(e.weight_hh_l0.shape) == (4 * H, 2)


def test_dropout_between_layers_in_training():
    ember.manual_seed(0)
    e = nn.LSTM(H_IN, H, num_layers=2, dropout=0.5)
    x = ember.tensor(_input().astype(np.float32))
    a, b = e(x)[0], e(x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())      # a fresh mask per call
    e.eval()
    np.testing.assert_array_equal(e(x)[0].detach().numpy(), e(x)[0].detach().numpy())
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(2, 3, dropout=0.2)


CELLS = {"rnn_tanh": ("RNNCell", {}), "rnn_relu": ("RNNCell", dict(nonlinearity="relu")), "lstm": ("LSTMCell", {}),
         "gru": ("GRUCell", {})}


class _Wrap(torch.nn.Module):
    """A cell's output in the ``(output, state)`` shape ``_compare`` expects."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x, hx=None):
        out = self.cell(x, hx)
        return (out[0], out[1]) if isinstance(out, tuple) else (out, out * 2)


class _EWrap(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.cell = cell

    def forward(self, x, hx=None):
        out = self.cell(x, hx)
        return (out[0], out[1]) if isinstance(out, tuple) else (out, out * 2)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("unbatched,hx,bias", [(False, False, True), (False, True, True), (True, True, False),
                                               (True, False, True)])
def test_cells_match_pytorch(kind, unbatched, hx, bias):
    cls, kw = CELLS[kind]
    t = getattr(torch.nn, cls)(H_IN, H, bias=bias, **kw).double()
    e = getattr(nn, cls)(H_IN, H, bias=bias, **kw).double()
    e.load_state_dict(to_ember_state(t))
    x = RNG.standard_normal((H_IN,) if unbatched else (N, H_IN))
    states = None
    if hx:
        shape = (H,) if unbatched else (N, H)
        states = [RNG.standard_normal(shape) for _ in range(2 if cls == "LSTMCell" else 1)]
    _compare(_EWrap(e), _Wrap(t), x, states)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("make", [
    lambda lib: lib.nn.RNN(3, 4, 2, "relu", False, True, 0.5, True),
    lambda lib: lib.nn.RNN(3, 4),
    lambda lib: lib.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2),
    lambda lib: lib.nn.GRU(3, 4, num_layers=3, batch_first=True, dropout=0.1),
    lambda lib: lib.nn.Sequential(lib.nn.LSTM(3, 4), lib.nn.GRUCell(3, 4, bias=False),
                                  lib.nn.RNNCell(3, 4, True, "relu")),
])
def test_repr_parameter_names_and_shapes_match_pytorch(make):
    e, t = make(ember), make(torch)
    assert repr(e) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    assert list(e.state_dict()) == list(t.state_dict())


def test_default_init_is_uniform_in_one_over_sqrt_hidden():
    ember.manual_seed(0)
    e = nn.LSTM(50, 100, num_layers=2, bidirectional=True)
    bound = 1 / math.sqrt(100)
    values = np.concatenate([p.detach().numpy().ravel() for p in e.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert len(e.all_weights) == 4 and len(e._flat_weights) == 16
    e.flatten_parameters()                                            # a no-op, as on PyTorch's CPU
    cell = nn.GRUCell(8, 400)
    w = cell.weight_hh.detach().numpy()
    assert np.abs(w).max() <= 1 / 20 and w.std() > 0.9 / 20 / math.sqrt(3)


def test_errors_match_pytorch():
    lstm, gru = nn.LSTM(H_IN, H), nn.GRU(H_IN, H)
    x = ember.randn(L, N, H_IN)
    with pytest.raises(TypeError, match="LSTM: expected a Tensor or PackedSequence input, got list"):
        lstm([x])
    packed = pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 6\), got \[1, 2, 6\]"):
        gru(packed, ember.zeros(1, 2, H))
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 4, got 3"):
        gru(pack_padded_sequence(ember.randn(L, N, 3), [5, 2, 1]))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D instead"):
        lstm(ember.randn(1, L, N, H_IN))
    with pytest.raises(RuntimeError, match=r"input.size\(-1\) must be equal to input_size. Expected 4, got 3"):
        gru(ember.randn(L, N, 3))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 3, 6\), got \[1, 2, 6\]"):
        gru(x, ember.zeros(1, 2, H))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(1, 3, 6\), got \[1, 3, 5\]"):
        lstm(x, (ember.zeros(1, N, H), ember.zeros(1, N, 5)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D but got 2-D tensor"):
        gru(x, ember.zeros(N, H))
    with pytest.raises(ValueError, match=r"RNN input dtype \(ember.float64\) does not match weight dtype"):
        gru(x.double())
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D instead"):
        nn.GRUCell(3, 4)(ember.randn(1, 2, 3))


def test_training_an_lstm_lowers_the_loss():
    """Regress the running mean of a random sequence from the last output: loss falls a lot in 60 Adam steps."""
    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 10, 1)).astype(np.float32)
    y = x.mean(axis=1)
    lstm, head = nn.LSTM(1, 16, batch_first=True), nn.Linear(16, 1)
    opt = ember.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.02)
    xt, yt = ember.tensor(x), ember.tensor(y)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        out, (h, c) = lstm(xt)
        loss = nn.functional.mse_loss(head(out[:, -1]), yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


def test_lstm_forward_and_backward_on_the_gpu_match_the_cpu(gpu):  # noqa: F811
    rng = np.random.default_rng(1)
    x, h0, c0 = (rng.standard_normal(s).astype(np.float32) for s in ((L, N, H_IN), (4, N, H), (4, N, H)))
    ember.manual_seed(0)
    cpu = nn.LSTM(H_IN, H, num_layers=2, bidirectional=True)
    dev = nn.LSTM(H_IN, H, num_layers=2, bidirectional=True)
    dev.load_state_dict(cpu.state_dict())
    dev.to("cuda")
    results = []
    for model, device in ((cpu, "cpu"), (dev, "cuda")):
        ins = [ember.tensor(a, device=device, requires_grad=True) for a in (x, h0, c0)]
        out, (h, c) = model(ins[0], (ins[1], ins[2]))
        assert out.device.type == device and h.device.type == device
        ((out * out).sum() + h.sum() + (c * c).sum()).backward()
        results.append([host(t) for t in (out, h, c)] + [host(t.grad) for t in ins]
                       + [host(p.grad) for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)


# (num_layers, bidirectional, h0 given, lengths, enforce_sorted, batch_first)
PACKED = [(1, False, False, [5, 3, 2], True, False), (2, True, True, [2, 5, 1], False, False),
          (3, True, False, [4, 1, 4], False, True), (2, False, True, [1, 3, 5], False, True),
          (1, True, True, [5, 5, 5], True, False)]


def _packed_compare(e, t, lengths, enforce_sorted, batch_first, states, dtype="float64"):
    """Pack the same padded input for both, run, compare the packed output (fields and padded values), the final
    states, and the gradients of the padded input, the initial states and every parameter."""
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=2e-4, atol=2e-5)
    x = _input(batch_first)
    arrays = [x] + (states or [])
    e_in = [ember.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    outs = []
    for lib, mod, ins, pack in ((ember, e, e_in, pack_padded_sequence),
                                (torch, t, t_in, torch.nn.utils.rnn.pack_padded_sequence)):
        packed = pack(ins[0], lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
        hx = None if not states else (tuple(ins[1:]) if len(ins) == 3 else ins[1])
        outs.append(mod(packed, hx))
    (eo, eh), (to, th) = outs
    assert isinstance(eo, PackedSequence) and eo.batch_sizes is not None
    np.testing.assert_array_equal(eo.batch_sizes.numpy(), to.batch_sizes.numpy())
    for a, b in ((eo.sorted_indices, to.sorted_indices), (eo.unsorted_indices, to.unsorted_indices)):
        assert (a is None) == (b is None) and (a is None or (a.numpy() == b.numpy()).all())
    np.testing.assert_allclose(eo.data.detach().numpy(), to.data.detach().numpy(), **tol)
    ep, _ = pad_packed_sequence(eo, batch_first=batch_first)
    tp, _ = torch.nn.utils.rnn.pad_packed_sequence(to, batch_first=batch_first)
    np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), **tol)
    e_out, t_out = [ep] + list(eh if isinstance(eh, tuple) else (eh,)), [tp] + list(th if isinstance(th, tuple)
                                                                                    else (th,))
    e_loss = t_loss = 0
    for a, b in zip(e_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        g = RNG.standard_normal(tuple(b.shape)).astype(dtype)
        e_loss = e_loss + (a * ember.tensor(g)).sum()
        t_loss = t_loss + (b * torch.tensor(g)).sum()
    e_loss.backward()
    t_loss.backward()
    for a, b in zip(e_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), **tol)
    tp_params = dict(t.named_parameters())
    for name, p in e.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp_params[name].grad.numpy(), err_msg=name, **tol)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("layers,bidir,h0,lengths,enforce_sorted,batch_first", PACKED)
def test_packed_input_matches_pytorch(kind, layers, bidir, h0, lengths, enforce_sorted, batch_first):
    cls, kw = KINDS[kind]
    e, t = _pair(cls, num_layers=layers, bidirectional=bidir, batch_first=batch_first, **kw)
    _packed_compare(e, t, lengths, enforce_sorted, batch_first, _states(cls, layers, bidir, False) if h0 else None)


def test_packed_lstm_projection_and_float32_match_pytorch():
    e, t = _pair("LSTM", num_layers=2, bidirectional=True, proj_size=2)
    _packed_compare(e, t, [3, 5, 2], False, False, _states("LSTM", 2, True, False, proj_size=2))
    e, t = _pair("GRU", dtype="float32", num_layers=2, bidirectional=True)
    _packed_compare(e, t, [2, 4, 5], False, False, _states("GRU", 2, True, False), dtype="float32")


def test_packed_final_state_is_each_sequence_run_alone():
    """h_n of a packed batch equals running each sequence by itself at its own length (forward and reverse)."""
    ember.manual_seed(0)
    gru = nn.GRU(H_IN, H, num_layers=2, bidirectional=True).double()
    x = ember.tensor(_input())
    lengths = [2, 5, 3]
    out, h = gru(pack_padded_sequence(x, lengths, enforce_sorted=False))
    padded, _ = pad_packed_sequence(out)
    for b, n in enumerate(lengths):
        alone_out, alone_h = gru(x[:n, b])
        np.testing.assert_allclose(h[:, b].detach().numpy(), alone_h.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(padded[:n, b].detach().numpy(), alone_out.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
        assert not padded[n:, b].detach().numpy().any()


def test_packed_lstm_on_the_gpu_matches_the_cpu(gpu):  # noqa: F811
    rng = np.random.default_rng(2)
    x = rng.standard_normal((L, N, H_IN)).astype(np.float32)
    ember.manual_seed(0)
    cpu = nn.LSTM(H_IN, H, num_layers=2, bidirectional=True)
    dev = nn.LSTM(H_IN, H, num_layers=2, bidirectional=True)
    dev.load_state_dict(cpu.state_dict())
    dev.to("cuda")
    results = []
    for model, device in ((cpu, "cpu"), (dev, "cuda")):
        xin = ember.tensor(x, device=device, requires_grad=True)
        packed = pack_padded_sequence(xin, [2, 5, 3], enforce_sorted=False)
        assert packed.sorted_indices.device.type == device and packed.batch_sizes.device.type == "cpu"
        out, (h, c) = model(packed)
        assert out.data.device.type == device
        ((out.data * out.data).sum() + h.sum() + (c * c).sum()).backward()
        results.append([host(t) for t in (out.data, h, c, xin.grad)] + [host(p.grad) for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
