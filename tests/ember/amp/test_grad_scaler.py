"""``GradScaler`` against PyTorch's (CPU): the same scales, skipped steps and weights, step by step."""
import numpy as np
import pytest
import torch

import ember

W = np.array([[0.5, -0.25, 0.125], [0.75, 0.5, -0.5]], np.float32)


def _run(m):
    model = m.nn.Linear(3, 2, bias=False)
    with m.no_grad():
        model.weight.copy_(m.tensor(W))
    opt = m.optim.SGD(model.parameters(), lr=0.1)
    scaler = m.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
    trace = []
    for step in range(6):
        x = m.full((4, 3), float(step + 1))
        loss = model(x).pow(2).mean()
        if step == 2:
            loss = loss * float("inf")          # an overflow: this step is skipped and the scale backs off
        scaler.scale(loss).backward()
        if step == 4:
            scaler.unscale_(opt)                # clip between unscale_ and step, as the recipe does
            m.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        trace.append((scaler.get_scale(), model.weight.detach().numpy().copy()))
    return trace, scaler.state_dict()


def test_scaler_matches_torch():
    (got, got_state), (want, want_state) = _run(ember), _run(torch)
    assert got_state == want_state
    for (gs, gw), (ws, ww) in zip(got, want):
        assert gs == ws
        np.testing.assert_allclose(gw, ww, rtol=1e-5, atol=1e-6, equal_nan=True)   # float32, PyTorch threads


def test_scaler_errors_and_state_round_trip():
    model = ember.nn.Linear(2, 1)
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cpu")
    with pytest.raises(AssertionError, match="No inf checks were recorded prior to update."):
        scaler.update()
    scaler.scale(model(ember.ones(1, 2)).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called on this optimizer"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last update\\(\\)."):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step\\(\\)."):
        scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(opt, closure=lambda: 0)
    scaler.update()
    other = ember.amp.GradScaler("cpu", init_scale=1.0)
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict() and other.get_scale() == 2.0 ** 16
    off = ember.amp.GradScaler("cpu", enabled=False)
    loss = model(ember.ones(1, 2)).sum()
    assert off.scale(loss) is loss and off.state_dict() == {} and off.get_scale() == 1.0
    assert [t.shape for t in scaler.scale([loss, loss])] == [(), ()]
