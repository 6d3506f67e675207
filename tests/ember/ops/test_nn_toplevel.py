"""PyTorch's top-level spellings of nn ops (``torch.conv2d``, ``torch.dropout(x, p, train)``...) against
PyTorch's, on every device (tests/ember/harness.py)."""
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests

SPECS = [
    Op("conv_pool", lambda m, x, w: [m.conv2d(x, w, padding=1), m.max_pool2d(x, 2), m.conv1d(x[:, :, 0], w[:, :, 0]),
                                     m.avg_pool1d(x[0], 2), m.adaptive_avg_pool1d(x[0], 3),
                                     m.conv_transpose2d(x, w.transpose(0, 1), stride=2)],
       [((1, 2, 4, 4), (3, 2, 3, 3))]),
    Op("distances", lambda m, x, y: [m.cosine_similarity(x, y), m.pairwise_distance(x, y), m.pdist(x)],
       [((4, 3), (4, 3))]),
    Op("activations", lambda m, x: [m.hardshrink(x, 0.3), m.threshold(x, 0.1, -1.0), m.celu(x), m.prelu(x, x[0, :1]),
                                    m.relu_(x * 1), m.sigmoid_(x * 1), m.tanh_(x * 1), m.selu_(x * 1),
                                    m.celu_(x * 1)], [(3, 4)]),
    Op("norms", lambda m, x, w: [m.layer_norm(x, (4,), w, w), m.group_norm(x, 2, w, w), m.rms_norm(x, (4,), w)],
       [((3, 4), (4,))]),
    Op("dropout_eval", lambda m, x: [m.dropout(x, 0.5, False), m.alpha_dropout(x, 0.5, False),
                                     m.feature_alpha_dropout(x, 0.2, False)], [(3, 4)]),
    # gradcheck cannot see that detach() and a padding row stop gradients on purpose: backward against torch only
    Op("embedding", lambda m, w: [m.embedding(w, m.tensor([[0, 2], [1, 1]])), m.embedding(w, m.tensor([1]), 1)],
       [(3, 4)], gradcheck=False),
    Op("aliases", lambda m, x, y: [m.clamp_min(x, 0.0), m.clamp_max(x, 0.1), m.detach(x) * y, m.greater(x, y),
                                   m.greater_equal(x, y), m.less(x, y), m.less_equal(x, y), m.row_stack([x, y])],
       [((3, 4), (3, 4))], gradcheck=False),
    Op("shuffles", lambda m, x: [m.pixel_shuffle(x, 2), m.pixel_unshuffle(m.pixel_shuffle(x, 2), 2),
                                 m.channel_shuffle(x, 2)], [(1, 8, 2, 2)]),
    Op("bilinear", lambda m, x, y, w: m.bilinear(x, y, w), [((3, 2), (3, 4), (5, 2, 4))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_queries_match_torch():
    for m in (ember, torch):
        assert m.is_same_size(m.ones(2, 3), m.zeros(2, 3)) and not m.is_same_size(m.ones(2), m.ones(3))
        assert m.is_signed(m.ones(1)) and not m.is_signed(m.ones(1, dtype=m.uint8))


def test_set_default_tensor_type_sets_the_default_dtype():
    try:
        with pytest.warns(UserWarning, match="set_default_tensor_type\\(\\) is deprecated"):
            ember.set_default_tensor_type(ember.DoubleTensor)
        assert ember.ones(1).dtype == ember.float64
        with pytest.warns(UserWarning):
            ember.set_default_tensor_type("torch.FloatTensor")
        assert ember.ones(1).dtype == ember.float32
        with pytest.raises(TypeError, match="only floating-point types"), pytest.warns(UserWarning):
            ember.set_default_tensor_type(ember.LongTensor)
    finally:
        ember.set_default_dtype(ember.float32)
        ember.set_default_device("cpu")
