"""The margin, likelihood and CTC loss modules and ChannelShuffle against PyTorch: repr, reduction, outputs and
input gradients."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn

RNG = np.random.default_rng(11)
X = RNG.standard_normal((4, 3))
X2 = RNG.standard_normal((4, 3))
X3 = RNG.standard_normal((4, 3))
SIGNS4 = np.array([1.0, -1.0, -1.0, 1.0])


def _check(name, args, inputs, kw=None, grads=None):
    """Build ``name(**kw)`` in both libraries, compare repr and reduction, then outputs and the gradients of the
    float ``inputs`` listed in ``grads`` (default: the first)."""
    kw = kw or {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")               # PyTorch warns about the legacy size_average/reduce flags
        e, t = getattr(nn, name)(**kw), getattr(torch.nn, name)(**kw)
    assert repr(e) == repr(t)
    assert e.reduction == t.reduction
    grads = (0,) if grads is None else grads
    ex = [ember.tensor(a, requires_grad=i in grads) for i, a in enumerate(inputs)]
    tx = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(inputs)]
    eo, to = e(*ex, *args[0]), t(*tx, *args[1])
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), rtol=1e-9, atol=1e-12)
    g = RNG.standard_normal(tuple(to.shape))
    (eo * ember.tensor(g)).sum().backward()
    (to * torch.tensor(g)).sum().backward()
    for i in grads:
        np.testing.assert_allclose(ex[i].grad.numpy(), tx[i].grad.numpy(), rtol=1e-9, atol=1e-12)


def _same(*arrays):
    return [ember.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


REDUCTIONS = [{"reduction": "mean"}, {"reduction": "sum"}, {"reduction": "none"}, {"size_average": False},
              {"reduce": False}]


@pytest.mark.parametrize("kw", REDUCTIONS)
def test_pairwise_margin_losses(kw):
    _check("MarginRankingLoss", _same(SIGNS4), [X[:, 0], X2[:, 0]], dict(kw, margin=0.2), grads=(0, 1))
    _check("HingeEmbeddingLoss", _same(SIGNS4[:, None] * np.ones(3)), [X], dict(kw, margin=0.5))
    _check("CosineEmbeddingLoss", _same(SIGNS4), [X, X2], dict(kw, margin=0.1), grads=(0, 1))
    _check("SoftMarginLoss", _same(np.sign(X2)), [X], kw)


@pytest.mark.parametrize("kw", REDUCTIONS)
def test_multi_class_and_label_losses(kw):
    labels = np.array([2, 0, 1, 1])
    _check("MultiMarginLoss", _same(labels), [X], dict(kw, p=2, margin=0.8))
    _check("MultiMarginLoss", _same(labels), [X], dict(kw, weight=None))
    _check("MultiLabelMarginLoss", _same(np.array([[2, -1, 0], [0, 1, -1], [1, 0, 2], [-1, 0, 0]])), [X], kw)
    _check("MultiLabelSoftMarginLoss", _same((X2 > 0).astype(float)), [X], kw)


def test_weighted_losses_hold_the_weight_as_a_buffer():
    w = np.array([0.5, 2.0, 1.0])
    for name, target in (("MultiMarginLoss", np.array([2, 0, 1, 1])), ("MultiLabelSoftMarginLoss",
                                                                       (X2 > 0).astype(float))):
        e, t = getattr(nn, name)(weight=ember.tensor(w)), getattr(torch.nn, name)(weight=torch.tensor(w))
        assert repr(e) == repr(t) and "weight" in dict(e.named_buffers())
        got = e(ember.tensor(X), ember.tensor(target)).item()
        assert got == pytest.approx(t(torch.tensor(X), torch.tensor(target)).item(), rel=1e-12)
        assert got != pytest.approx(getattr(nn, name)()(ember.tensor(X), ember.tensor(target)).item())


@pytest.mark.parametrize("kw", [{}, {"log_input": False, "eps": 1e-3}, {"full": True, "reduction": "sum"},
                                {"reduce": False}])
def test_poisson_nll_loss(kw):
    x = np.abs(X) + 0.2 if kw.get("log_input") is False else X
    _check("PoissonNLLLoss", _same(np.abs(X2) * 3), [x], kw)


@pytest.mark.parametrize("kw", [{}, {"full": True, "reduction": "none"}, {"eps": 0.5, "reduction": "sum"}])
def test_gaussian_nll_loss(kw):
    _check("GaussianNLLLoss", ([], []), [X, X2, np.abs(X3) + 0.1], kw, grads=(0, 1, 2))
    _check("GaussianNLLLoss", ([], []), [X, X2, np.abs(X3[:, 0]) + 0.1], kw, grads=(0, 2))


@pytest.mark.parametrize("kw", [{}, {"margin": 0.3, "swap": True, "reduction": "none"}])
def test_triplet_margin_with_distance_loss(kw):
    _check("TripletMarginWithDistanceLoss", ([], []), [X, X2, X3], kw, grads=(0, 1, 2))
    e = nn.TripletMarginWithDistanceLoss(distance_function=nn.PairwiseDistance(p=1.0), **kw)
    t = torch.nn.TripletMarginWithDistanceLoss(distance_function=torch.nn.PairwiseDistance(p=1.0), **kw)
    assert repr(e) == repr(t)
    got = e(*[ember.tensor(a) for a in (X, X2, X3)]).detach().numpy()
    np.testing.assert_allclose(got, t(*[torch.tensor(a) for a in (X, X2, X3)]).numpy(), rtol=1e-9)
    with pytest.raises(ValueError, match="expected margin to be greater than 0"):
        nn.TripletMarginWithDistanceLoss(margin=0.0)


@pytest.mark.parametrize("kw", [{}, {"blank": 4, "reduction": "sum"}, {"zero_infinity": True, "reduction": "none"}])
def test_ctc_loss_module(kw):
    logp = torch.log_softmax(torch.tensor(RNG.standard_normal((6, 2, 5))), -1).numpy()
    targets = np.array([[1, 2, 2], [3, 1, 0]])
    lengths = ([6, 1], [3, 2]) if kw.get("zero_infinity") else ([6, 5], [3, 2])   # the zero_infinity case is impossible
    _check("CTCLoss", ([ember.tensor(targets), *lengths], [torch.tensor(targets), *lengths]), [logp], kw)


def test_channel_shuffle_module():
    x = RNG.standard_normal((2, 6, 3))
    e, t = nn.ChannelShuffle(3), torch.nn.ChannelShuffle(3)
    assert repr(e) == repr(t) == "ChannelShuffle(groups=3)"
    out = e(ember.tensor(x)).numpy()
    np.testing.assert_array_equal(out, t(torch.tensor(x)).numpy())
    assert not np.array_equal(out, x)


def test_bad_options_are_refused():
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn.MultiMarginLoss(p=3)
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.SoftMarginLoss(reduction="avg")
