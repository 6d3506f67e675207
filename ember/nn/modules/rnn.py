"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, with PyTorch's parameter layout
(``weight_ih_l{k}[_reverse]`` ...) and gate order (LSTM i, f, g, o; GRU r, z, n), built from differentiable ops
so autograd and the GPU come for free.

Per layer and direction the input projection of every timestep is one ``linear``; the Python loop over time
then does only the recurrent product and the gate arithmetic. Timesteps are taken with one ``unbind`` (its
backward writes every step's gradient into one array, not one zero-filled copy per step).

A ``PackedSequence`` input is run as its padded batch (in the packed, longest-first order): at steps past a
sequence's end its state is kept by selection (``where``), so each final state is the one at its own length and the
reverse direction starts each sequence from the initial state at its last step.
"""
import math
import numbers
import warnings

import numpy as np

from ... import creation
from ..._tensor import Tensor
from ...ops import combine
from ...ops.elementwise import where
from .. import functional as F, init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence, _lengths, _np, packed_from_padded, padded_from_packed
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor or PackedSequence input, got {type(input).__name__}")


def _select(mask, new, old):
    """The new state where the sequence still runs (``mask`` ``(N, 1)``), the old one past its end."""
    if mask is None:
        return new
    if isinstance(new, tuple):
        return tuple(where(mask, a, b) for a, b in zip(new, old))
    return where(mask, new, old)


# ---- one timestep: xi is the input projection (bias included) for this step -------------------------------

def _rnn_step(xi, h, w_hh, act):
    return act(xi + F.linear(h, w_hh))


def _lstm_step(xi, state, w_hh, w_hr):
    h, c = state
    i, f, g, o = (xi + F.linear(h, w_hh)).chunk(4, 1)
    c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
    h = F.sigmoid(o) * F.tanh(c)
    return (h if w_hr is None else F.linear(h, w_hr)), c


def _gru_step(xi, h, w_hh, b_hh):
    xr, xz, xn = xi.chunk(3, 1)
    hr, hz, hn = F.linear(h, w_hh, b_hh).chunk(3, 1)      # b_hn stays inside r * (W_hn h + b_hn)
    r = F.sigmoid(xr + hr)
    z = F.sigmoid(xz + hz)
    n = F.tanh(xn + r * hn)
    return n + z * (h - n)                                  # (1 - z) * n + z * h


def _input_projection(mode, x, w_ih, b_ih, b_hh):
    """``x @ w_ih.T + b`` for all timesteps; outside the GRU both biases fold in here (one add, not one a step)."""
    if b_ih is not None and mode != "GRU":
        b_ih = b_ih + b_hh
    return F.linear(x, w_ih, b_ih)


class RNNBase(Module):
    """The shared machinery of ``RNN``, ``LSTM`` and ``GRU`` (PyTorch's ``RNNBase``)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=3)
        for name, value, kind in (("bias", bias, bool), ("batch_first", batch_first, bool),
                                  ("input_size", input_size, int), ("hidden_size", hidden_size, int)):
            if not isinstance(value, kind):
                raise TypeError(f"{name} should be of type {kind.__name__}, got: {type(value).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size or hidden_size
        kw = dict(device=device, dtype=dtype)
        self._flat_weights_names, self._all_weights = [], []
        for layer in range(num_layers):
            for direction in range(self._directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                in_size = input_size if layer == 0 else real_hidden * self._directions
                shapes = [("weight_ih", (gate_size, in_size)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = [name + suffix for name, _ in shapes]
                for name, (_, shape) in zip(names, shapes):
                    setattr(self, name, Parameter(creation.empty(shape, **kw)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self):
        """A no-op: ember keeps no fused (cuDNN) weight buffer."""

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _weights(self, layer, direction):
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = self._parameters.get
        return (get("weight_ih" + suffix), get("weight_hh" + suffix), get("bias_ih" + suffix),
                get("bias_hh" + suffix), get("weight_hr" + suffix))

    def _check_input(self, input):
        w = self._flat_weights[0]
        if input.dtype != w.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({w.dtype}). Convert input: "
                             f"input.to({w.dtype}), or convert model: model.to({input.dtype})")
        if input.size(-1) != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.size(-1)}")

    def _check_hidden(self, hx, batch, size, msg="Expected hidden size {}, got {}"):
        expected = (self.num_layers * self._directions, batch, size)
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def _prepare(self, input, hx, name):
        """Returns ``(x (L, N, H_in), states, batched)``; ``states`` is a tuple of per-(layer, direction) lists
        (h, and c for the LSTM), or None for zeros. A ``PackedSequence`` comes back padded, in its sorted order."""
        if isinstance(input, PackedSequence):
            batch_sizes = _np(input.batch_sizes)
            x, batched = padded_from_packed(input.data, batch_sizes, batch_sizes.size), True
        else:
            _check_tensor(input, name)
            if input.dim() not in (2, 3):
                raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 + ("tensor instead" if name == "RNN" else "instead"))
            batched = input.dim() == 3
            x = input if not batched else (input.transpose(0, 1) if self.batch_first else input)
            if not batched:
                x = x.unsqueeze(1)
        self._check_input(x)
        if hx is None:
            return x, None, batched
        states = tuple(hx) if self.mode == "LSTM" else (hx,)
        if isinstance(input, PackedSequence) and input.sorted_indices is not None:
            states = tuple(s.index_select(1, input.sorted_indices) for s in states)   # PyTorch's permute_hidden
        want = 3 if batched else 2
        if any(s.dim() != want for s in states):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if self.mode == "LSTM":
                dims = ", ".join(f"{s.dim()}-D" for s in states)
                raise RuntimeError(f"For {kind} input, hx and cx should also be {want}-D but got ({dims}) tensors")
            raise RuntimeError(f"For {kind} input, hx should also be {want}-D but got {hx.dim()}-D tensor")
        if not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        batch = x.shape[1]
        if self.mode == "LSTM":
            self._check_hidden(states[0], batch, self.proj_size or self.hidden_size,
                               "Expected hidden[0] size {}, got {}")
            self._check_hidden(states[1], batch, self.hidden_size, "Expected hidden[1] size {}, got {}")
        else:
            self._check_hidden(states[0], batch, self.hidden_size)
        return x, tuple(s.unbind(0) for s in states), batched

    def _initial(self, x, states, k):
        if states is not None:
            return tuple(s[k] for s in states) if self.mode == "LSTM" else states[0][k]
        n = x.shape[1]
        h = creation.zeros((n, self.proj_size or self.hidden_size), dtype=x.dtype, device=x.device)
        if self.mode != "LSTM":
            return h
        return h, creation.zeros((n, self.hidden_size), dtype=x.dtype, device=x.device)

    def _direction(self, x, state, layer, direction, masks):
        """Run one layer in one direction over ``x (L, N, H_in)``: returns the outputs ``(L, N, H_out)`` and the
        final state. ``masks[t]`` (``(N, 1)``, True where a sequence still runs, or None for all) freezes the state
        of packed sequences past their ends."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, direction)
        steps = _input_projection(self.mode, x, w_ih, b_ih, b_hh).unbind(0)
        order = range(len(steps) - 1, -1, -1) if direction else range(len(steps))
        outs = [None] * len(steps)
        mode = self.mode
        if mode == "LSTM":
            for t in order:
                state = _select(masks[t], _lstm_step(steps[t], state, w_hh, w_hr), state)
                outs[t] = state[0]
        elif mode == "GRU":
            for t in order:
                state = outs[t] = _select(masks[t], _gru_step(steps[t], state, w_hh, b_hh), state)
        else:
            act = F.tanh if mode == "RNN_TANH" else F.relu
            for t in order:
                state = outs[t] = _select(masks[t], _rnn_step(steps[t], state, w_hh, act), state)
        return combine.stack(outs), state

    def _run(self, input, hx, name):
        x, states, batched = self._prepare(input, hx, name)
        if x.shape[0] == 0:
            raise RuntimeError(f"{name}: expected a sequence of at least one step, got length 0")
        packed = isinstance(input, PackedSequence)
        masks = [None] * x.shape[0]
        if packed:
            batch_sizes = _np(input.batch_sizes)
            lengths = _lengths(batch_sizes)
            # every step's mask in one host-to-device copy (not one copy per step); masks[t] are views
            running = creation.tensor((lengths[None, :] > np.arange(x.shape[0])[:, None])[:, :, None],
                                      device=x.device)
            for t in range(x.shape[0]):
                if batch_sizes[t] < x.shape[1]:
                    masks[t] = running[t]
        finals = []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self._directions):
                out, final = self._direction(x, self._initial(x, states, layer * self._directions + d), layer, d,
                                             masks)
                outs.append(out)
                finals.append(final)
            x = outs[0] if len(outs) == 1 else combine.cat(outs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        if self.mode == "LSTM":
            hidden = (combine.stack([f[0] for f in finals]), combine.stack([f[1] for f in finals]))
        else:
            hidden = (combine.stack(finals),)
        if packed:
            if input.unsorted_indices is not None:
                hidden = tuple(h.index_select(1, input.unsorted_indices) for h in hidden)
            x = PackedSequence(packed_from_padded(x, batch_sizes), input.batch_sizes, input.sorted_indices,
                               input.unsorted_indices)
        elif not batched:
            x = x.squeeze(1)
            hidden = tuple(h.squeeze(1) for h in hidden)
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, (hidden if self.mode == "LSTM" else hidden[0])

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, ``act`` tanh or relu.

    ``forward(input, hx=None)`` returns ``(output, h_n)``: input ``(L, N, H_in)`` (``(N, L, H_in)`` with
    ``batch_first``) or unbatched ``(L, H_in)``; ``hx``/``h_n`` are ``(num_layers * D, N, H)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._run(input, hx, "RNN")


class LSTM(RNNBase):
    """Long short-term memory, gates ``i, f, g, o`` stacked in that order in ``weight_ih``/``weight_hh``;
    ``proj_size > 0`` projects ``h`` with ``weight_hr``.

    ``forward(input, hx=None)`` with ``hx = (h_0, c_0)`` returns ``(output, (h_n, c_n))``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx, "LSTM")


class GRU(RNNBase):
    """Gated recurrent unit, gates ``r, z, n``; the reset gate scales ``W_hn h + b_hn``.

    ``forward(input, hx=None)`` returns ``(output, h_n)``.
    """

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._run(input, hx, "GRU")


# ---- cells ----------------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """The base class of ``RNNCell``, ``LSTMCell`` and ``GRUCell``: holds ``weight_ih``, ``weight_hh`` and the
    biases ``bias_ih``, ``bias_hh`` (``num_chunks * hidden_size`` rows each)."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(creation.empty((num_chunks * hidden_size, input_size), **kw))
        self.weight_hh = Parameter(creation.empty((num_chunks * hidden_size, hidden_size), **kw))
        for name in ("bias_ih", "bias_hh"):
            self.register_parameter(name, Parameter(creation.empty(num_chunks * hidden_size, **kw)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _batch(self, input, states, name, what):
        """Checks dims; returns ``(input (N, H_in), states as (N, H) or None, batched)``."""
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        for label, s in zip(what, states):
            if s is not None and s.dim() not in (1, 2):
                raise ValueError(f"{name}: Expected {label} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = tuple(None if s is None else s.unsqueeze(0) for s in states)
        zeros = None
        if any(s is None for s in states):
            zeros = creation.zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)
        return input, tuple(zeros if s is None else s for s in states), batched

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(RNNCellBase):
    """One Elman step: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        x, (h,), batched = self._batch(input, (hx,), "RNNCell", ("hidden",))
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        act = F.tanh if self.nonlinearity == "tanh" else F.relu
        out = act(F.linear(x, self.weight_ih, self.bias_ih) + F.linear(h, self.weight_hh, self.bias_hh))
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h, c), batched = self._batch(input, (None, None) if hx is None else tuple(hx), "LSTMCell",
                                         ("hx[0]", "hx[1]"))
        h, c = _lstm_step(_input_projection("LSTM", x, self.weight_ih, self.bias_ih, self.bias_hh), (h, c),
                          self.weight_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, h)`` returns ``h'``."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        x, (h,), batched = self._batch(input, (hx,), "GRUCell", ("hidden",))
        out = _gru_step(F.linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return out if batched else out.squeeze(0)
