"""OneCycleLR, CyclicLR and CosineAnnealingWarmRestarts against PyTorch, step by step, momentum included."""
import warnings

import pytest
import torch

import ember
from ember.optim import lr_scheduler as S
from tests.ember.optim.schedules import optimizers, run_side_by_side

ONE_CYCLE = [dict(max_lr=1.0, total_steps=30), dict(max_lr=[1.0, 2.0], total_steps=30, anneal_strategy="linear"),
             dict(max_lr=0.5, epochs=3, steps_per_epoch=10, three_phase=True, pct_start=0.25),
             dict(max_lr=0.5, total_steps=20, three_phase=True, anneal_strategy="linear", div_factor=10.0,
                  final_div_factor=100.0, base_momentum=0.7, max_momentum=[0.9, 0.99]),
             dict(max_lr=0.5, total_steps=20, cycle_momentum=False)]


def _ids(cases):
    return [",".join(f"{k}={v}" for k, v in kw.items()) for kw in cases]


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
@pytest.mark.parametrize("kw", ONE_CYCLE, ids=_ids(ONE_CYCLE))
def test_one_cycle_matches_pytorch_over_every_step(kw, opt):
    eo, to = optimizers(opt, momentum=0.9) if opt == "SGD" else optimizers(opt)
    es, ts = S.OneCycleLR(eo, **kw), torch.optim.lr_scheduler.OneCycleLR(to, **kw)
    total = kw.get("total_steps") or kw["epochs"] * kw["steps_per_epoch"]
    lrs = run_side_by_side(eo, to, es, ts, total - 1)
    peak = kw["max_lr"][0] if isinstance(kw["max_lr"], list) else kw["max_lr"]
    assert max(lrs) == pytest.approx(peak, rel=0.05)
    assert lrs[-1] < lrs[0] < peak                                  # ends below where it started
    es.step()                                                       # step number total_steps is the last allowed
    with pytest.raises(ValueError, match="Tried to step"):
        es.step()
    if kw.get("cycle_momentum", True):
        key = "momentum" if opt == "SGD" else "betas"
        assert {"max_momentum", "base_momentum"} <= set(eo.param_groups[0]) and key in eo.param_groups[0]


CYCLIC = [dict(base_lr=0.01, max_lr=0.1, step_size_up=4),
          dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=5, mode="triangular2"),
          dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.97, base_momentum=0.7),
          dict(base_lr=0.01, max_lr=0.1, step_size_up=2, cycle_momentum=False),
          dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 0.9 ** x, scale_mode="iterations")]


@pytest.mark.parametrize("opt", ["SGD", "Adam"])
@pytest.mark.parametrize("kw", CYCLIC, ids=_ids(CYCLIC))
def test_cyclic_matches_pytorch_over_several_cycles(kw, opt):
    eo, to = optimizers(opt, momentum=0.9) if opt == "SGD" else optimizers(opt)
    es, ts = S.CyclicLR(eo, **kw), torch.optim.lr_scheduler.CyclicLR(to, **kw)
    lrs = run_side_by_side(eo, to, es, ts, 30)
    assert min(lrs) == pytest.approx(0.01) and max(lrs) > 0.05


def test_cyclic_needs_momentum_and_saves_callable_scale_fns():
    p = ember.nn.Parameter(ember.ones(1))
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(ember.optim.Adagrad([p]), 0.01, 0.1)
    with pytest.raises(ValueError, match="mode is invalid"):
        S.CyclicLR(ember.optim.SGD([p], momentum=0.9), 0.01, 0.1, mode="sawtooth")

    class Decay:
        def __init__(self):
            self.rate = 0.5

        def __call__(self, x):
            return self.rate ** x
    fn = Decay()
    s = S.CyclicLR(ember.optim.SGD([p], momentum=0.9), 0.01, 0.1, scale_fn=fn)
    state = s.state_dict()
    assert state["_scale_fn_custom"] == {"rate": 0.5}
    fn.rate = 0.1
    s.load_state_dict(state)
    assert fn.rate == 0.5 and s.scale_fn(1) == 0.5


WARM = [dict(T_0=5), dict(T_0=3, T_mult=2, eta_min=0.001), dict(T_0=4, T_mult=3)]


@pytest.mark.parametrize("kw", WARM, ids=_ids(WARM))
def test_warm_restarts_match_pytorch(kw):
    eo, to = optimizers()
    es = S.CosineAnnealingWarmRestarts(eo, **kw)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(to, **kw)
    lrs = run_side_by_side(eo, to, es, ts, 40)
    assert lrs[kw["T_0"]] == pytest.approx(0.1)                      # the first restart
    with warnings.catch_warnings():
        warnings.simplefilter("error")                               # PyTorch allows step(epoch) here
        for epoch in (2, 7.5, 0, 15, 30.25, 3):
            es.step(epoch)
            ts.step(epoch)
            assert es.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), epoch
            assert (es.T_cur, es.T_i, es.last_epoch) == pytest.approx((ts.T_cur, ts.T_i, ts.last_epoch))
    with pytest.raises(ValueError, match="Expected non-negative epoch"):
        es.step(-1)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1"):
        S.CosineAnnealingWarmRestarts(eo, T_0=2, T_mult=0)


@pytest.mark.parametrize("name,kw", [("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
                                     ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
                                     ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2))])
def test_state_dict_round_trip_resumes_like_pytorch(name, kw):
    eo, to = optimizers(momentum=0.9)
    es, ts = getattr(S, name)(eo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    run_side_by_side(eo, to, es, ts, 7)
    state = es.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 7
    assert set(state) == set(ts.state_dict()) - {"_get_lr_called_within_step"}     # PyTorch's keys
    eo2, _ = optimizers(momentum=0.9)
    eo2.load_state_dict(eo.state_dict())
    es2 = getattr(S, name)(eo2, **kw)
    es2.load_state_dict(state)
    for _ in range(5):
        for o, s in ((eo, es), (eo2, es2), (to, ts)):
            o.step()
            s.step()
        assert es2.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)
        assert es.get_last_lr() == es2.get_last_lr()
