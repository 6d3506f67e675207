"""Pooling modules against PyTorch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(2)
X = RNG.standard_normal((2, 3, 9, 8))


@pytest.mark.parametrize("e,t", [
    (nn.MaxPool2d(2), torch.nn.MaxPool2d(2)),
    (nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), torch.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)),
    (nn.MaxPool2d((2, 3), dilation=2), torch.nn.MaxPool2d((2, 3), dilation=2)),
    (nn.AvgPool2d(2), torch.nn.AvgPool2d(2)),
    (nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
     torch.nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)),
    (nn.AvgPool2d(2, divisor_override=3), torch.nn.AvgPool2d(2, divisor_override=3)),
    (nn.AdaptiveAvgPool2d((1, 1)), torch.nn.AdaptiveAvgPool2d((1, 1))),
    (nn.AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3))),
], ids=repr)
def test_pool2d_matches_pytorch(e, t):
    run_both(e, t, [X])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("e,t", [(nn.MaxPool1d(3, 2), torch.nn.MaxPool1d(3, 2)),
                                 (nn.AvgPool1d(2, padding=1), torch.nn.AvgPool1d(2, padding=1)),
                                 (nn.AdaptiveAvgPool1d(4), torch.nn.AdaptiveAvgPool1d(4))], ids=repr)
def test_pool1d_matches_pytorch(e, t):
    run_both(e, t, [RNG.standard_normal((2, 3, 11))])
    assert repr(e) == repr(t)


def test_max_pool_return_indices():
    out, idx = nn.MaxPool2d(2, return_indices=True)(ember.tensor(X))
    tout, tidx = torch.nn.MaxPool2d(2, return_indices=True)(torch.tensor(X))
    np.testing.assert_array_equal(idx.numpy(), tidx.numpy())
