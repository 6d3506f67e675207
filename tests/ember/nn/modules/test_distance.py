"""PairwiseDistance, CosineSimilarity, TripletMarginLoss and PReLU against PyTorch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(4)


@pytest.mark.parametrize("kw", [dict(), dict(p=1.0, eps=1e-3, keepdim=True), dict(p=float("inf"))])
def test_pairwise_distance(kw):
    e, t = nn.PairwiseDistance(**kw), torch.nn.PairwiseDistance(**kw)
    run_both(e, t, [RNG.standard_normal((4, 6)), RNG.standard_normal((4, 6))])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("kw", [dict(), dict(dim=-1, eps=1e-6)])
def test_cosine_similarity(kw):
    e, t = nn.CosineSimilarity(**kw), torch.nn.CosineSimilarity(**kw)
    run_both(e, t, [RNG.standard_normal((3, 5, 2)), RNG.standard_normal((3, 5, 2))])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("kw", [dict(), dict(margin=2.0, p=1.0, swap=True), dict(reduction="none", eps=1e-3),
                                dict(reduction="sum", swap=True)])
def test_triplet_margin_loss(kw):
    e, t = nn.TripletMarginLoss(**kw), torch.nn.TripletMarginLoss(**kw)
    a, p, n = (RNG.standard_normal((8, 4)) for _ in range(3))
    eo, _ = run_both(e, t, [a, p, n])
    assert repr(e) == repr(t)
    assert eo.detach().numpy().sum() > 0            # some triplets violate the margin: the loss is not trivially 0
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0.0)


@pytest.mark.parametrize("num,init", [(1, 0.25), (3, 0.1)])
def test_prelu(num, init):
    e, t = nn.PReLU(num, init), torch.nn.PReLU(num, init)
    np.testing.assert_allclose(e.weight.detach().numpy(), np.full(num, init, np.float32))
    assert e.weight.dtype == ember.float32 and e.weight.requires_grad
    assert repr(e) == repr(t)
    with torch.no_grad():
        t.weight.copy_(torch.tensor(RNG.standard_normal(num)))      # distinct slopes, so their gradients differ
    run_both(e, t, [RNG.standard_normal((2, 3, 4))])
