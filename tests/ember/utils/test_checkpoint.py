"""``ember.utils.checkpoint`` gives the values and gradients of running the segment, as PyTorch's does."""
import warnings

import numpy as np
import pytest
import torch

import ember


@pytest.mark.parametrize("m", [ember, torch], ids=["ember", "torch"])
def test_checkpoint_values_and_gradients(m):
    from importlib import import_module
    cp = import_module(f"{m.__name__}.utils.checkpoint")
    x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = cp.checkpoint(lambda t, k=1.0: (t * k).relu().sum(), x, k=2.0, use_reentrant=False)
    y.backward()
    assert y.item() == 8.0 and x.grad.tolist() == [2.0, 0.0, 2.0]
    lin = m.nn.Linear(3, 2)
    seq = m.nn.Sequential(lin, m.nn.ReLU(), m.nn.Linear(2, 1))
    z = cp.checkpoint_sequential(seq, 2, m.ones(4, 3), use_reentrant=False)
    np.testing.assert_allclose(z.detach().numpy(), seq(m.ones(4, 3)).detach().numpy())
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        cp.checkpoint(lambda t: t * 2, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cp.checkpoint(lambda t: t * 2, x, use_reentrant=True)
