"""Flatten and Unflatten."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both


def test_flatten_and_unflatten_match_pytorch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    run_both(nn.Flatten(), torch.nn.Flatten(), [x])
    run_both(nn.Flatten(0, 2), torch.nn.Flatten(0, 2), [x])
    run_both(nn.Unflatten(1, (3, 1)), torch.nn.Unflatten(1, (3, 1)), [x])
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())
    assert repr(nn.Unflatten(1, (2, 5))) == repr(torch.nn.Unflatten(1, (2, 5)))


def test_unflatten_rejects_bad_sizes():
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 5)
    with pytest.raises(RuntimeError):
        nn.Unflatten(1, (2, 2))(ember.ones(2, 5))
