"""SGD step by step against PyTorch, every option."""
import pytest
import torch

import ember
from tests.ember.optim.parity import compare_training

CASES = [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.5),
         dict(lr=0.05, momentum=0.8, nesterov=True), dict(lr=0.1, weight_decay=0.01),
         dict(lr=0.02, momentum=0.9, weight_decay=0.1, nesterov=True, maximize=True), dict(lr=0.1, maximize=True)]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_sgd_matches_pytorch_for_ten_steps(kw, dtype):
    eo, to, _, _ = compare_training(ember.optim.SGD, torch.optim.SGD, kw, dtype)
    assert sorted(eo.state_dict()["param_groups"][0]) == sorted(to.state_dict()["param_groups"][0])


def test_sgd_groups_and_params_without_grad():
    compare_training(ember.optim.SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9),
                     groups=[([0, 1], dict(lr=0.01)), ([2, 3], dict(momentum=0.5))], frozen=(1,))


def test_sgd_momentum_state_layout():
    p = ember.nn.Parameter(ember.ones(3))
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ember.ones(3)
    opt.step()
    assert list(opt.state[p]) == ["momentum_buffer"] and opt.state[p]["momentum_buffer"].tolist() == [1.0] * 3
    assert p.tolist() == pytest.approx([0.9] * 3)
    assert ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], lr=0.1).state_dict()["state"] == {}


@pytest.mark.parametrize("kw,msg", [(dict(lr=-1), "Invalid learning rate"), (dict(momentum=-0.1), "Invalid momentum"),
                                    (dict(weight_decay=-1), "Invalid weight_decay"),
                                    (dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening")])
def test_sgd_rejects_bad_options(kw, msg):
    with pytest.raises(ValueError, match=msg):
        ember.optim.SGD([ember.nn.Parameter(ember.ones(1))], **kw)
