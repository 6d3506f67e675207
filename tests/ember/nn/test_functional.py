"""ember.nn.functional: every name exists in torch.nn.functional; the PyTorch-signature activations."""
import inspect

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as F


def test_every_public_name_is_a_torch_functional_name():
    assert len(F.__all__) >= 45
    for name in F.__all__:
        assert callable(getattr(F, name)), name
        assert hasattr(torch.nn.functional, name), name


def _torch_params(name):
    try:
        params = list(inspect.signature(getattr(torch.nn.functional, name)).parameters)
    except ValueError:                     # a C builtin without a signature
        return None
    return None if params == ["args", "kwargs"] else params


# trailing PyTorch 2.13 options ember does not offer (documented in docs/EMBER.md)
MISSING = {"normalize": ["out"], "mse_loss": ["weight"], "l1_loss": ["weight"], "huber_loss": ["weight"]}


@pytest.mark.parametrize("name", F.__all__)
def test_parameters_follow_pytorchs_order(name):
    theirs = _torch_params(name)
    if theirs is None:
        pytest.skip(f"torch.nn.functional.{name} has no introspectable signature")
    theirs = [p for p in theirs if p not in MISSING.get(name, ())]
    ours = list(inspect.signature(getattr(F, name)).parameters)
    assert ours[:len(theirs)] == theirs, (ours, theirs)


X = np.random.default_rng(0).standard_normal((3, 4))


@pytest.mark.parametrize("call", [
    lambda F, x: F.leaky_relu(x, negative_slope=0.3), lambda F, x: F.gelu(x, approximate="tanh"),
    lambda F, x: F.elu(x, alpha=0.7), lambda F, x: F.hardtanh(x, min_val=-0.5, max_val=0.5),
    lambda F, x: F.softmax(x, dim=0), lambda F, x: F.log_softmax(x, dim=1), lambda F, x: F.softmin(x, dim=1),
    lambda F, x: F.relu(x * 1, inplace=True), lambda F, x: F.silu(x * 1, inplace=True),
    lambda F, x: F.softplus(x, beta=2, threshold=1)])
def test_keyword_calls_match_pytorch(call):
    ex, tx = ember.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    eo, to = call(F, ex), call(torch.nn.functional, tx)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-10, atol=1e-12)
    eo.sum().backward()
    to.sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_inplace_activation_on_leaf_requiring_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(ember.ones(2, requires_grad=True), inplace=True)


def test_linear_names_a_non_tensor_argument():
    with pytest.raises(TypeError, match=r"argument 'input' \(position 1\) must be Tensor, not NoneType"):
        ember.nn.Linear(2, 2)(None)
    with pytest.raises(TypeError, match=r"argument 'weight' \(position 2\) must be Tensor, not list"):
        F.linear(ember.ones(2), [[1.0, 2.0]])
