"""The functional nn pieces against ``torch.nn.functional`` (see tests/ember/harness.py).

Covers ember/ops/nn_ops.py and the families it re-exports: conv.py, pool.py, loss.py, normalization.py.
"""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, op_tests


def F(m):
    return torch.nn.functional if m is torch else nn_ops


def _probs(a, i):
    return 1 / (1 + np.exp(-a)) * 0.98 + 0.01 if i == 0 else (a > 0).astype(float)


def _bn(m, x, w, b, training):
    c = x.shape[1]
    rm, rv = m.zeros(c, dtype=x.dtype), m.ones(c, dtype=x.dtype)
    y = F(m).batch_norm(x, rm, rv, w, b, training=training, momentum=0.3)
    return y, rm, rv


LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}
T3 = "m.tensor([2, 0, 1])"


def _t(expr):
    return lambda m: eval(expr, {"m": m})


SPECS = [
    # linear
    Op("linear", lambda m, x, w, b: F(m).linear(x, w, b), [((4, 3), (5, 3), (5,)), ((2, 4, 3), (5, 3), (5,)),
                                                           ((3,), (2, 3), (2,)), ((0, 3), (2, 3), (2,))], tol=LOOSE),
    Op("linear_nobias", lambda m, x, w: F(m).linear(x, w), [((4, 3), (5, 3))], tol=LOOSE),
    # convolution
    Op("conv2d", lambda m, x, w, b: F(m).conv2d(x, w, b), [((2, 3, 6, 5), (4, 3, 3, 3), (4,))], tol=LOOSE),
    Op("conv2d_stride_pad", lambda m, x, w: F(m).conv2d(x, w, stride=2, padding=1), [((2, 2, 7, 6), (3, 2, 3, 2))],
       tol=LOOSE),
    Op("conv2d_dilation", lambda m, x, w: F(m).conv2d(x, w, dilation=(2, 1), padding=(2, 0)),
       [((1, 2, 7, 7), (3, 2, 3, 3))], tol=LOOSE),
    Op("conv2d_groups", lambda m, x, w, b: F(m).conv2d(x, w, b, groups=2), [((2, 4, 5, 5), (6, 2, 3, 3), (6,))],
       tol=LOOSE),
    Op("conv2d_same", lambda m, x, w: F(m).conv2d(x, w, padding="same"), [((1, 2, 5, 6), (2, 2, 4, 3))], tol=LOOSE),
    Op("conv2d_unbatched", lambda m, x, w: F(m).conv2d(x, w), [((2, 5, 5), (3, 2, 2, 2))], tol=LOOSE),
    Op("conv2d_1x1", lambda m, x, w: F(m).conv2d(x, w), [((2, 3, 4, 4), (5, 3, 1, 1))], tol=LOOSE),
    Op("conv1d", lambda m, x, w, b: F(m).conv1d(x, w, b, stride=2, padding=1), [((2, 3, 9), (4, 3, 3), (4,))],
       tol=LOOSE),
    Op("conv1d_groups_dil", lambda m, x, w: F(m).conv1d(x, w, groups=3, dilation=2), [((1, 3, 10), (3, 1, 3))],
       tol=LOOSE),
    # pooling
    Op("max_pool2d", lambda m, x: F(m).max_pool2d(x, 2), [(2, 3, 6, 6), (1, 2, 7, 5)]),
    Op("max_pool2d_overlap", lambda m, x: F(m).max_pool2d(x, 3, stride=1, padding=1), [(2, 2, 5, 5)]),
    Op("max_pool2d_dil_ceil", lambda m, x: F(m).max_pool2d(x, 2, stride=2, dilation=2, ceil_mode=True),
       [(1, 2, 7, 8)]),
    Op("max_pool2d_ceil", lambda m, x: F(m).max_pool2d(x, (2, 3), stride=2, ceil_mode=True), [(1, 1, 5, 7)]),
    Op("max_pool2d_indices", lambda m, x: F(m).max_pool2d(x, 2, stride=1, return_indices=True), [(1, 2, 4, 4)]),
    Op("max_pool2d_unbatched", lambda m, x: F(m).max_pool2d(x, 2), [(3, 4, 4)]),
    Op("max_pool1d", lambda m, x: F(m).max_pool1d(x, 3, stride=2), [(2, 3, 9)]),
    Op("avg_pool2d", lambda m, x: F(m).avg_pool2d(x, 2), [(2, 3, 6, 6), (1, 1, 5, 7)]),
    Op("avg_pool2d_pad", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1), [(1, 2, 6, 5)]),
    Op("avg_pool2d_nopadcount", lambda m, x: F(m).avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False),
       [(1, 2, 6, 5)]),
    Op("avg_pool2d_ceil", lambda m, x: F(m).avg_pool2d(x, 2, ceil_mode=True), [(1, 2, 5, 5)]),
    Op("avg_pool1d", lambda m, x: F(m).avg_pool1d(x, 2), [(2, 3, 8)]),
    Op("adaptive_avg_pool2d", lambda m, x: F(m).adaptive_avg_pool2d(x, (3, 2)), [(2, 3, 7, 5), (3, 6, 6)]),
    Op("adaptive_avg_pool2d_1", lambda m, x: F(m).adaptive_avg_pool2d(x, 1), [(2, 3, 4, 5)]),
    Op("adaptive_avg_pool1d", lambda m, x: F(m).adaptive_avg_pool1d(x, 4), [(2, 3, 10)]),
    # losses
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
    # normalization
    Op("layer_norm", lambda m, x, w, b: F(m).layer_norm(x, (4,), w, b), [((3, 4), (4,), (4,)),
                                                                          ((2, 3, 4), (4,), (4,))], tol=LOOSE),
    Op("layer_norm_2d", lambda m, x, w, b: F(m).layer_norm(x, (3, 4), w, b, eps=1e-3), [((2, 3, 4), (3, 4), (3, 4))],
       tol=LOOSE),
    Op("layer_norm_plain", lambda m, x: F(m).layer_norm(x, [4]), [(3, 4)], tol=LOOSE),
    Op("batch_norm_train", lambda m, x, w, b: _bn(m, x, w, b, True), [((4, 3), (3,), (3,)),
                                                                      ((2, 3, 4, 5), (3,), (3,))], tol=LOOSE),
    Op("batch_norm_eval", lambda m, x, w, b: _bn(m, x, w, b, False), [((4, 3, 2), (3,), (3,))], tol=LOOSE),
    Op("batch_norm_noaffine", lambda m, x: F(m).batch_norm(x, None, None, training=True), [(5, 3)], tol=LOOSE),
    Op("group_norm", lambda m, x, w, b: F(m).group_norm(x, 2, w, b), [((2, 4, 3), (4,), (4,))], tol=LOOSE),
    # misc
    Op("embedding", lambda m, w: F(m).embedding(m.tensor([[0, 2, 0], [3, 3, 3]]), w), [(5, 3)]),
    # the padding row's gradient is zero by definition, not by calculus: no gradcheck
    Op("embedding_padding", lambda m, w: F(m).embedding(m.tensor([0, 2, 0, 1]), w, padding_idx=0), [(4, 3)],
       gradcheck=False),
    Op("one_hot", lambda m, x: F(m).one_hot(m.tensor([[0, 3], [2, 2]]), 5) * 1, [(1,)], grad=False),
    Op("pad", lambda m, x: F(m).pad(x, (1, 2)), [(2, 3)]),
    Op("pad_2d_value", lambda m, x: F(m).pad(x, (1, 0, 2, 1), value=-1.5), [(2, 3, 4)]),
    Op("pad_crop", lambda m, x: F(m).pad(x, (-1, 2, 0, -1)), [(3, 4)]),
    Op("pad_reflect", lambda m, x: F(m).pad(x, (2, 1), mode="reflect"), [(1, 2, 5)]),
    Op("pad_replicate", lambda m, x: F(m).pad(x, (2, 1, 1, 1), mode="replicate"), [(1, 2, 3, 4)]),
    Op("normalize", lambda m, x: F(m).normalize(x, dim=-1), [(3, 4)]),
    Op("cosine_similarity", lambda m, x, y: F(m).cosine_similarity(x, y), [((3, 4), (3, 4))]),
    Op("sdpa", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v), [((2, 3, 4), (2, 5, 4), (2, 5, 2))],
       tol=LOOSE),
    Op("sdpa_causal", lambda m, q, k, v: F(m).scaled_dot_product_attention(q, k, v, is_causal=True),
       [((2, 4, 3), (2, 4, 3), (2, 4, 3))], tol=LOOSE),
    Op("sdpa_mask", lambda m, q, k, v: F(m).scaled_dot_product_attention(
        q, k, v, attn_mask=m.tensor([[True, False, True], [True, True, False]])), [((2, 3), (3, 3), (3, 2))],
       tol=LOOSE),
]

test_forward, test_backward, test_gradcheck = op_tests(SPECS)


def test_dropout_masks_and_scales():
    ember.manual_seed(0)
    x = ember.ones(1000, requires_grad=True)
    y = nn_ops.dropout(x, 0.3)
    kept = y.detach().numpy() != 0
    assert 0.6 < kept.mean() < 0.8 and np.allclose(y.detach().numpy()[kept], 1 / 0.7)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy() != 0, kept)
    assert nn_ops.dropout(x, 0.3, training=False) is x
    assert not nn_ops.dropout(x, 1.0).detach().numpy().any()
    g = ember.Generator().manual_seed(5)
    a = nn_ops.dropout(ember.ones(50), 0.5, generator=g).tolist()
    g.manual_seed(5)
    assert nn_ops.dropout(ember.ones(50), 0.5, generator=g).tolist() == a
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn_ops.dropout(x, 1.5)


def test_batch_norm_updates_running_stats_in_place():
    x = ember.randn(8, 3) * 2 + 1
    rm, rv = ember.zeros(3), ember.ones(3)
    nn_ops.batch_norm(x, rm, rv, training=True, momentum=0.1)
    xn = x.numpy()
    np.testing.assert_allclose(rm.numpy(), 0.1 * xn.mean(0), rtol=1e-5)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * xn.var(0, ddof=1), rtol=1e-5)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn_ops.batch_norm(ember.ones(1, 3), rm, rv, training=True)


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


def test_grad_fn_names_match_torch():
    x = ember.randn(4, 3, requires_grad=True)
    w = ember.randn(2, 3, requires_grad=True)
    b = ember.randn(2, requires_grad=True)
    assert nn_ops.linear(x, w, b).grad_fn.name() == "AddmmBackward0"
    assert nn_ops.cross_entropy(x, ember.tensor([0, 1, 2, 0])).grad_fn.name() == "NllLossBackward0"
    assert nn_ops.conv2d(ember.randn(1, 1, 3, 3), ember.randn(1, 1, 2, 2, requires_grad=True)).grad_fn.name() == \
        "ConvolutionBackward0"
