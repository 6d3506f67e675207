"""Embedding: lookup, padding_idx (zero row, no gradient), from_pretrained, initialisation, repr."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both


@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=1), dict(padding_idx=-1)])
def test_embedding_matches_pytorch(kw):
    idx = np.array([[0, 1, 4], [4, 4, 2]])
    run_both(nn.Embedding(5, 3, **kw), torch.nn.Embedding(5, 3, **kw), [idx])
    assert repr(nn.Embedding(5, 3, **kw)) == repr(torch.nn.Embedding(5, 3, **kw))


def test_embedding_init_padding_row_and_errors():
    ember.manual_seed(0)
    e = nn.Embedding(1000, 50, padding_idx=3)
    w = e.weight.detach().numpy()
    assert not w[3].any()
    rest = np.delete(w, 3, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01          # N(0, 1), as PyTorch
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(IndexError, match="index out of range"):
        nn.Embedding(5, 2)(ember.tensor([5]))


def test_from_pretrained_freezes_by_default():
    w = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    e = nn.Embedding.from_pretrained(w)
    assert not e.weight.requires_grad and e(ember.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(w, freeze=False).weight.requires_grad
