"""TensorDataset, Subset, ConcatDataset and random_split."""
import pytest
import torch

import ember
from ember.utils.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split


def test_tensor_dataset_indexing_and_validation():
    x, y = ember.arange(12.0).reshape(6, 2), ember.arange(6)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8.0, 9.0] and yi.item() == 4
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(x, ember.arange(5))
    with pytest.raises(TypeError, match="takes tensors"):
        TensorDataset([1, 2])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(ember.tensor(1.0))


def test_subset_and_concat():
    ds = TensorDataset(ember.arange(10))
    sub = Subset(ds, [7, 2, 5])
    assert len(sub) == 3 and sub[0][0].item() == 7 and sub[-1][0].item() == 5
    cat = ConcatDataset([sub, TensorDataset(ember.arange(100, 102))])
    assert len(cat) == 5 and cat[3][0].item() == 100 and cat[-1][0].item() == 101
    assert len(sub + sub) == 6
    with pytest.raises(ValueError, match="should not exceed"):
        cat[-6]


def test_random_split_lengths_fractions_and_seed():
    ds = TensorDataset(ember.arange(10))
    a, b = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(0))
    ia, ib = sorted(a.indices), sorted(b.indices)
    assert len(a) == 7 and len(b) == 3 and sorted(ia + ib) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=ember.Generator().manual_seed(0))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    tparts = torch.utils.data.random_split(range(11), [0.4, 0.4, 0.2])
    assert [len(p) for p in random_split(TensorDataset(ember.arange(11)), [0.4, 0.4, 0.2])] == [len(p) for p in tparts]
    with pytest.raises(ValueError, match="Sum of input lengths does not equal"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="not between 0 and 1"):
        random_split(ds, [1.5, -0.5])


def test_base_dataset_requires_getitem():
    with pytest.raises(NotImplementedError, match="must implement __getitem__"):
        Dataset()[0]
