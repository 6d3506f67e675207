"""Linear and Identity against PyTorch (same weights), default initialisation statistics."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,bias", [((5, 4), True), ((2, 3, 4), False), ((4,), True)])
def test_linear_matches_pytorch(dtype, shape, bias):
    run_both(nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias), [RNG.standard_normal(shape)], dtype)


def test_linear_default_init_matches_pytorch_bounds_and_spread():
    ember.manual_seed(0)
    e, t = nn.Linear(400, 300), torch.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)                   # kaiming_uniform_(a=sqrt(5)) and the bias rule both give this
    for name in ("weight", "bias"):
        ew, tw = getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy()
        assert np.abs(tw).max() <= bound and np.abs(ew).max() <= bound
        assert np.abs(ew).max() > 0.95 * bound
        assert abs(ew.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)
        assert abs(ew.mean()) < 4 * ew.std() / math.sqrt(ew.size)


def test_linear_repr_dtype_and_errors():
    assert repr(nn.Linear(784, 256)) == repr(torch.nn.Linear(784, 256))
    assert repr(nn.Linear(2, 3, bias=False)) == "Linear(in_features=2, out_features=3, bias=False)"
    assert nn.Linear(2, 3, dtype=ember.float64).weight.dtype == ember.float64
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(5x3 and 4x2\)"):
        nn.Linear(4, 2)(ember.ones(5, 3))


def test_identity_ignores_arguments_and_returns_input():
    x = ember.ones(2)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"
