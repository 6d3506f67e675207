"""Dropout: zeroes with probability p and rescales in training, identity in eval."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn


def test_dropout_statistics_and_gradient_in_training():
    ember.manual_seed(0)
    drop = nn.Dropout(0.3)
    x = ember.ones(200, 500, requires_grad=True)
    y = drop(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy() != 0, kept)        # gradient flows exactly where kept


def test_dropout_is_identity_in_eval_and_p_zero():
    x = ember.randn(4, 4)
    assert nn.Dropout(0.5).eval()(x) is x
    assert nn.Dropout(0.0)(x) is x
    assert nn.Dropout(1.0)(x).abs().sum().item() == 0


def test_dropout_inplace_repr_and_bad_p():
    x = ember.ones(10)
    out = nn.Dropout(0.5, inplace=True)(x)
    assert out is x
    assert repr(nn.Dropout(0.2, inplace=True)) == repr(torch.nn.Dropout(0.2, inplace=True))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
