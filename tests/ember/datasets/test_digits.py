"""The shipped 8x8 digits: integrity of the file, the documented split, shapes and scaling."""
import hashlib
import os

import numpy as np
import pytest

import ember
from ember.datasets import digits, load_digits

SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


def test_file_is_the_documented_scikit_learn_file_with_its_licence():
    with open(digits._PATH, "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == SHA256
    with open(os.path.join(os.path.dirname(digits._PATH), "..", "LICENSE-digits.txt")) as f:
        note = f.read()
    assert SHA256 in note and "BSD 3-Clause" in note and "UCI" in note and "CC BY 4.0" in note


def test_split_sizes_disjointness_and_stratification():
    xa, ya = load_digits("all")
    xtr, ytr = load_digits("train")
    xte, yte = load_digits("test")
    assert xa.shape == (1797, 64) and len(ytr) == 1438 and len(yte) == 359
    assert np.bincount(ya.numpy()).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.bincount(yte.numpy()).tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    train, test = digits._split_indices(ya.numpy(), 0.2, 0)
    assert not set(train) & set(test) and sorted(set(train) | set(test)) == list(range(1797))
    np.testing.assert_array_equal(xte.numpy(), xa.numpy()[test])


def test_seed_changes_the_split_and_is_reproducible():
    a = load_digits("test", seed=0)[1].numpy()
    assert (load_digits("test", seed=0)[1].numpy() == a).all()
    ember.manual_seed(123)                               # the split does not depend on the global seed
    assert (load_digits("test", seed=0)[1].numpy() == a).all()
    assert not np.array_equal(load_digits("test", seed=1)[0].numpy(), load_digits("test", seed=0)[0].numpy())


def test_formats():
    x, y = load_digits("train", flatten=False, dtype=ember.float64)
    assert x.shape == (1438, 1, 8, 8) and x.dtype == ember.float64 and y.dtype == ember.int64
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    raw, _ = load_digits("all", normalize=False)
    assert float(raw.max()) == 16.0
    ds = load_digits("test", as_dataset=True)
    assert len(ds) == 359 and ds[0][0].shape == (64,)
    x[0, 0, 0, 0] = 5.0                                 # returned tensors are private copies
    assert float(load_digits("train", flatten=False)[0].max()) == 1.0


@pytest.mark.parametrize("kw,msg", [(dict(split="val"), "split must be"), (dict(test_fraction=1.5), "between 0 and 1"),
                                    (dict(dtype=ember.int32), "floating-point")])
def test_bad_arguments(kw, msg):
    with pytest.raises(ValueError, match=msg):
        load_digits(**kw)
