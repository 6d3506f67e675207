"""Losses against torch.nn.functional, including weights, ignore_index and label smoothing."""
import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}


def _probs(a, i):
    return 1 / (1 + np.exp(-a)) * 0.98 + 0.01 if i == 0 else (a > 0).astype(float)

SPECS = [
    Op("cross_entropy", lambda m, x: F(m).cross_entropy(x, m.tensor([2, 0, 1, 2])), [(4, 3)]),
    Op("cross_entropy_sum", lambda m, x: F(m).cross_entropy(x, m.tensor([2, 0, 1, 2]), reduction="sum"), [(4, 3)]),
    Op("cross_entropy_none", lambda m, x: F(m).cross_entropy(x, m.tensor([2, 0, 1, 2]), reduction="none"), [(4, 3)]),
    Op("cross_entropy_ignore", lambda m, x: F(m).cross_entropy(x, m.tensor([2, -100, 1, 2])), [(4, 3)]),
    Op("cross_entropy_weight", lambda m, x, w: F(m).cross_entropy(x, m.tensor([2, 0, 1, 2]), weight=w.abs() + 0.1,
                                                                  ignore_index=1), [((4, 3), (3,))], const_inputs=(1,)),
    Op("cross_entropy_smooth", lambda m, x: F(m).cross_entropy(x, m.tensor([2, 0, 1, 2]), label_smoothing=0.2),
       [(4, 3)]),
    Op("cross_entropy_smooth_weight", lambda m, x, w: F(m).cross_entropy(
        x, m.tensor([2, 0, -1, 2]), weight=w.abs() + 0.1, label_smoothing=0.3, ignore_index=-1), [((4, 3), (3,))],
       const_inputs=(1,)),
    Op("cross_entropy_nd", lambda m, x: F(m).cross_entropy(x, m.tensor([[[0, 2], [1, 1]], [[2, 2], [0, 1]]])),
       [(2, 3, 2, 2)]),
    Op("cross_entropy_unbatched", lambda m, x: F(m).cross_entropy(x, m.tensor(1)), [(3,)]),
    Op("cross_entropy_probs", lambda m, x, t: F(m).cross_entropy(x, t.softmax(1)), [((4, 3), (4, 3))]),
    Op("cross_entropy_probs_smooth", lambda m, x, t: F(m).cross_entropy(x, t.softmax(1), label_smoothing=0.1,
                                                                        reduction="sum"), [((4, 3), (4, 3))]),
    Op("nll_loss", lambda m, x: F(m).nll_loss(x.log_softmax(1), m.tensor([2, 0, 1, 2])), [(4, 3)]),
    Op("nll_loss_weight_none", lambda m, x, w: F(m).nll_loss(x, m.tensor([2, 0, 1, 2]), weight=w.abs(),
                                                             reduction="none"), [((4, 3), (3,))], const_inputs=(1,)),
    Op("bce", lambda m, x, t: F(m).binary_cross_entropy(x, t), [((3, 4), (3, 4))], domain=_probs),
    Op("bce_weight_sum", lambda m, x, t, w: F(m).binary_cross_entropy(x, t, w, reduction="sum"),
       [((3, 4), (3, 4), (4,))], domain=lambda a, i: _probs(a, i) if i < 2 else a, const_inputs=(2,)),
    Op("bce_soft_target", lambda m, x, t: F(m).binary_cross_entropy(x, t), [((3, 4), (3, 4))],
       domain=lambda a, i: 1 / (1 + np.exp(-a)) * 0.9 + 0.05),
    Op("bce_logits", lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t), [((3, 4), (3, 4))],
       domain=lambda a, i: a * 3 if i == 0 else 1 / (1 + np.exp(-a))),
    Op("bce_logits_pos_weight", lambda m, x, t, pw: F(m).binary_cross_entropy_with_logits(
        x, t, pos_weight=pw.abs() + 0.5, reduction="none"), [((3, 4), (3, 4), (4,))],
       domain=lambda a, i: 1 / (1 + np.exp(-a)) if i == 1 else a, const_inputs=(2,)),
    Op("mse_loss", lambda m, x, y: F(m).mse_loss(x, y), [((3, 4), (3, 4))]),
    Op("mse_loss_none", lambda m, x, y: F(m).mse_loss(x, y, reduction="none"), [((3, 4), (3, 4))]),
    Op("l1_loss", lambda m, x, y: F(m).l1_loss(x, y, reduction="sum"), [((3, 4), (3, 4))]),
    Op("smooth_l1_loss", lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=0.5), [((3, 4), (3, 4))]),
    Op("huber_loss", lambda m, x, y: F(m).huber_loss(x, y, delta=0.7), [((3, 4), (3, 4))]),
    Op("kl_div", lambda m, x, t: F(m).kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"),
       [((3, 4), (3, 4))]),
]

test_forward, test_backward, test_gradcheck = op_tests(SPECS)


def test_loss_errors_are_clear():
    x = ember.randn(3, 4)
    with pytest.raises(IndexError, match="Target 7 is out of bounds"):
        nn_ops.cross_entropy(x, ember.tensor([0, 7, 1]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        nn_ops.cross_entropy(x, ember.tensor([0, 1]))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn_ops.mse_loss(x, x, reduction="avg")
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        nn_ops.binary_cross_entropy(x * 5, x.sigmoid())
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 5x2\)"):
        nn_ops.linear(x, ember.ones(2, 5))
    with pytest.raises(RuntimeError, match="expected input\\[1, 3, 5, 5\\] to have 2 channels"):
        nn_ops.conv2d(ember.ones(1, 3, 5, 5), ember.ones(4, 2, 3, 3))
    with pytest.raises(IndexError, match="index out of range"):
        nn_ops.embedding(ember.tensor([5]), ember.ones(3, 2))
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
        nn_ops.cross_entropy(x, ember.tensor([0, 1, 2]), weight=ember.ones(4, requires_grad=True))


def test_cross_entropy_is_stable_for_huge_logits():
    x = ember.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    loss = nn_ops.cross_entropy(x, ember.tensor([1]))
    loss.backward()
    assert np.isfinite(loss.item()) and abs(loss.item() - 2000.0) < 1e-3
    assert np.isfinite(x.grad.numpy()).all()
