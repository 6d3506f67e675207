"""``embedding_bag`` / ``nn.EmbeddingBag`` against PyTorch (tests/ember/harness.py): modes, offsets, 2-D bags,
empty bags, padding_idx, per-sample weights and gradients."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, nn_functional as F, op_tests

IDX = [1, 2, 4, 5, 4, 3, 2, 9, 0, 7]


def _bag(m, w, mode, offsets=(0, 4, 4, 7), **kw):
    return F(m).embedding_bag(m.tensor(IDX), w, m.tensor(list(offsets)), mode=mode, **kw)


SPECS = [
    Op("bag_sum", lambda m, w: _bag(m, w, "sum"), [(10, 3)]),
    Op("bag_mean", lambda m, w: _bag(m, w, "mean"), [(10, 3)]),
    Op("bag_max", lambda m, w: _bag(m, w, "max"), [(10, 3)]),
    Op("bag_last_offset", lambda m, w: _bag(m, w, "mean", offsets=(0, 3, 10), include_last_offset=True), [(10, 4)]),
    Op("bag_padding", lambda m, w: [_bag(m, w, "mean", padding_idx=4), _bag(m, w, "sum", padding_idx=-1),
                                    _bag(m, w, "max", padding_idx=2)], [(10, 3)]),
    Op("bag_2d", lambda m, w: [F(m).embedding_bag(m.tensor([[1, 2, 3], [4, 4, 0]]), w, mode=mode)
                               for mode in ("sum", "mean", "max")], [(5, 2)]),
    Op("bag_weights", lambda m, w, p: _bag(m, w, "sum", per_sample_weights=p), [((10, 3), (10,))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_module_matches_torch_and_refuses_what_torch_refuses():
    for m in (ember, torch):
        bag = m.nn.EmbeddingBag(10, 3, mode="max", padding_idx=0)
        assert repr(bag) == "EmbeddingBag(10, 3, mode='max', padding_idx=0)"
        assert bag.weight[0].abs().sum().item() == 0
        assert tuple(bag(m.tensor([1, 2, 3]), m.tensor([0, 2])).shape) == (2, 3)
        pre = m.nn.EmbeddingBag.from_pretrained(m.ones(4, 2), mode="sum")
        assert pre(m.tensor([[0, 1]])).tolist() == [[2.0, 2.0]] and not pre.weight.requires_grad
    w = ember.ones(10, 3)
    with pytest.raises(NotImplementedError, match="per_sample_weights is only supported for mode='sum'"):
        ember.nn.functional.embedding_bag(ember.tensor([1, 2]), w, ember.tensor([0]), mode="mean",
                                          per_sample_weights=ember.ones(2))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        ember.nn.functional.embedding_bag(ember.tensor([1, 2]), w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        ember.nn.functional.embedding_bag(ember.tensor([[1, 2]]), w, ember.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        ember.nn.functional.embedding_bag(ember.tensor([[1, 2]]), w, mode="min")
