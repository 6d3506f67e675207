"""Activation modules against PyTorch (values, gradients, in-place variants, reprs)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

X = np.random.default_rng(4).standard_normal((3, 5)) * 3

PAIRS = [("ReLU", {}), ("ReLU", {"inplace": True}), ("ReLU6", {}), ("LeakyReLU", {"negative_slope": 0.2}),
         ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Mish", {}), ("ELU", {"alpha": 0.5}),
         ("SELU", {}), ("Hardtanh", {"min_val": -2.0, "max_val": 1.5}), ("Hardsigmoid", {}), ("Hardswish", {}),
         ("Sigmoid", {}), ("Tanh", {}), ("LogSigmoid", {}), ("Softsign", {}), ("Tanhshrink", {}),
         ("Softplus", {"beta": 2.0, "threshold": 5.0}), ("Softmax", {"dim": 1}), ("Softmin", {"dim": 0}),
         ("LogSoftmax", {"dim": -1})]


@pytest.mark.parametrize("name,kw", PAIRS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_activation_modules_match_pytorch(name, kw):
    e, t = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    if kw.get("inplace"):
        return                                 # in-place on a leaf is an error in both; checked below
    # PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32 (a C++ float literal)
    run_both(e, t, [X], tol=dict(rtol=1e-7, atol=1e-12) if name == "Hardsigmoid" else None)


@pytest.mark.parametrize("name,kw", [("ReLU", {}), ("LeakyReLU", {}), ("SiLU", {}), ("ELU", {}), ("Hardtanh", {}),
                                     ("Hardswish", {}), ("ReLU6", {}), ("Mish", {})])
def test_inplace_activations_write_into_their_input(name, kw):
    x = ember.tensor(X.astype(np.float32), requires_grad=True)
    h = x * 1
    out = getattr(nn, name)(inplace=True, **kw)(h)
    assert out is h
    tx = torch.tensor(X.astype(np.float32), requires_grad=True)
    th = getattr(torch.nn, name)(inplace=True, **kw)(tx * 1)
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), rtol=1e-5, atol=1e-6)
    out.sum().backward()
    th.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(ember.tensor(X))
    np.testing.assert_allclose(out.numpy(), torch.softmax(torch.tensor(X), 1).numpy(), rtol=1e-12)


def test_bad_options_raise():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        nn.GELU("fast")(ember.ones(2))
    with pytest.raises(ValueError, match="greater than min_val"):
        nn.Hardtanh(1.0, -1.0)
