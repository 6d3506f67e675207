"""Fold and Unfold against PyTorch (outputs, gradients, repr) and fold(unfold(x)) counting block overlaps."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(5)
GEOMETRY = [dict(kernel_size=2), dict(kernel_size=(3, 2), dilation=(2, 1), padding=1, stride=(1, 2))]


@pytest.mark.parametrize("kw", GEOMETRY, ids=["plain", "all"])
def test_unfold_and_fold_match_pytorch(kw):
    x = RNG.standard_normal((2, 3, 7, 6))
    e, t = nn.Unfold(**kw), torch.nn.Unfold(**kw)
    cols, _ = run_both(e, t, [x])
    assert repr(e) == repr(t)
    ef, tf = nn.Fold((7, 6), **kw), torch.nn.Fold((7, 6), **kw)
    run_both(ef, tf, [RNG.standard_normal(tuple(cols.shape))])
    assert repr(ef) == repr(tf)


def test_fold_of_unfold_counts_overlaps():
    x = ember.ones(1, 1, 4, 4)
    y = nn.Fold(4, 3, padding=1)(nn.Unfold(3, padding=1)(x))
    want = np.array([4, 6, 6, 4])                    # rows/cols covered by 2, 3, 3, 2 windows
    np.testing.assert_array_equal(y.numpy()[0, 0], np.outer(want, want) / 4)
