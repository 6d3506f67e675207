"""CELU, GLU, Hardshrink, Softshrink, Threshold, RReLU, Softmax2d and the dropout variants as modules."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

X = np.random.default_rng(5).standard_normal((2, 4, 3, 2)) * 2

PAIRS = [("CELU", dict()), ("CELU", dict(alpha=2.0)), ("GLU", dict()), ("GLU", dict(dim=1)), ("Hardshrink", dict()),
         ("Hardshrink", dict(lambd=1.0)), ("Softshrink", dict(lambd=0.7)), ("Threshold", dict(threshold=0.2, value=-1)),
         ("RReLU", dict(lower=0.2, upper=0.4)), ("Softmax2d", dict())]


@pytest.mark.parametrize("name,kw", PAIRS, ids=lambda v: v if isinstance(v, str) else str(v))
def test_modules_match_pytorch(name, kw):
    e, t = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    run_both(e, t, [X], train=name != "RReLU")    # RReLU is deterministic only in eval
    if name == "Softmax2d":
        run_both(e, t, [X[0]])                    # unbatched (C, H, W)


@pytest.mark.parametrize("e,t", [(nn.CELU(0.5, inplace=True), torch.nn.CELU(0.5, inplace=True)),
                                 (nn.Threshold(0.1, 2.0, True), torch.nn.Threshold(0.1, 2.0, True)),
                                 (nn.RReLU(0.1, 0.2, True), torch.nn.RReLU(0.1, 0.2, True))])
def test_inplace_modules_write_into_their_input(e, t):
    assert repr(e) == repr(t)
    e.eval(), t.eval()
    h, th = ember.tensor(X) * 1, torch.tensor(X) * 1
    assert e(h) is h
    t(th)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12)


def test_rrelu_module_uses_random_slopes_only_in_training():
    ember.manual_seed(0)
    m = nn.RReLU(0.1, 0.3)
    x = -ember.ones(100, 100)
    slopes = -m(x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.05
    np.testing.assert_allclose(m.eval()(x).numpy(), -0.2, rtol=1e-6)


def test_softmax2d_checks_dims():
    with pytest.raises(ValueError, match="expected input to be 3D or 4D"):
        nn.Softmax2d()(ember.ones(2, 3))


@pytest.mark.parametrize("name,shape", [("Dropout1d", (30, 40, 3)), ("Dropout2d", (30, 40, 2, 2)),
                                        ("Dropout3d", (30, 40, 2, 1, 2)), ("FeatureAlphaDropout", (30, 40, 2, 2)),
                                        ("AlphaDropout", (30, 40))])
def test_dropout_modules_train_and_eval(name, shape):
    e, t = getattr(nn, name)(0.25), getattr(torch.nn, name)(0.25)
    assert repr(e) == repr(t) and repr(getattr(nn, name)(0.1, True)) == repr(getattr(torch.nn, name)(0.1, True))
    x = ember.zeros(*shape) + 1
    assert e.eval()(x) is x
    ember.manual_seed(0)
    out = e.train()(x).numpy()
    vals = np.unique(out)
    assert len(vals) == 2                                         # kept and dropped
    dropped = (out == vals.min()) if "Alpha" in name else (out == 0)
    assert abs(dropped.mean() - 0.25) < 0.05
    if name != "AlphaDropout":                                    # whole channels
        per_channel = dropped.reshape(shape[0], shape[1], -1)
        assert (per_channel.all(-1) | ~per_channel.any(-1)).all()
    with pytest.raises(ValueError, match="between 0 and 1"):
        getattr(nn, name)(-0.1)
