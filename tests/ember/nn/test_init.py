"""nn.init: PyTorch's gains, fan computations and distributions (checked statistically against PyTorch)."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn import init

SHAPE = (256, 128, 3, 3)                 # fan_in 1152, fan_out 2304, 295k samples


def _pair():
    return ember.empty(SHAPE), torch.empty(SHAPE)


def _stats(e, t):
    a, b = e.numpy(), t.numpy()
    return a.mean(), a.std(), np.abs(a).max(), b.mean(), b.std(), np.abs(b).max()


@pytest.mark.parametrize("name,args,expected", [
    ("linear", (), 1), ("conv2d", (), 1), ("sigmoid", (), 1), ("tanh", (), 5 / 3), ("relu", (), math.sqrt(2)),
    ("leaky_relu", (), math.sqrt(2 / (1 + 0.01 ** 2))), ("leaky_relu", (0.2,), math.sqrt(2 / 1.04)), ("selu", (), 0.75)])
def test_calculate_gain_matches_pytorch(name, args, expected):
    assert init.calculate_gain(name, *args) == pytest.approx(expected)
    assert init.calculate_gain(name, *args) == pytest.approx(torch.nn.init.calculate_gain(name, *args))


def test_calculate_gain_and_fans_reject_bad_input():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ember.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ember.empty(3, 3), mode="fan_avg")


@pytest.mark.parametrize("fn,kw,bound_or_std", [
    ("uniform_", dict(a=-0.3, b=0.5), None),
    ("xavier_uniform_", dict(gain=2.0), ("uniform", 2.0 * math.sqrt(6 / (1152 + 2304)))),
    ("kaiming_uniform_", dict(a=math.sqrt(5)), ("uniform", 1 / math.sqrt(1152))),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), ("uniform", math.sqrt(6 / 2304))),
    ("normal_", dict(mean=0.5, std=2.0), ("normal", 2.0)),
    ("xavier_normal_", dict(), ("normal", math.sqrt(2 / (1152 + 2304)))),
    ("kaiming_normal_", dict(nonlinearity="relu"), ("normal", math.sqrt(2 / 1152))),
    ("trunc_normal_", dict(mean=0.0, std=1.0, a=-1.0, b=2.0), None),
])
def test_distributions_match_pytorch(fn, kw, bound_or_std):
    ember.manual_seed(0)
    torch.manual_seed(0)
    e, t = _pair()
    assert getattr(init, fn)(e, **kw) is e
    getattr(torch.nn.init, fn)(t, **kw)
    em, es, emax, tm, ts, tmax = _stats(e, t)
    n = e.numel()
    assert abs(em - tm) < 5 * ts / math.sqrt(n) + 1e-12
    assert abs(es - ts) < 0.01 * ts
    if bound_or_std and bound_or_std[0] == "uniform":
        bound = bound_or_std[1]
        assert tmax <= bound * (1 + 1e-6) and bound * 0.999 < emax <= bound * (1 + 1e-6)
    elif bound_or_std:
        assert abs(es - bound_or_std[1]) < 0.01 * bound_or_std[1]
    if fn == "trunc_normal_":
        a = e.numpy()
        assert a.min() >= -1.0 and a.max() <= 2.0 and a.min() < -0.99 and a.max() > 1.99


def test_generator_makes_initialisation_reproducible():
    a, b = ember.empty(3, 4), ember.empty(3, 4)
    init.kaiming_uniform_(a, generator=ember.Generator().manual_seed(7))
    init.kaiming_uniform_(b, generator=ember.Generator().manual_seed(7))
    assert (a == b).all()


def test_constant_zeros_ones_eye_orthogonal():
    t = ember.empty(3, 5)
    assert init.constant_(t, 0.5).tolist() == [[0.5] * 5] * 3
    assert not init.zeros_(t).any() and init.ones_(t).all()
    assert init.eye_(ember.empty(2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    for shape in [(4, 6), (6, 4), (3, 2, 2)]:
        w = init.orthogonal_(ember.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
        small = min(w.shape)
        gram = w @ w.T if w.shape[0] == small else w.T @ w
        np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-5)


def test_init_on_parameters_records_no_graph():
    p = ember.nn.Parameter(ember.empty(3, 3))
    init.xavier_uniform_(p)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
