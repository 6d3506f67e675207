"""The functional nn pieces of ember/ops/nn_ops.py itself against torch.nn.functional."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import Op, nn_functional as F, op_tests

LOOSE = {"float32": dict(rtol=2e-4, atol=2e-5)}

SPECS = [
    Op("linear", lambda m, x, w, b: F(m).linear(x, w, b), [((4, 3), (5, 3), (5,)), ((2, 4, 3), (5, 3), (5,)),
                                                           ((3,), (2, 3), (2,)), ((0, 3), (2, 3), (2,))], tol=LOOSE),
    Op("linear_nobias", lambda m, x, w: F(m).linear(x, w), [((4, 3), (5, 3))], tol=LOOSE),
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

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


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


def test_grad_fn_names_match_torch():
    x = ember.randn(4, 3, requires_grad=True)
    w = ember.randn(2, 3, requires_grad=True)
    b = ember.randn(2, requires_grad=True)
    assert nn_ops.linear(x, w, b).grad_fn.name() == "AddmmBackward0"
    assert nn_ops.cross_entropy(x, ember.tensor([0, 1, 2, 0])).grad_fn.name() == "NllLossBackward0"
    assert nn_ops.conv2d(ember.randn(1, 1, 3, 3), ember.randn(1, 1, 2, 2, requires_grad=True)).grad_fn.name() == \
        "ConvolutionBackward0"


def test_embedding_max_norm_renormalises_rows_in_place_like_torch():
    w0 = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32) * 3
    ew, tw = ember.tensor(w0), torch.tensor(w0)
    idx = [0, 2, 2]
    eo = nn_ops.embedding(ember.tensor(idx), ew, max_norm=1.0)
    to = torch.nn.functional.embedding(torch.tensor(idx), tw, max_norm=1.0)
    np.testing.assert_allclose(eo.numpy(), to.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ew.numpy(), tw.numpy(), rtol=1e-6)
    assert ew._version == 1


def test_circular_pad_matches_torch():
    x = np.arange(10.0).reshape(1, 2, 5)
    np.testing.assert_array_equal(nn_ops.pad(ember.tensor(x), (2, 1), mode="circular").numpy(),
                                  torch.nn.functional.pad(torch.tensor(x), (2, 1), mode="circular").numpy())
