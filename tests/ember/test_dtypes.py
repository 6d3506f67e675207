"""dtypes and PyTorch's type promotion: tensors with dims, zero-dim tensors and Python scalars."""
import itertools

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _make(lib, name, zero_dim):
    shape = () if zero_dim else (3,)
    arr = np.ones(shape, dtype=np.bool_ if name == "bool" else name)
    return lib.tensor(arr)


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
@pytest.mark.parametrize("zero_a,zero_b", [(False, False), (True, False), (False, True), (True, True)])
def test_tensor_tensor_promotion_matches_torch(a, b, zero_a, zero_b):
    want = (_make(torch, a, zero_a) * _make(torch, b, zero_b)).dtype
    got = (_make(ember, a, zero_a) * _make(ember, b, zero_b)).dtype
    assert got.name == str(want).split(".")[1]
    assert ember.result_type(_make(ember, a, zero_a), _make(ember, b, zero_b)) is got


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("scalar", [True, 2, 2.5])
@pytest.mark.parametrize("zero_dim", [False, True])
def test_tensor_scalar_promotion_matches_torch(a, scalar, zero_dim):
    want = (_make(torch, a, zero_dim) * scalar).dtype
    got = (_make(ember, a, zero_dim) * scalar).dtype
    assert got.name == str(want).split(".")[1]
    # reflected operators promote the same way
    assert (scalar * _make(ember, a, zero_dim)).dtype is got


def test_documented_examples():
    assert (ember.tensor([1, 2]) * 2.5).dtype is ember.float32
    assert (ember.tensor([1.0], dtype=ember.float16) + 1.5).dtype is ember.float16
    assert (ember.tensor([True]) + 1).dtype is ember.int64
    assert (ember.tensor([1, 2]) / ember.tensor([2, 2])).dtype is ember.float32
    assert (ember.tensor([1.0]) + ember.tensor(1.0, dtype=ember.float64)).dtype is ember.float32
    assert (ember.tensor([1]) + ember.tensor(1.5, dtype=ember.float64)).dtype is ember.float64


def test_aliases_and_attributes():
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.long is ember.int64
    assert ember.half is ember.float16 and ember.int is ember.int32
    assert ember.float32.is_floating_point and not ember.int64.is_floating_point
    assert repr(ember.float32) == "ember.float32" and ember.float64.itemsize == 8
    assert ember.promote_types(ember.int64, ember.float16) is ember.float16
    assert ember.promote_types(ember.uint8, ember.int8) is ember.int16


def test_default_dtype_switch():
    ember.set_default_dtype(ember.float64)
    try:
        assert ember.tensor([1.5]).dtype is ember.float64
        assert (ember.tensor([1]) * 0.5).dtype is ember.float64
        assert ember.zeros(2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError, match="floating-point"):
        ember.set_default_dtype(ember.int64)


def test_unsupported_dtypes_are_clear_errors():
    with pytest.raises(TypeError, match="complex|supported"):
        ember.tensor(np.ones(2, np.complex64))
    with pytest.raises(TypeError, match="unsupported dtype"):
        ember.zeros(2, dtype="complex64")


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    e, t = ember.finfo(getattr(ember, name)), torch.finfo(getattr(torch, name))
    assert (e.eps, e.max, e.min, e.tiny, e.bits) == (t.eps, t.max, t.min, t.tiny, t.bits)
    assert e.resolution == pytest.approx(t.resolution)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    e, t = ember.iinfo(getattr(ember, name)), torch.iinfo(getattr(torch, name))
    assert (e.min, e.max, e.bits) == (t.min, t.max, t.bits)
    with pytest.raises(TypeError):
        ember.iinfo(ember.float32)
