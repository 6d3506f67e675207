"""``ember.utils.data``: ``Dataset``, ``TensorDataset``, ``DataLoader``, samplers and ``random_split``, as in
``torch.utils.data``.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True, generator=ember.Generator().manual_seed(0))
    for xb, yb in loader: ...
"""
from ._collate import default_collate  # noqa: F401
from .dataloader import DataLoader  # noqa: F401
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split  # noqa: F401
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler)
from .dataloader import get_worker_info  # noqa: F401
