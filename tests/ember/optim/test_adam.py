"""Adam and AdamW step by step against PyTorch, every option."""
import pytest
import torch

import ember
from tests.ember.optim.parity import compare_training

CASES = [dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6), dict(lr=0.01, weight_decay=0.1),
         dict(lr=0.01, amsgrad=True), dict(lr=0.01, maximize=True, weight_decay=0.05, amsgrad=True)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_adam_family_matches_pytorch_for_ten_steps(name, kw, dtype):
    eo, to, ep, tp = compare_training(getattr(ember.optim, name), getattr(torch.optim, name), kw, dtype)
    es, ts = eo.state_dict(), to.state_dict()
    assert sorted(es["param_groups"][0]) == sorted(ts["param_groups"][0])
    assert list(es["state"][0]) == list(ts["state"][0])                    # step, exp_avg, exp_avg_sq[, max_...]
    assert es["state"][0]["step"].dtype == ember.float32 and es["state"][0]["step"].item() == 10


def test_adam_groups_and_frozen_params():
    compare_training(ember.optim.Adam, torch.optim.Adam, dict(lr=0.01),
                     groups=[([0, 2], dict(lr=0.05, amsgrad=True)), ([1, 3], dict(weight_decay=0.1))], frozen=(3,))


def test_adamw_default_weight_decay_and_errors():
    p = ember.nn.Parameter(ember.ones(2))
    assert ember.optim.AdamW([p]).param_groups[0]["weight_decay"] == 0.01
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        ember.optim.Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value"):
        ember.optim.Adam([p], eps=-1)
    with pytest.raises(NotImplementedError, match="differentiable"):
        ember.optim.Adam([p], differentiable=True)
