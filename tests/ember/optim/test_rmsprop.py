"""RMSprop step by step against PyTorch, every option."""
import pytest
import torch

import ember
from tests.ember.optim.parity import compare_training

CASES = [dict(lr=0.01), dict(lr=0.01, alpha=0.9, eps=1e-6), dict(lr=0.01, momentum=0.9), dict(lr=0.01, centered=True),
         dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_rmsprop_matches_pytorch_for_ten_steps(kw, dtype):
    eo, to, _, _ = compare_training(ember.optim.RMSprop, torch.optim.RMSprop, kw, dtype)
    assert list(eo.state_dict()["state"][0]) == list(to.state_dict()["state"][0])
    assert sorted(eo.state_dict()["param_groups"][0]) == sorted(to.state_dict()["param_groups"][0])


def test_rmsprop_rejects_bad_alpha():
    with pytest.raises(ValueError, match="Invalid alpha value"):
        ember.optim.RMSprop([ember.nn.Parameter(ember.ones(1))], alpha=-0.5)
