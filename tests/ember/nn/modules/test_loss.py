"""Loss modules against PyTorch: reductions, weights, ignore_index, label smoothing, probability targets."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn

RNG = np.random.default_rng(5)


def _both(name, kw, x, target, ekw=None, tkw=None):
    e = getattr(nn, name)(**kw, **(ekw or {}))
    t = getattr(torch.nn, name)(**kw, **(tkw or {}))
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    et = ember.tensor(target)
    tt = torch.tensor(target)
    eo, to = e(ex, et), t(tx, tt)
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = RNG.standard_normal(tuple(to.shape))
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)
    assert repr(e) == repr(t)


LOGITS = RNG.standard_normal((6, 4))
LABELS = np.array([0, 3, 1, 1, 2, 3])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("opts", [{}, {"ignore_index": 1}, {"label_smoothing": 0.1}, {"weight": True},
                                  {"weight": True, "ignore_index": 3, "label_smoothing": 0.2}])
def test_cross_entropy_loss_with_class_indices(reduction, opts):
    kw = dict(opts, reduction=reduction)
    ekw = tkw = None
    if kw.pop("weight", False):
        ekw, tkw = {"weight": ember.tensor(WEIGHT)}, {"weight": torch.tensor(WEIGHT)}
    _both("CrossEntropyLoss", kw, LOGITS, LABELS, ekw, tkw)


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
def test_cross_entropy_loss_with_probability_targets(smoothing):
    probs = RNG.dirichlet(np.ones(4), size=6)
    _both("CrossEntropyLoss", {"label_smoothing": smoothing}, LOGITS, probs)


def test_cross_entropy_loss_with_spatial_dims():
    _both("CrossEntropyLoss", {}, RNG.standard_normal((2, 4, 3, 3)), RNG.integers(0, 4, (2, 3, 3)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction):
    logp = torch.log_softmax(torch.tensor(LOGITS), 1).numpy()
    _both("NLLLoss", {"reduction": reduction, "ignore_index": 2}, logp, LABELS)
    _both("NLLLoss", {"reduction": reduction}, logp, LABELS, {"weight": ember.tensor(WEIGHT)},
          {"weight": torch.tensor(WEIGHT)})


@pytest.mark.parametrize("name", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name, reduction):
    _both(name, {"reduction": reduction}, RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_losses(reduction):
    p = 1 / (1 + np.exp(-RNG.standard_normal((5, 3))))
    y = RNG.integers(0, 2, (5, 3)).astype(np.float64)
    w = RNG.uniform(0.5, 2, (5, 3))
    _both("BCELoss", {"reduction": reduction}, p, y)
    _both("BCELoss", {"reduction": reduction}, p, y, {"weight": ember.tensor(w)}, {"weight": torch.tensor(w)})
    logits = RNG.standard_normal((5, 3)) * 4
    pw = np.array([1.0, 3.0, 0.5])
    _both("BCEWithLogitsLoss", {"reduction": reduction}, logits, y)
    _both("BCEWithLogitsLoss", {"reduction": reduction}, logits, y, {"pos_weight": ember.tensor(pw)},
          {"pos_weight": torch.tensor(pw)})


def test_kl_div_loss():
    logp = torch.log_softmax(torch.tensor(LOGITS), 1).numpy()
    q = RNG.dirichlet(np.ones(4), size=6)
    _both("KLDivLoss", {"reduction": "batchmean"}, logp, q)
    _both("KLDivLoss", {"reduction": "sum", "log_target": True}, logp, np.log(q))


def test_loss_weight_is_a_buffer_and_legacy_flags_map_to_reduction():
    loss = nn.CrossEntropyLoss(weight=ember.tensor(WEIGHT))
    assert list(loss.state_dict()) == list(torch.nn.CrossEntropyLoss(weight=torch.tensor(WEIGHT)).state_dict())
    assert nn.MSELoss(size_average=False).reduction == "sum"
    assert nn.MSELoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        nn.L1Loss(reduction="avg")
