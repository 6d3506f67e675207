"""Lazy layers against PyTorch's: reprs before and after the first call, the class they become, shapes,
initialisation bounds, buffers, and an optimiser made before the parameters exist."""
import math

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, on_device

LAYERS = ["LazyLinear(10)", "LazyLinear(4, bias=False)", "LazyConv1d(3, 2)", "LazyConv2d(8, 3, padding=1)",
          "LazyConv2d(4, 3, stride=2, groups=2)", "LazyConv3d(2, 1)", "LazyConvTranspose1d(3, 2, stride=2)",
          "LazyConvTranspose2d(4, 2, stride=2)", "LazyConvTranspose3d(2, 1)", "LazyBatchNorm1d()",
          "LazyBatchNorm2d(momentum=0.2)", "LazyBatchNorm3d(affine=False)"]
INPUTS = {"Linear": (2, 6), "Conv1d": (2, 4, 9), "Conv2d": (2, 4, 9, 9), "Conv3d": (2, 4, 5, 5, 5),
          "ConvTranspose1d": (2, 4, 9), "ConvTranspose2d": (2, 4, 9, 9), "ConvTranspose3d": (2, 4, 5, 5, 5),
          "BatchNorm1d": (3, 4), "BatchNorm2d": (3, 4, 5, 5), "BatchNorm3d": (3, 4, 2, 2, 2)}


def _build(m, expr):
    layer = eval("nn." + expr, {"nn": m.nn})
    before = repr(layer)
    x = m.ones(INPUTS[type(layer).__name__[4:]])
    y = layer(x)
    return layer, before, y


@pytest.mark.parametrize("expr", LAYERS)
def test_lazy_layers_become_their_plain_class(expr):
    e, e_before, ey = _build(ember, expr)
    t, t_before, ty = _build(torch, expr)
    assert e_before == t_before
    assert type(e).__name__ == type(t).__name__ and repr(e) == repr(t)
    assert tuple(ey.shape) == tuple(ty.shape)
    assert [(n, tuple(p.shape)) for n, p in e.named_parameters()] == [(n, tuple(p.shape)) for n, p in
                                                                       t.named_parameters()]
    assert [(n, tuple(b.shape)) for n, b in e.named_buffers()] == [(n, tuple(b.shape)) for n, b in t.named_buffers()]
    assert not e.__dict__.get("_forward_pre_hooks")
    if hasattr(e, "weight") and e.weight is not None and e.weight.dim() > 1:      # PyTorch's default bounds
        fan_in = e.weight[0].numel() if not type(e).__name__.startswith("ConvTranspose") else \
            e.weight.shape[1] * e.weight[0, 0].numel()
        assert e.weight.abs().max().item() <= 1 / math.sqrt(fan_in) + 1e-6 and e.weight.std().item() > 0
    if type(e).__name__.startswith("BatchNorm"):
        assert e.running_var.tolist() != [] and type(e.running_mean) is ember.Tensor


@pytest.mark.parametrize("device", DEVICES)
def test_optimizer_made_before_the_first_call_trains_the_parameters(device):
    with on_device(device):
        net = ember.nn.Sequential(ember.nn.LazyConv2d(3, 3, padding=1), ember.nn.LazyBatchNorm2d(), ember.nn.ReLU(),
                                  ember.nn.Flatten(), ember.nn.LazyLinear(2))
        params = list(net.parameters())
        assert all(type(p).__name__ == "UninitializedParameter" for p in params)
        opt = ember.optim.Adam(net.parameters(), lr=0.1)
        x = ember.randn(4, 2, 5, 5)
        loss = net(x).pow(2).mean()
        assert [type(p).__name__ for p in params] == ["Parameter"] * 6 and list(net.parameters())[0] is params[0]
        before = params[-2].detach().clone()
        loss.backward()
        opt.step()
        assert not np.allclose(params[-2].detach().cpu().numpy(), before.cpu().numpy())
        assert params[0].device == x.device and net[4].in_features == 75


def test_uninitialized_parameters_refuse_shape_questions():
    lazy = ember.nn.LazyLinear(3)
    assert repr(lazy.weight) == repr(torch.nn.LazyLinear(3).weight) == "<UninitializedParameter>"
    assert lazy.has_uninitialized_params()
    for get in (lambda w: w.shape, lambda w: w.size(), lambda w: w.numel()):
        with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter"):
            get(lazy.weight)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        ember.nn.LazyConv2d(4, 3, groups=2)(ember.ones(1, 3, 5, 5))
