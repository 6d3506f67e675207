"""default_collate against PyTorch's for tensors, arrays, numbers, strings, dicts, tuples and namedtuples."""
from collections import namedtuple

import numpy as np
import pytest
import torch

import ember
from ember.utils.data import default_collate

Point = namedtuple("Point", "x y")


def _same(e, t):
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor) and str(e.dtype).split(".")[1] == str(t.dtype).split(".")[1]
        np.testing.assert_array_equal(e.numpy(), t.numpy())
    elif isinstance(t, dict):
        assert type(e) is type(t) and list(e) == list(t)
        for k in t:
            _same(e[k], t[k])
    elif isinstance(t, (list, tuple)):
        assert type(e) is type(t) and len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b)
    else:
        assert e == t


@pytest.mark.parametrize("make", [
    lambda lib: [lib.ones(2, 3) * i for i in range(4)],
    lambda lib: [np.full((2,), i, np.float32) for i in range(3)],
    lambda lib: [1.5, 2.5],
    lambda lib: [1, 2, 3],
    lambda lib: [True, False],
    lambda lib: [np.int32(3), np.int32(4)],
    lambda lib: ["a", "b"],
    lambda lib: [{"img": lib.zeros(2), "label": 1}, {"img": lib.ones(2), "label": 0}],
    lambda lib: [(lib.zeros(2), 1), (lib.ones(2), 0)],
    lambda lib: [[1, 2.0], [3, 4.0]],
    lambda lib: [Point(1, 2.0), Point(3, 4.0)],
    lambda lib: [("a", 1.5), ("b", 2.5)],           # strings inside samples stay a tuple
    lambda lib: [Point("a", 1), Point("b", 2)],
])
def test_default_collate_matches_pytorch(make):
    _same(default_collate(make(ember)), torch.utils.data.default_collate(make(torch)))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and "
                                           r"\[3\] at entry 1"):
        default_collate([ember.zeros(2), ember.zeros(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="batch must contain tensors"):
        default_collate([object(), object()])
