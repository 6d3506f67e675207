"""Margin, ranking and likelihood losses against torch.nn.functional, over their options and reductions."""
import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests, positive


def _signs(a, i):
    return np.where(a > 0, 1.0, -1.0) if i == 1 else a


def _bits(a, i):
    return (a > 0).astype(float) if i == 1 else a


Y5 = [1.0, -1.0, 1.0, -1.0, 1.0]
ML_TARGET = [[3, 0, -1, 1], [1, 2, 3, -1], [2, -1, 0, 0]]

SPECS = [
    Op("margin_ranking", lambda m, a, b: F(m).margin_ranking_loss(a, b, m.tensor(Y5), margin=0.3), [((5,), (5,))]),
    Op("margin_ranking_none", lambda m, a, b: F(m).margin_ranking_loss(a, b, m.tensor(Y5), reduction="none"),
       [((5,), (5,))]),
    Op("margin_ranking_legacy_sum", lambda m, a, b: F(m).margin_ranking_loss(a, b, m.tensor(Y5), size_average=False),
       [((5,), (5,))]),
    Op("hinge_embedding", lambda m, x: F(m).hinge_embedding_loss(x, m.tensor(Y5), margin=0.8), [(5,)]),
    Op("hinge_embedding_other_labels", lambda m, x: F(m).hinge_embedding_loss(
        x, m.tensor([1.0, -1.0, 0.0, 2.0, -1.0]), reduction="none"), [(5,)]),
    Op("cosine_embedding", lambda m, a, b: F(m).cosine_embedding_loss(a, b, m.tensor([1.0, -1.0, 1.0, -1.0]),
                                                                      margin=-0.2), [((4, 3), (4, 3))]),
    Op("cosine_embedding_none", lambda m, a, b: F(m).cosine_embedding_loss(
        a, b, m.tensor([1.0, -1.0, -1.0, -1.0]), reduction="none"), [((4, 3), (4, 3))]),
    Op("cosine_embedding_1d", lambda m, a, b: F(m).cosine_embedding_loss(a, b, m.tensor(1.0), reduction="sum"),
       [((3,), (3,))]),
    Op("soft_margin", lambda m, x, y: F(m).soft_margin_loss(x * 3, y), [((3, 4), (3, 4))], domain=_signs,
       const_inputs=(1,)),
    Op("soft_margin_none", lambda m, x, y: F(m).soft_margin_loss(x, y, reduction="none"), [((3, 4), (3, 4))],
       domain=_signs, const_inputs=(1,)),
    Op("multilabel_soft_margin", lambda m, x, y: F(m).multilabel_soft_margin_loss(x, y), [((3, 4), (3, 4))],
       domain=_bits),
    Op("multilabel_soft_margin_weight", lambda m, x, y, w: F(m).multilabel_soft_margin_loss(
        x, y, weight=w.abs() + 0.1, reduction="none"), [((3, 4), (3, 4), (4,))], domain=_bits, const_inputs=(2,)),
    Op("multilabel_margin", lambda m, x: F(m).multilabel_margin_loss(x, m.tensor(ML_TARGET)), [(3, 4)]),
    Op("multilabel_margin_none", lambda m, x: F(m).multilabel_margin_loss(x, m.tensor(ML_TARGET), reduction="none"),
       [(3, 4)]),
    Op("multilabel_margin_1d", lambda m, x: F(m).multilabel_margin_loss(x, m.tensor([1, 3, -1, 0]), reduction="none"),
       [(4,)]),
    Op("multi_margin", lambda m, x: F(m).multi_margin_loss(x, m.tensor([2, 0, 1, 2])), [(4, 3)]),
    Op("multi_margin_p2", lambda m, x: F(m).multi_margin_loss(x, m.tensor([2, 0, 1, 2]), p=2, margin=0.7,
                                                              reduction="none"), [(4, 3)]),
    Op("multi_margin_weight", lambda m, x, w: F(m).multi_margin_loss(x, m.tensor([2, 0, 1, 2]), weight=w.abs() + 0.1,
                                                                     reduction="sum"), [((4, 3), (3,))],
       const_inputs=(1,)),
    Op("multi_margin_1d", lambda m, x: F(m).multi_margin_loss(x, m.tensor(1), reduction="none"), [(4,)]),
    Op("poisson_nll", lambda m, x, t: F(m).poisson_nll_loss(x, t), [((3, 4), (3, 4))],
       domain=lambda a, i: positive(a, i) * 2 if i == 1 else a),
    Op("poisson_nll_full", lambda m, x, t: F(m).poisson_nll_loss(x, t, full=True, reduction="none"),
       [((3, 4), (3, 4))], domain=lambda a, i: positive(a, i) * 2 if i == 1 else a),
    Op("poisson_nll_probs", lambda m, x, t: F(m).poisson_nll_loss(x, t, log_input=False, eps=1e-3, reduction="sum"),
       [((3, 4), (3, 4))], domain=positive),
    Op("gaussian_nll", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v), [((3, 4), (3, 4), (3, 4))],
       domain=lambda a, i: positive(a, i) if i == 2 else a),
    Op("gaussian_nll_short_var", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v, full=True, reduction="none"),
       [((3, 4), (3, 4), (3,))], domain=lambda a, i: positive(a, i) if i == 2 else a),
    Op("gaussian_nll_unit_dim_var", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v, reduction="sum"),
       [((2, 3, 4), (2, 3, 4), (2, 1, 4))], domain=lambda a, i: positive(a, i) if i == 2 else a),
    # the clamp passes var's gradient through unchanged (as PyTorch): not the true derivative, so no gradcheck
    Op("gaussian_nll_eps_clamp", lambda m, x, t, v: F(m).gaussian_nll_loss(x, t, v * 1e-3, eps=0.01),
       [((3, 4), (3, 4), (3, 4))], domain=lambda a, i: positive(a, i) if i == 2 else a, gradcheck=False),
    Op("triplet_distance", lambda m, a, p, n: F(m).triplet_margin_with_distance_loss(a, p, n),
       [((4, 3), (4, 3), (4, 3))]),
    Op("triplet_distance_cosine_swap", lambda m, a, p, n: F(m).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda u, v: 1 - F(m).cosine_similarity(u, v), margin=0.5, swap=True,
        reduction="none"), [((4, 3), (4, 3), (4, 3))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_margin_loss_errors_are_clear():
    x = ember.randn(3, 4)
    with pytest.raises(RuntimeError, match="same dimension"):
        nn_ops.margin_ranking_loss(x, x, ember.ones(3))
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        nn_ops.cosine_embedding_loss(ember.randn(3), ember.randn(3), ember.ones(3))
    with pytest.raises(RuntimeError, match="input1 and input2 should have same size"):
        nn_ops.cosine_embedding_loss(x, ember.randn(3, 5), ember.ones(3))
    with pytest.raises(RuntimeError, match="inconsistent target size"):
        nn_ops.multilabel_margin_loss(x, ember.tensor([1, 2, 0]))
    with pytest.raises(RuntimeError, match="target out of range"):
        nn_ops.multilabel_margin_loss(x, ember.tensor([[1, 7, -1, 0]] * 3))
    with pytest.raises(RuntimeError, match="target out of range"):
        nn_ops.multi_margin_loss(x, ember.tensor([0, 4, 1]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[3\], but got \[2\]"):
        nn_ops.multi_margin_loss(x, ember.tensor([0, 1]))
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        nn_ops.multi_margin_loss(x, ember.tensor([0, 1, 2]), p=3)
    with pytest.raises(RuntimeError, match="weight"):
        nn_ops.multi_margin_loss(x, ember.tensor([0, 1, 2]), weight=ember.ones(3))
    with pytest.raises(ValueError, match="var is of incorrect size"):
        nn_ops.gaussian_nll_loss(x, x, ember.ones(4, 3))
    with pytest.raises(ValueError, match="var has negative entry"):
        nn_ops.gaussian_nll_loss(x, x, -ember.ones(3, 4))
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        nn_ops.triplet_margin_with_distance_loss(x, x, x, margin=0)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        nn_ops.triplet_margin_with_distance_loss(x, x, ember.randn(4))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn_ops.soft_margin_loss(x, x, reduction="avg")
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        nn_ops.soft_margin_loss(x, ember.ones(3, 4, requires_grad=True))


def test_gaussian_nll_accepts_a_float_var():
    import torch
    x, t = np.random.default_rng(0).standard_normal((2, 3, 4))
    got = nn_ops.gaussian_nll_loss(ember.tensor(x), ember.tensor(t), 0.5, full=True)
    want = torch.nn.functional.gaussian_nll_loss(torch.tensor(x), torch.tensor(t), 0.5, full=True)
    np.testing.assert_allclose(got.item(), want.item(), rtol=1e-9)
