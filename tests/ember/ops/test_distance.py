"""prelu, pairwise_distance and triplet_margin_loss against torch.nn.functional (see tests/ember/harness.py)."""
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def F(m):
    return torch.nn.functional if m is torch else ember.nn.functional


SPECS = [
    Op("prelu_channels", lambda m, x, w: F(m).prelu(x, w), [((2, 3, 4, 5), (3,)), ((4, 3), (3,))]),
    Op("prelu_shared", lambda m, x, w: F(m).prelu(x, w), [((2, 3, 4), (1,)), ((5,), (1,)), ((), (1,))]),
    Op("pairwise_distance", lambda m, a, b: F(m).pairwise_distance(a, b),
       [((4, 5), (4, 5)), ((5,), (3, 5)), ((6,), (6,))]),
    Op("pairwise_distance_p1_keepdim", lambda m, a, b: F(m).pairwise_distance(a, b, 1.0, 1e-3, True),
       [((4, 5), (4, 5))]),
    Op("pairwise_distance_p3", lambda m, a, b: F(m).pairwise_distance(a, b, 3.0), [((2, 3, 5), (2, 3, 5))]),
    Op("pairwise_distance_inf", lambda m, a, b: F(m).pairwise_distance(a, b, float("inf")), [((4, 5), (4, 5))]),
    Op("triplet_margin_loss", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n), [((6, 5), (6, 5), (6, 5))]),
    Op("triplet_margin_loss_opts", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, margin=2.0, p=1, swap=True,
                                                                                reduction="none"),
       [((6, 5), (6, 5), (6, 5))]),
    Op("triplet_margin_loss_sum", lambda m, a, p, n: F(m).triplet_margin_loss(a, p, n, margin=0.5, reduction="sum"),
       [((7,), (7,), (7,))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_prelu_and_triplet_errors():
    for m in (ember, torch):
        with pytest.raises(RuntimeError, match="Mismatch of parameter numbers"):
            F(m).prelu(m.randn(2, 3), m.randn(2))
        with pytest.raises(RuntimeError, match="same number of dimensions"):
            F(m).triplet_margin_loss(m.randn(2, 3), m.randn(2, 3), m.randn(3))
        with pytest.raises(ValueError, match="not a valid value for reduction"):
            F(m).triplet_margin_loss(m.randn(2, 3), m.randn(2, 3), m.randn(2, 3), reduction="avg")
