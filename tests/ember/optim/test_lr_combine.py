"""SequentialLR, ChainedScheduler and ReduceLROnPlateau against PyTorch, step by step, plus state dicts."""
import pytest
import torch

import ember
from ember.optim import lr_scheduler as S
from tests.ember.optim.schedules import optimizers, run_side_by_side


def _pair(lib, opt, kind):
    """A composite scheduler of ``kind`` over ``opt``, built the same way in ember and PyTorch."""
    L = S if lib is ember else torch.optim.lr_scheduler
    if kind == "warmup-cosine":
        return L.SequentialLR(opt, [L.LinearLR(opt, start_factor=0.1, total_iters=4),
                                    L.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)], milestones=[5])
    if kind == "three-stages":
        return L.SequentialLR(opt, [L.ConstantLR(opt, factor=0.5, total_iters=3), L.ExponentialLR(opt, gamma=0.9),
                                    L.StepLR(opt, step_size=2, gamma=0.5)], milestones=[4, 9])
    if kind == "chained":
        return L.ChainedScheduler([L.LinearLR(opt, start_factor=0.2, total_iters=5),
                                   L.ExponentialLR(opt, gamma=0.9), L.MultiStepLR(opt, milestones=[6, 12])])
    return L.ChainedScheduler([L.SequentialLR(opt, [L.LinearLR(opt, start_factor=0.5, total_iters=2),
                                                    L.PolynomialLR(opt, total_iters=8, power=2.0)], milestones=[3]),
                               L.ExponentialLR(opt, gamma=0.95)], optimizer=opt)


KINDS = ["warmup-cosine", "three-stages", "chained", "chained-sequential"]


@pytest.mark.parametrize("kind", KINDS)
def test_composites_match_pytorch(kind):
    eo, to = optimizers()
    es, ts = _pair(ember, eo, kind), _pair(torch, to, kind)
    lrs = run_side_by_side(eo, to, es, ts, 20)
    assert len(set(lrs)) > 5                             # the schedule moves


@pytest.mark.parametrize("kind", KINDS)
def test_composite_state_dict_round_trip(kind):
    eo, to = optimizers()
    es, ts = _pair(ember, eo, kind), _pair(torch, to, kind)
    run_side_by_side(eo, to, es, ts, 6)
    state = es.state_dict()
    assert "optimizer" not in state and len(state["_schedulers"]) == len(ts.state_dict()["_schedulers"])
    eo2, _ = optimizers()
    es2 = _pair(ember, eo2, kind)
    eo2.load_state_dict(eo.state_dict())
    es2.load_state_dict(state)
    for _ in range(8):
        for o, s in ((eo, es), (eo2, es2), (to, ts)):
            o.step()
            s.step()
        assert es2.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12)


def test_composite_errors():
    eo, _ = optimizers()
    other, _ = optimizers()
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.SequentialLR(eo, [], milestones=[])
    with pytest.raises(ValueError, match="number of milestones to be equal to 2"):
        S.SequentialLR(eo, [S.ExponentialLR(eo, 0.9)], milestones=[1, 2])
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        S.ChainedScheduler([S.ExponentialLR(eo, 0.9), S.ExponentialLR(other, 0.9)])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.ChainedScheduler([S.ReduceLROnPlateau(eo)])


METRICS = [1.0, 0.9, 0.95, 0.95, 0.96, 0.9, 0.97, 0.98, 0.99, 0.8, 0.8, 0.80001, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9,
           0.5, 0.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
PLATEAU = [dict(patience=2), dict(patience=1, factor=0.5, cooldown=2), dict(mode="max", patience=1, factor=0.3),
           dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=[0.02, 0.05]),
           dict(mode="max", patience=2, threshold=0.01, threshold_mode="abs", cooldown=1, min_lr=0.01),
           dict(patience=0, factor=0.5, min_lr=0.0999, eps=1e-3)]


@pytest.mark.parametrize("kw", PLATEAU, ids=[",".join(f"{k}={v}" for k, v in kw.items()) for kw in PLATEAU])
def test_reduce_on_plateau_matches_pytorch(kw):
    eo, to = optimizers()
    es, ts = S.ReduceLROnPlateau(eo, **kw), torch.optim.lr_scheduler.ReduceLROnPlateau(to, **kw)
    lrs = run_side_by_side(eo, to, es, ts, len(METRICS), step_args=lambda i: (METRICS[i],))
    assert (es.best, es.num_bad_epochs, es.cooldown_counter) == (ts.best, ts.num_bad_epochs, ts.cooldown_counter)
    if kw.get("eps") != 1e-3:
        assert lrs[-1] < lrs[0]                          # it did reduce
    else:
        assert lrs[-1] == lrs[0]                         # a cut smaller than eps is skipped


def test_reduce_on_plateau_state_dict_and_errors():
    eo, _ = optimizers()
    s = S.ReduceLROnPlateau(eo, mode="max", patience=1)
    for m in (1.0, 0.5, 0.5):
        eo.step()
        s.step(ember.tensor(m))                          # anything float() takes
    assert s.get_last_lr()[0] == pytest.approx(0.01)
    state = s.state_dict()
    assert state["best"] == 1.0 and state["mode"] == "max" and "optimizer" not in state
    s2 = S.ReduceLROnPlateau(optimizers()[0])
    s2.load_state_dict(state)
    assert (s2.mode, s2.mode_worse, s2.best, s2.last_epoch) == ("max", -float("inf"), 1.0, 3)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(eo, factor=1.0)
    with pytest.raises(ValueError, match="mode sideways is unknown"):
        S.ReduceLROnPlateau(eo, mode="sideways")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        S.ReduceLROnPlateau(eo, min_lr=[0.1])
