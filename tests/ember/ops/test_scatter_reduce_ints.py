"""scatter_reduce and index_reduce on integer tensors: exact in their own dtype (int64 above 2**53, wrapping on
overflow, floor division for 'mean'), equal to PyTorch's on every device."""
import zlib

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, on_device

REDUCES = ["sum", "prod", "mean", "amax", "amin"]
INT_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]
BIG = 2 ** 60 + 1           # float64 rounds it to 2**60


def _both(fn, *arrays):
    """``fn(m, *tensors)`` through ember and torch; results as (dtype name, list)."""
    got = fn(ember, *(ember.tensor(a) for a in arrays))
    want = fn(torch, *(torch.tensor(a) for a in arrays))
    return (str(got.dtype).split(".")[1], got.tolist()), (str(want.dtype).split(".")[1], want.tolist())


def _values(rng, dtype, shape):
    info = np.iinfo(dtype)
    lo, hi = (info.min, info.max) if np.dtype(dtype).itemsize < 8 else (-BIG * 3, BIG * 3)
    return rng.integers(lo, hi, shape, dtype=np.int64, endpoint=True).astype(dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_ints_match_pytorch(device, dtype, reduce, include_self):
    # segments of 0 to 40 values per position, values spanning the dtype: sums and products overflow and wrap
    rng = np.random.default_rng(zlib.crc32(f"{dtype}{reduce}{include_self}".encode()))
    x, src = _values(rng, dtype, (6, 5)), _values(rng, dtype, (40, 5))
    index = rng.choice([0, 0, 0, 1, 2, 2, 4, 5], size=(40, 5))
    index[:, 3] = 3                                               # one column piles 40 values on one position
    with on_device(device):
        for dim, idx, s in ((0, index, src), (1, index[:6, :2] % 5, src[:6, :3])):
            got, want = _both(lambda m, a, i, b: m.scatter_reduce(a, dim, i, b, reduce, include_self=include_self),
                              x, idx, s)
            assert got == want, (dim, reduce, include_self)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_int64_above_2_pow_53_is_exact(device, reduce, include_self):
    x = np.array([BIG, -BIG, 7, BIG + 2], np.int64)
    src = np.array([BIG, 3, -BIG - 4, BIG + 6, 2 ** 62 + 3, 1], np.int64)
    index = np.array([0, 0, 1, 1, 2, 3])
    with on_device(device):
        got, want = _both(lambda m, a, i, b: m.scatter_reduce(a, 0, i, b, reduce, include_self=include_self),
                          x, index, src)
    assert got == want
    if reduce == "amax" and not include_self:
        assert got == ("int64", [BIG, BIG + 6, 2 ** 62 + 3, 1])     # float64 would give 2**60 first


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["uint8", "int32", "int64"])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_ints_match_pytorch(device, dtype, reduce, include_self):
    rng = np.random.default_rng(7)
    x, source = _values(rng, dtype, (4, 3)), _values(rng, dtype, (4, 5))
    with on_device(device):
        got, want = _both(lambda m, a, i, b: m.index_reduce(a, 1, i, b, reduce, include_self=include_self),
                          x, np.array([2, 0, 2, 2, 1]), source)
    assert got == want


@pytest.mark.parametrize("device", DEVICES)
def test_ints_with_an_empty_index_keep_the_input(device):
    with on_device(device):
        x = ember.tensor([BIG, 2], dtype=ember.int64)
        r = ember.scatter_reduce(x, 0, ember.tensor([], dtype=ember.int64), ember.tensor([], dtype=ember.int64),
                                 "prod", include_self=False)
        assert r.tolist() == [BIG, 2] and r.dtype == ember.int64
