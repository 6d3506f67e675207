"""DataLoader: batching, seeded shuffling, drop_last, collate_fn, samplers, len, iterating twice."""
import numpy as np
import pytest

import ember
from ember.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset, RandomSampler, SequentialSampler,
                              Subset, SubsetRandomSampler, TensorDataset)

X, Y = ember.arange(20.0).reshape(10, 2), ember.arange(10)


def _labels(loader):
    return [b[1].tolist() for b in loader]


def test_sequential_batches_and_len():
    dl = DataLoader(TensorDataset(X, Y), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dl = DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)
    assert len(dl) == 2 and _labels(dl) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_is_seeded_new_each_pass_and_a_permutation():
    g = ember.Generator().manual_seed(0)
    dl = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=g)
    first, second = _labels(dl), _labels(dl)
    assert sorted(sum(first, [])) == list(range(10)) and first != second          # iterating twice works
    again = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True, generator=ember.Generator().manual_seed(0))
    assert _labels(again) == first
    ember.manual_seed(5)
    a = _labels(DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True))
    ember.manual_seed(5)
    assert _labels(DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True)) == a        # default generator


def test_fast_path_gives_the_same_batches_as_per_sample_collation():
    ds = TensorDataset(X, Y)
    sub = Subset(ds, [9, 3, 4, 0, 7])
    fast = [tuple(t.tolist() for t in b) for b in DataLoader(sub, batch_size=2)]
    slow = [tuple(t.tolist() for t in b) for b in DataLoader(sub, batch_size=2, collate_fn=lambda s: tuple(
        ember.stack([x[i] for x in s]) for i in range(2)))]
    assert fast == slow and fast[0][1] == [9, 3]


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": np.float32(i), "sq": i * i}


def test_custom_dataset_collate_fn_and_no_batching():
    batches = list(DataLoader(Squares(), batch_size=2))
    assert batches[0]["sq"].tolist() == [0, 1] and batches[0]["x"].dtype == ember.float32
    assert list(DataLoader(Squares(), batch_size=2, collate_fn=len)) == [2, 2, 1]
    unbatched = list(DataLoader(Squares(), batch_size=None))
    assert len(unbatched) == 5 and unbatched[2] == {"x": np.float32(2), "sq": 4}


def test_samplers():
    dl = DataLoader(TensorDataset(X, Y), batch_size=2, sampler=SubsetRandomSampler([1, 3, 5], ember.Generator()))
    assert sorted(sum(_labels(dl), [])) == [1, 3, 5]
    bs = BatchSampler(SequentialSampler(range(5)), 2, drop_last=False)
    assert list(bs) == [[0, 1], [2, 3], [4]] and len(bs) == 3
    dl = DataLoader(TensorDataset(X, Y), batch_sampler=[[0, 9], [5]])
    assert _labels(dl) == [[0, 9], [5]]
    rs = RandomSampler(range(4), replacement=True, num_samples=10, generator=ember.Generator().manual_seed(1))
    draws = list(rs)
    assert len(draws) == len(rs) == 10 and set(draws) <= {0, 1, 2, 3}
    more = list(RandomSampler(range(4), num_samples=6, generator=ember.Generator().manual_seed(2)))
    assert len(more) == 6 and set(more[:4]) == {0, 1, 2, 3} and max(np.bincount(more)) <= 2   # a full pass first


class Stream(IterableDataset):
    def __iter__(self):
        return iter(range(7))

    def __len__(self):
        return 7


def test_iterable_dataset():
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(DataLoader(Stream(), batch_size=3, drop_last=True)) == 2
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Stream(), shuffle=True)


@pytest.mark.parametrize("kw,msg", [
    (dict(sampler=[0, 1], shuffle=True), "mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
    (dict(num_workers=-1), "num_workers option should be non-negative"),
    (dict(batch_size=0), "batch_size should be a positive integer"),
])
def test_option_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        DataLoader(TensorDataset(X, Y), **kw)


def test_num_workers_is_accepted_and_loads_in_process():
    assert _labels(DataLoader(TensorDataset(X, Y), batch_size=5, num_workers=2)) == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]


def test_weighted_random_sampler_draws_by_weight():
    from ember.utils.data import WeightedRandomSampler
    ws = WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=ember.Generator().manual_seed(0))
    draws = list(ws)
    assert len(ws) == len(draws) == 400 and all(isinstance(i, int) for i in draws)
    counts = np.bincount(draws, minlength=3)
    assert counts[0] == 0 and 2.2 < counts[2] / counts[1] < 4.0
    once = list(WeightedRandomSampler(ember.tensor([1.0, 1.0, 1.0]), 3, replacement=False,
                                      generator=ember.Generator().manual_seed(1)))
    assert sorted(once) == [0, 1, 2]
    dl = DataLoader(TensorDataset(X, Y), batch_size=4, sampler=WeightedRandomSampler([1.0] * 10, 8))
    assert [len(b) for b in _labels(dl)] == [4, 4]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], 0)


def test_get_worker_info_is_none_in_the_loading_process():
    from ember.utils.data import get_worker_info
    assert get_worker_info() is None
    # PyTorch 2.6's in_order: batches from one loading process come in order either way
    assert _labels(DataLoader(TensorDataset(X, Y), batch_size=5, num_workers=2, in_order=False)) == \
        [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
