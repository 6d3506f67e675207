"""Optimizer base: parameter groups, zero_grad, closures, state_dict layout and round trips (incl. PyTorch's)."""
import copy

import numpy as np
import pytest
import torch

import ember
from tests.ember.optim.parity import loss_fn, make_params


def _converted(torch_state):
    """A PyTorch optimizer state_dict with every tensor converted to ember through NumPy."""
    def conv(v):
        if isinstance(v, torch.Tensor):
            return ember.tensor(v.detach().numpy().copy())
        if isinstance(v, dict):
            return {k: conv(x) for k, x in v.items()}
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v
    return conv(torch_state)


def test_param_groups_defaults_and_add_param_group():
    ps = make_params(ember, "float32")
    opt = ember.optim.SGD([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    extra = ember.nn.Parameter(ember.ones(2))
    opt.add_param_group({"params": extra, "lr": 1.0})
    assert opt.param_groups[-1]["params"] == [extra] and opt.param_groups[-1]["momentum"] == 0.9
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [ps[0]]})
    assert "Parameter Group 1\n    dampening: 0\n" in repr(opt) and repr(opt).startswith("SGD (")


@pytest.mark.parametrize("params,err,msg", [
    (ember.ones(2, requires_grad=True), TypeError, "iterable of Tensors or dicts"),
    ([], ValueError, "empty parameter list"),
    ({ember.ones(2, requires_grad=True)}, TypeError, "ordered collections"),
    ([ember.ones(2, requires_grad=True) * 2], ValueError, "non-leaf"),
    ([np.ones(2)], TypeError, "can only optimize Tensors"),
])
def test_bad_params_are_refused(params, err, msg):
    with pytest.raises(err, match=msg):
        ember.optim.Adam(params if not isinstance(params, set) else [{"params": params}])


def test_zero_grad_and_closure():
    ps = make_params(ember, "float64")
    opt = ember.optim.SGD(ps, lr=0.1)
    x = ember.tensor(np.ones((2, 3)))

    def closure():
        opt.zero_grad()
        loss = loss_fn(ember, ps, x)
        loss.backward()
        return loss
    loss = opt.step(closure)
    assert isinstance(loss, ember.Tensor) and all(p.grad is not None for p in ps)
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in ps)
    opt.zero_grad()
    assert all(p.grad is None for p in ps)


def _train(opt, ps, steps, x):
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(ember if isinstance(ps[0], ember.Tensor) else torch, ps, x).backward()
        opt.step()


def test_state_dict_round_trip_resumes_identically():
    x = ember.tensor(np.random.default_rng(2).standard_normal((5, 3)))
    ps = make_params(ember, "float64")
    opt = ember.optim.Adam(ps, lr=0.01, amsgrad=True)
    _train(opt, ps, 3, x)
    saved_params = [p.detach().clone() for p in ps]
    saved = copy.deepcopy(opt.state_dict())
    _train(opt, ps, 4, x)
    ps2 = [ember.nn.Parameter(p) for p in saved_params]
    opt2 = ember.optim.Adam(ps2, lr=0.5)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["params"] == ps2
    _train(opt2, ps2, 4, x)
    for a, b in zip(ps, ps2):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01, amsgrad=True)),
                                     ("AdamW", dict(lr=0.01)), ("RMSprop", dict(lr=0.01, momentum=0.5,
                                                                                centered=True))])
def test_loads_a_pytorch_optimizer_state_dict_and_continues_identically(name, kw):
    x = np.random.default_rng(3).standard_normal((5, 3))
    tp = make_params(torch, "float64")
    to = getattr(torch.optim, name)(tp, **kw)
    _train(to, tp, 3, torch.tensor(x))
    ep = [ember.nn.Parameter(ember.tensor(p.detach().numpy().copy())) for p in tp]
    eo = getattr(ember.optim, name)(ep, **kw)
    eo.load_state_dict(_converted(to.state_dict()))
    _train(to, tp, 3, torch.tensor(x))
    _train(eo, ep, 3, ember.tensor(x))
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_ember_state_dict_has_pytorchs_layout():
    tp, ep = make_params(torch, "float64"), make_params(ember, "float64")
    to, eo = torch.optim.Adam(tp, lr=0.01), ember.optim.Adam(ep, lr=0.01)
    _train(to, tp, 1, torch.ones(2, 3, dtype=torch.float64))
    _train(eo, ep, 1, ember.ones(2, 3, dtype=ember.float64))
    ts, es = to.state_dict(), eo.state_dict()
    assert set(ts) == set(es) == {"state", "param_groups"}
    assert list(ts["state"]) == list(es["state"]) == [0, 1, 2, 3]
    assert ts["param_groups"][0]["params"] == es["param_groups"][0]["params"] == [0, 1, 2, 3]
    for k in ts["state"][0]:
        assert tuple(ts["state"][0][k].shape) == tuple(es["state"][0][k].shape)


def test_load_state_dict_validates():
    ps = make_params(ember, "float32")
    opt = ember.optim.Adam(ps)
    good = ember.optim.Adam(make_params(ember, "float32")).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict({"state": {}, "param_groups": [dict(good["param_groups"][0], params=[0, 1])]})
    bad = {"state": {0: {"step": ember.tensor(1.0), "exp_avg": ember.zeros(9), "exp_avg_sq": ember.zeros(4, 3)}},
           "param_groups": good["param_groups"]}
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \[9\] but the parameter has shape "
                                         r"\[4, 3\]"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="must be a dict with 'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_state_tensors_follow_the_parameter_dtype_on_load():
    ps = make_params(ember, "float32")
    opt = ember.optim.SGD(ps, lr=0.1, momentum=0.9)
    state = {"state": {0: {"momentum_buffer": ember.ones(4, 3, dtype=ember.float64)}},
             "param_groups": opt.state_dict()["param_groups"]}
    opt.load_state_dict(state)
    assert opt.state[ps[0]]["momentum_buffer"].dtype == ember.float32


def test_groups_saved_without_newer_options_get_the_defaults():
    ps = make_params(ember, "float32")
    opt = ember.optim.Adam(ps, lr=0.1)
    old = opt.state_dict()
    for key in ("decoupled_weight_decay", "maximize", "amsgrad"):
        del old["param_groups"][0][key]
    opt.load_state_dict(old)
    assert opt.param_groups[0]["decoupled_weight_decay"] is False and opt.param_groups[0]["lr"] == 0.1
    for p in ps:
        p.grad = ember.ones(p.shape)
    opt.step()


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)), ("AdamW", {}),
                                     ("RMSprop", dict(centered=True))])
def test_repr_matches_pytorch(name, kw):
    e = getattr(ember.optim, name)(make_params(ember, "float32"), **kw)
    t = getattr(torch.optim, name)(make_params(torch, "float32"), **kw)
    assert repr(e) == repr(t)
