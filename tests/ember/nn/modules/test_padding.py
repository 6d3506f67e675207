"""Zero/Constant/Reflection/Replication/CircularPad{1,2,3}d against PyTorch (values, gradients, reprs)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(9)
PADS = {1: [2, (1, 3)], 2: [1, (1, 2, 0, 3)], 3: [1, (2, 0, 1, 1, 0, 2)]}
KINDS = ["Zero", "Constant", "Reflection", "Replication", "Circular"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("batched", [True, False])
def test_padding_layers_match_pytorch(kind, k, batched):
    shape = (2, 3) + (4,) * k if batched else (3,) + (4,) * k
    for pad in PADS[k]:
        args = (pad, 1.5) if kind == "Constant" else (pad,)
        e, t = getattr(nn, f"{kind}Pad{k}d")(*args), getattr(torch.nn, f"{kind}Pad{k}d")(*args)
        assert repr(e) == repr(t)
        run_both(e, t, [RNG.standard_normal(shape)])   # gradients accumulate where edges are repeated


def test_constant_padding_may_crop_and_take_a_short_tuple():
    run_both(nn.ConstantPad2d((-1, 2, 0, -2), 3.0), torch.nn.ConstantPad2d((-1, 2, 0, -2), 3.0),
             [RNG.standard_normal((2, 3, 4, 5))])
    run_both(nn.ZeroPad1d((-1, 1)), torch.nn.ZeroPad1d((-1, 1)), [RNG.standard_normal((2, 3))])
    run_both(nn.ZeroPad2d((1, 2)), torch.nn.ZeroPad2d((1, 2)), [RNG.standard_normal((2, 3, 4))])  # last dim only


def test_non_constant_padding_refusals():
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        nn.ReflectionPad1d(3)(ember.ones(1, 2, 3))
    with pytest.raises(RuntimeError, match="wrapping around more than once"):
        nn.CircularPad2d(4)(ember.ones(1, 2, 3, 3))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.ReplicationPad2d(1)(ember.ones(3, 3))
    with pytest.raises(ValueError, match="negative padding"):
        nn.ReflectionPad1d((-1, 1))(ember.ones(1, 2, 5))
