"""Losses against torch.nn.functional, including weights, ignore_index and label smoothing."""
import warnings

import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}


def _probs(a, i):
    return 1 / (1 + np.exp(-a)) * 0.98 + 0.01 if i == 0 else (a > 0).astype(float)

def _quiet(fn, *args, **kwargs):
    """``fn`` without its target-size warning (both libraries warn; the test of the warning is below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


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
    Op("mse_loss_sum_broadcast", lambda m, x, y: _quiet(F(m).mse_loss, x, y, reduction="sum"),
       [((3, 4), (4,)), ((3, 1), (1, 4))]),
    Op("mse_loss_scalar_target", lambda m, x: F(m).mse_loss(x, m.zeros_like(x) + 0.5), [(3, 4)]),
    Op("l1_loss", lambda m, x, y: F(m).l1_loss(x, y, reduction="sum"), [((3, 4), (3, 4))]),
    Op("smooth_l1_loss", lambda m, x, y: F(m).smooth_l1_loss(x, y, beta=0.5), [((3, 4), (3, 4))]),
    Op("huber_loss", lambda m, x, y: F(m).huber_loss(x, y, delta=0.7), [((3, 4), (3, 4))]),
    Op("kl_div", lambda m, x, t: F(m).kl_div(x.log_softmax(1), t.softmax(1), reduction="batchmean"),
       [((3, 4), (3, 4))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


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


def test_mse_loss_is_one_node_as_in_the_blitz_tutorial():
    x = ember.randn(2, 3, requires_grad=True)
    loss = nn_ops.mse_loss(nn_ops.linear(x, ember.ones(4, 3)), ember.zeros(2, 4))
    assert loss.grad_fn.name() == "MseLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "AddmmBackward0" or \
        loss.grad_fn.next_functions[0][0].name() == "MmBackward0"


@pytest.mark.parametrize("fn", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_warn_on_broadcast_targets(fn):
    # (N, 1) predictions against (N,) targets broadcast to (N, N): PyTorch warns, and so does ember
    with pytest.warns(UserWarning, match=r"Using a target size \(ember.Size\(\[3\]\)\) that is different to the "
                                         r"input size \(ember.Size\(\[3, 1\]\)\)"):
        getattr(nn_ops, fn)(ember.ones(3, 1), ember.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(nn_ops, fn)(ember.ones(3, 1), ember.ones(3, 1))


@pytest.mark.parametrize("target", [[1.0, 2.0, 0.0], [1, 2, 0]])
def test_float_class_targets_get_pytorch_message_and_the_fix(target):
    t = ember.tensor(target)
    if t.is_floating_point():
        with pytest.raises(RuntimeError, match=r"expected target dtype to be Long or Byte, but got Float \(class "
                                               r"indices must be integers: use target.long\(\)"):
            nn_ops.cross_entropy(ember.ones(3, 4), t)
        with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
            nn_ops.nll_loss(ember.ones(3, 4), t)
    else:
        assert abs(nn_ops.cross_entropy(ember.ones(3, 4), t).item() - np.log(4)) < 1e-6


@pytest.mark.parametrize("fn", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_binary_losses_refuse_integer_targets_as_pytorch(fn, dtype):
    import torch
    target = [1, 0]
    with pytest.raises(RuntimeError):
        getattr(torch.nn.functional, fn)(torch.full((2,), 0.5), torch.tensor(target, dtype=getattr(torch, dtype)))
    with pytest.raises(RuntimeError, match=r"use target.float\(\)"):
        getattr(nn_ops, fn)(ember.full((2,), 0.5), ember.tensor(target, dtype=getattr(ember, dtype)))
    with pytest.raises(RuntimeError, match="Found dtype Double but expected Float"):
        nn_ops.binary_cross_entropy(ember.full((2,), 0.5), ember.tensor([1.0, 0.0], dtype=ember.float64))
