"""The UCI optical-recognition handwritten digits (1797 8x8 images, 10 classes), as packaged by scikit-learn.

The file ``data/digits.csv.gz`` ships inside ember (source and licence: ``LICENSE-digits.txt``): one row per
image, 64 pixel values 0..16 then the label.
"""
import functools
import gzip
import os

import numpy as np

from .. import dtypes as _dt
from .._tensor import make

__all__ = ["load_digits"]

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.csv.gz")
N_SAMPLES = 1797


@functools.lru_cache(maxsize=1)
def _raw():
    with gzip.open(_PATH, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    if table.shape != (N_SAMPLES, 65):
        raise RuntimeError(f"ember's digits file is damaged: expected {N_SAMPLES}x65 values, got {table.shape}")
    images, labels = table[:, :64], table[:, 64].astype(np.int64)
    images.flags.writeable = labels.flags.writeable = False
    return images, labels


def _split_indices(labels, test_fraction, seed):
    """Stratified split: each digit's samples shuffled with ``seed``; ``round(test_fraction * count)`` to test."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        rng.shuffle(idx)
        k = int(round(test_fraction * len(idx)))
        test.append(idx[len(idx) - k:])
        train.append(idx[:len(idx) - k])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_digits(split="train", *, test_fraction=0.2, seed=0, flatten=True, normalize=True, dtype=None,
                as_dataset=False):
    """The 8x8 digits as ``(images, labels)`` tensors (or a ``TensorDataset`` with ``as_dataset=True``).

    Args:
        split: ``"train"``, ``"test"`` or ``"all"``. The split is stratified: for each digit its samples are
            shuffled with NumPy's PCG64 seeded by ``seed`` (independent of ``ember.manual_seed``) and the last
            ``round(test_fraction * count)`` go to the test set. Defaults give 1438 train / 359 test samples.
        test_fraction: share of each digit held out for ``"test"`` (0 to 1).
        seed: the split's seed; the same seed always gives the same split.
        flatten: images as ``(n, 64)`` rows (True) or ``(n, 1, 8, 8)`` for convolutions (False).
        normalize: scale pixels from 0..16 to [0, 1].
        dtype: the images' floating dtype (default: ``ember.get_default_dtype()``). Labels are int64.
    """
    if split not in ("train", "test", "all"):
        raise ValueError(f"split must be 'train', 'test' or 'all', got {split!r}")
    if not 0.0 <= test_fraction <= 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    images, labels = _raw()
    if split != "all":
        train, test = _split_indices(labels, test_fraction, seed)
        idx = train if split == "train" else test
        images, labels = images[idx], labels[idx]
    dt = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
    if not dt.is_floating_point:
        raise ValueError(f"dtype must be a floating-point dtype, got {dt}")
    x = (images / 16.0 if normalize else images).astype(dt.np)
    x = x.reshape(-1, 64) if flatten else x.reshape(-1, 1, 8, 8)
    X, y = make(np.ascontiguousarray(x)), make(labels.copy())
    if as_dataset:
        from ..utils.data import TensorDataset
        return TensorDataset(X, y)
    return X, y
