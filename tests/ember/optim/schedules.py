"""Run an ember scheduler and its PyTorch twin side by side; compare learning rates (and momentum) every step."""
import pytest
import torch

import ember


def optimizers(name="SGD", lr=0.1, **kw):
    """The same two-group optimiser (the second group at ``3 * lr``) in ember and in PyTorch."""
    def build(lib):
        groups = [{"params": [lib.nn.Parameter(lib.ones(1))]},
                  {"params": [lib.nn.Parameter(lib.ones(1))], "lr": lr * 3}]
        return getattr(lib.optim, name)(groups, lr=lr, **kw)
    return build(ember), build(torch)


def group_values(opt):
    """Each group's learning rate and momentum (``momentum`` or ``betas[0]``, None if neither)."""
    return [(g["lr"], g.get("momentum", g.get("betas", (None,))[0])) for g in opt.param_groups]


def assert_same(eo, to, es, ts, where):
    assert es.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-12, abs=1e-15), where
    for (elr, em), (tlr, tm) in zip(group_values(eo), group_values(to)):
        assert elr == pytest.approx(tlr, rel=1e-12, abs=1e-15), where
        assert em == pytest.approx(tm, rel=1e-12), where


def run_side_by_side(eo, to, es, ts, steps, step_args=lambda i: ()):
    """``steps`` optimiser and scheduler steps, comparing before each and after the last; returns the lrs seen."""
    seen = []
    for i in range(steps):
        assert_same(eo, to, es, ts, i)
        seen.append(es.get_last_lr()[0])
        eo.step()
        to.step()
        es.step(*step_args(i))
        ts.step(*step_args(i))
    assert_same(eo, to, es, ts, steps)
    return seen + [es.get_last_lr()[0]]
