"""Legacy typed constructors (``ember.FloatTensor`` ...) and ``typename``, against PyTorch's."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, on_device

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_constructors_match_torch(name):
    E, T = getattr(ember, name), getattr(torch, name)
    assert repr(E) == repr(T).replace("torch", "ember")
    for args in ([[1, 0, 2]], [np.array([1.0, 0.0, 3.0])], [2, 3], []):
        e, t = E(*args), T(*args)
        assert type(e) is ember.Tensor and str(e.dtype)[6:] == str(t.dtype)[6:] and tuple(e.shape) == tuple(t.shape)
        if args and not isinstance(args[0], int):
            assert e.tolist() == t.tolist()
    other = ember.float64 if name != "DoubleTensor" else ember.float32
    assert isinstance(ember.ones(1).to(E.dtype), E) and not isinstance(ember.ones(1, dtype=other), E)
    assert ember.zeros(2).type(E).dtype is E.dtype


def test_constructor_takes_a_tensor_of_its_dtype_only():
    x = ember.ones(2)
    assert ember.FloatTensor(x) is x
    with pytest.raises(TypeError, match="expected ember.int64"):
        ember.LongTensor(x)
    with pytest.raises(TypeError):
        torch.LongTensor(torch.ones(2))


def test_cuda_types_and_typename():
    assert repr(ember.cuda.FloatTensor) == "<class 'ember.cuda.FloatTensor'>"
    assert not isinstance(ember.ones(1), ember.cuda.FloatTensor)
    assert ember.typename(ember.ones(2)) == "ember.FloatTensor"
    assert ember.typename(ember.ones(2).long()) == "ember.LongTensor"
    assert ember.typename(3) == torch.typename(3) == "int"
    assert ember.typename(ember.nn.Linear(1, 1)) == "ember.nn.modules.linear.Linear"
    assert ember.typename(ember.nn.Linear) == "ember.nn.modules.linear.Linear"


@pytest.mark.parametrize("device", DEVICES)
def test_type_names_on_every_device(device):
    with on_device(device) as dev:
        x = ember.ones(2)
        gpu = ember.device(dev).type == "cuda"
        assert x.type() == ("ember.cuda.FloatTensor" if gpu else "ember.FloatTensor")
        assert isinstance(x, ember.cuda.FloatTensor) == gpu and isinstance(x, ember.FloatTensor) != gpu
        assert x.long().type(ember.FloatTensor).device.type == "cpu"
        if gpu:
            assert x.cpu().type(ember.cuda.DoubleTensor).device.type == "cuda"
