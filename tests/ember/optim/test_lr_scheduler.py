"""Learning-rate schedulers against PyTorch's, epoch by epoch, plus state dicts and warnings."""
import math
import warnings

import pytest
import torch

import ember
from ember.optim import lr_scheduler as S


def _opts(lr=0.1):
    e = ember.optim.SGD([{"params": [ember.nn.Parameter(ember.ones(1))]},
                         {"params": [ember.nn.Parameter(ember.ones(1))], "lr": lr * 3}], lr=lr)
    t = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.ones(1))]},
                         {"params": [torch.nn.Parameter(torch.ones(1))], "lr": lr * 3}], lr=lr)
    return e, t


def _lambda(epoch):
    return 0.95 ** epoch


CASES = [("StepLR", dict(step_size=3, gamma=0.5)), ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
         ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001)),
         ("LambdaLR", dict(lr_lambda=_lambda)), ("ConstantLR", dict(factor=0.4, total_iters=6)),
         ("LinearLR", dict(start_factor=0.2, end_factor=0.9, total_iters=8)),
         ("PolynomialLR", dict(total_iters=12, power=2.0)), ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9)),
         ("MultiplicativeLR", dict(lr_lambda=_lambda))]


@pytest.mark.parametrize("name,kw", CASES, ids=[c[0] for c in CASES])
def test_schedules_match_pytorch_for_25_epochs(name, kw):
    eo, to = _opts()
    es, ts = getattr(S, name)(eo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    for epoch in range(25):
        assert es.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), epoch
        assert [g["lr"] for g in eo.param_groups] == pytest.approx([g["lr"] for g in to.param_groups], rel=1e-12)
        eo.step()
        to.step()
        if name == "CosineAnnealingLR" and epoch == 10:          # a hand-set lr is followed from there
            eo.param_groups[0]["lr"] = to.param_groups[0]["lr"] = 0.05
        es.step()
        ts.step()


def test_cosine_reaches_eta_min_at_t_max():
    eo, _ = _opts(1.0)
    s = S.CosineAnnealingLR(eo, T_max=10, eta_min=0.1)
    for _ in range(10):
        eo.step()
        s.step()
    assert s.get_last_lr()[0] == pytest.approx(0.1)
    assert eo.param_groups[0]["initial_lr"] == 1.0


def test_state_dict_round_trip_resumes_the_schedule():
    eo, _ = _opts()
    s = S.StepLR(eo, step_size=2, gamma=0.1)
    for _ in range(3):
        eo.step()
        s.step()
    state = s.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    eo2, _ = _opts()
    eo2.load_state_dict(eo.state_dict())
    s2 = S.StepLR(eo2, step_size=2, gamma=0.1, last_epoch=2)
    s2.load_state_dict(state)
    eo.step()
    eo2.step()
    s.step()
    s2.step()
    assert s2.get_last_lr() == pytest.approx(s.get_last_lr())


def test_lambda_lr_state_saves_callable_objects_not_functions():
    class Warmup:
        def __init__(self):
            self.steps = 4

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.steps)
    eo, _ = _opts()
    warm = Warmup()
    s = S.LambdaLR(eo, [warm, _lambda])
    state = s.state_dict()
    assert state["lr_lambdas"] == [{"steps": 4}, None]
    warm.steps = 100
    s.load_state_dict(state)
    assert warm.steps == 4
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        S.LambdaLR(eo, [_lambda])


def test_warnings_and_errors():
    eo, _ = _opts()
    s = S.ExponentialLR(eo, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opts()[0], step_size=1, last_epoch=3)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        S.StepLR(object(), step_size=1)
    eo, _ = _opts()
    s = S.StepLR(eo, step_size=2)
    eo.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s.step()                                   # the right order: no warning
    with pytest.warns(UserWarning, match="deprecated"):
        s.step(6)
    assert s.get_last_lr()[0] == pytest.approx(0.1 * 0.1 ** 3)
    assert math.isclose(eo.param_groups[1]["lr"], 0.3 * 0.1 ** 3)


@pytest.mark.parametrize("name,kw", CASES[5:], ids=[c[0] for c in CASES[5:]])
def test_step_with_an_epoch_uses_pytorchs_closed_form(name, kw):
    eo, to = _opts()
    es, ts = getattr(S, name)(eo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    eo.step()
    to.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in (3, 7, 20, 0, 5):
            es.step(epoch)
            ts.step(epoch)
            assert es.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12), epoch


def test_old_base_class_name_still_subclasses():
    class Warmup(S._LRScheduler):
        def get_lr(self):
            return [base * min(1.0, (self.last_epoch + 1) / 3) for base in self.base_lrs]
    eo, _ = _opts()
    s = Warmup(eo)
    lrs = []
    for _ in range(4):
        lrs.append(round(s.get_last_lr()[0], 6))
        eo.step()
        s.step()
    assert lrs == [0.033333, 0.066667, 0.1, 0.1] and S._LRScheduler is S.LRScheduler
