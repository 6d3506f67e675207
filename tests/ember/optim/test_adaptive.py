"""Adagrad, Adamax, NAdam and RAdam step by step against PyTorch, every option, plus state dicts."""
import copy

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, on_device
from tests.ember.optim.parity import TOL, compare_training, make_params

CASES = {
    "Adagrad": [dict(lr=0.1), dict(lr=0.1, lr_decay=0.05), dict(lr=0.1, weight_decay=0.1),
                dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6), dict(lr=0.1, maximize=True, weight_decay=0.05)],
    "Adamax": [dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6), dict(lr=0.01, weight_decay=0.1),
               dict(lr=0.01, maximize=True, weight_decay=0.05)],
    "NAdam": [dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6), dict(lr=0.01, momentum_decay=0.1),
              dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.01, maximize=True, weight_decay=0.05, momentum_decay=0.01)],
    # betas=(0.8, 0.9) and the defaults both pass rho_t = 5 within ten steps: both branches of the update run
    "RAdam": [dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6), dict(lr=0.01, weight_decay=0.1),
              dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
              dict(lr=0.01, maximize=True, weight_decay=0.05)],
    "Adadelta": [dict(), dict(lr=0.5, rho=0.8, eps=1e-4), dict(lr=1.0, weight_decay=0.1),
                 dict(lr=1.0, maximize=True, weight_decay=0.05)],
}
PARAMS = [(name, kw) for name, cases in CASES.items() for kw in cases]
STATE_KEYS = {"Adagrad": ["step", "sum"], "Adamax": ["step", "exp_avg", "exp_inf"],
              "NAdam": ["step", "mu_product", "exp_avg", "exp_avg_sq"], "RAdam": ["step", "exp_avg", "exp_avg_sq"],
              "Adadelta": ["step", "square_avg", "acc_delta"]}


def _id(case):
    name, kw = case
    return name + ":" + ",".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,kw", PARAMS, ids=[_id(c) for c in PARAMS])
def test_matches_pytorch_for_ten_steps(name, kw, dtype):
    eo, to, _, _ = compare_training(getattr(ember.optim, name), getattr(torch.optim, name), kw, dtype)
    es, ts = eo.state_dict(), to.state_dict()
    assert sorted(es["param_groups"][0]) == sorted(ts["param_groups"][0])
    assert list(es["state"][0]) == list(ts["state"][0]) == STATE_KEYS[name]
    assert es["state"][0]["step"].dtype == ember.float32 and es["state"][0]["step"].item() == 10
    for key in STATE_KEYS[name][1:]:
        np.testing.assert_allclose(es["state"][3][key].numpy(), ts["state"][3][key].numpy(), **TOL[dtype])


@pytest.mark.parametrize("name", list(CASES))
def test_defaults_match_pytorch(name):
    e = getattr(ember.optim, name)(make_params(ember, "float64"))
    t = getattr(torch.optim, name)(make_params(torch, "float64"))
    eg, tg = e.param_groups[0], t.param_groups[0]
    assert {k: v for k, v in eg.items() if k != "params"} == \
        {k: tuple(v) if k == "betas" else v for k, v in tg.items() if k != "params"}


@pytest.mark.parametrize("name", list(CASES))
def test_groups_and_frozen_params(name):
    lr = 0.1 if name == "Adagrad" else 0.01
    compare_training(getattr(ember.optim, name), getattr(torch.optim, name), dict(lr=lr, maximize=True),
                     groups=[([0, 2], dict(lr=lr * 3)), ([1, 3], dict(weight_decay=0.1))], frozen=(3,))


def _torch_state(state_dict):
    """An ember optimiser state dict with PyTorch tensors (as loading a converted checkpoint would)."""
    out = copy.deepcopy(state_dict)
    out["state"] = {i: {k: torch.tensor(v.numpy()) for k, v in s.items()} for i, s in state_dict["state"].items()}
    return out


@pytest.mark.parametrize("name,kw", [("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.2)),
                                     ("Adamax", dict(lr=0.01)), ("NAdam", dict(lr=0.01, weight_decay=0.1)),
                                     ("RAdam", dict(lr=0.01, decoupled_weight_decay=True, weight_decay=0.1)),
                                     ("Adadelta", dict(rho=0.8, weight_decay=0.1))])
def test_state_dict_round_trip_resumes_like_pytorch(name, kw):
    """Five steps, save, load into fresh optimisers on both sides, five more steps: still equal."""
    eo, to, _, _ = compare_training(getattr(ember.optim, name), getattr(torch.optim, name), kw, steps=5)
    es = eo.state_dict()
    ep, tp = make_params(ember, "float64", seed=3), make_params(torch, "float64", seed=3)
    e2, t2 = getattr(ember.optim, name)(ep, **kw), getattr(torch.optim, name)(tp, **kw)
    e2.load_state_dict(es)
    t2.load_state_dict(_torch_state(es))                    # ember's state dict is PyTorch's layout
    assert list(e2.state[ep[0]]) == STATE_KEYS[name]
    assert e2.state[ep[0]]["step"].dtype == ember.float32
    x = np.random.default_rng(2).standard_normal((5, 3))
    for step in range(5):
        for o, ps, lib in ((e2, ep, ember), (t2, tp, torch)):
            o.zero_grad()
            h = lib.tanh(lib.tensor(x) @ ps[0].T + ps[1])
            ((h @ ps[2].T + ps[3]) ** 2).mean().backward()
            o.step()
        for e, t in zip(ep, tp):
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), err_msg=f"step {step}", **TOL["float64"])
    if name == "NAdam":                    # PyTorch casts the loaded mu_product to the parameter's dtype
        assert e2.state[ep[0]]["mu_product"].dtype == ember.float64
        assert t2.state[tp[0]]["mu_product"].dtype == torch.float64


def test_adagrad_state_exists_before_the_first_step():
    ps = make_params(ember, "float32")
    opt = ember.optim.Adagrad(ps, initial_accumulator_value=0.25)
    opt.add_param_group({"params": [ember.nn.Parameter(ember.ones(2))], "initial_accumulator_value": 9.0})
    state = opt.state_dict()["state"]
    assert sorted(state) == [0, 1, 2, 3]                   # the added group's state appears on its first step
    assert state[1]["sum"].tolist() == [0.25] * 4 and state[1]["step"].item() == 0
    added = opt.param_groups[1]["params"][0]
    added.grad = ember.ones(2)
    opt.step()
    assert opt.state[added]["sum"].tolist() == [1.25, 1.25]    # filled from the defaults, as PyTorch does


@pytest.mark.parametrize("name,kw,match", [
    ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value"),
    ("Adagrad", dict(initial_accumulator_value=-1), "Invalid initial_accumulator_value value"),
    ("Adagrad", dict(eps=-1), "Invalid epsilon value"),
    ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value"),
    ("RAdam", dict(weight_decay=-1), "Invalid weight_decay value"),
    ("RAdam", dict(lr=-1), "Invalid learning rate")])
def test_invalid_arguments(name, kw, match):
    for lib in (ember, torch):                            # the same error as PyTorch's
        with pytest.raises(ValueError, match=match):
            getattr(lib.optim, name)(make_params(lib, "float32"), **kw)


def test_unsupported_options():
    ps = make_params(ember, "float32")
    with pytest.raises(RuntimeError, match="cannot be `True` together"):
        ember.optim.Adagrad(ps, foreach=True, fused=True)
    for name in CASES:
        with pytest.raises(NotImplementedError, match="differentiable"):
            getattr(ember.optim, name)(ps, differentiable=True)


@pytest.mark.parametrize("name", list(CASES))
def test_steps_on_the_fake_gpu_match_the_cpu(name):
    """The fake CUDA backend enforces CuPy's rules: the update math must use the parameter's array module."""
    from tests.ember.fake_cuda import installed
    kw = CASES[name][-1]
    x = np.random.default_rng(1).standard_normal((5, 3)).astype("float32")
    cpu = make_params(ember, "float32")
    with installed():
        gpu = [ember.nn.Parameter(p.detach().to("cuda")) for p in cpu]
        for ps, dev in ((cpu, "cpu"), (gpu, "cuda")):
            opt = getattr(ember.optim, name)(ps, **kw)
            for _ in range(3):
                opt.zero_grad()
                h = ember.tanh(ember.tensor(x, device=dev) @ ps[0].T + ps[1])
                ((h @ ps[2].T + ps[3]) ** 2).mean().backward()
                opt.step()
        state = opt.state[gpu[0]]
        assert all(v.device.type == ("cpu" if k in ("step", "mu_product") else "cuda") for k, v in state.items())
        for c, g in zip(cpu, gpu):
            np.testing.assert_allclose(g.detach().cpu().numpy(), c.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("device", DEVICES)
def test_adadelta_on_every_device_matches_the_cpu(device):
    """The MNIST example's optimiser, on the GPU (or the fake GPU backend) as on the CPU."""
    def run(dev):
        p = ember.nn.Parameter(ember.tensor([[1.0, -2.0], [0.5, 3.0]], device=dev))
        opt = ember.optim.Adadelta([p], lr=1.0, weight_decay=0.01)
        for _ in range(5):
            opt.zero_grad()
            (p ** 3).sum().backward()
            opt.step()
        return p.detach().cpu().numpy()
    with on_device(device) as dev:
        got = run(dev)
    np.testing.assert_allclose(got, run("cpu"), rtol=1e-6)
