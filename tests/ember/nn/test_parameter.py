"""nn.Parameter: a leaf Tensor subclass that requires grad and shares its data's storage."""
import copy

import numpy as np
import pytest
import torch

import ember
from ember.nn import Parameter


def test_parameter_requires_grad_by_default_and_shares_storage():
    data = ember.tensor([1.0, 2.0])
    p = Parameter(data)
    assert isinstance(p, ember.Tensor) and p.requires_grad and p.is_leaf
    with ember.no_grad():
        p.mul_(3)
    assert data.tolist() == [3.0, 6.0]                  # same storage
    assert not Parameter(data, requires_grad=False).requires_grad


def test_parameter_repr_matches_pytorch():
    e = repr(Parameter(ember.tensor([1.0, 2.5])))
    t = repr(torch.nn.Parameter(torch.tensor([1.0, 2.5])))
    assert e == t.replace("torch", "ember")


def test_parameter_of_non_tensor_or_integer_data_is_refused():
    with pytest.raises(TypeError, match="must be a Tensor"):
        Parameter(np.ones(3))
    with pytest.raises(RuntimeError, match="floating point"):
        Parameter(ember.tensor([1, 2]))


def test_deepcopy_keeps_the_subclass_and_copies_data():
    p = Parameter(ember.ones(2))
    q = copy.deepcopy(p)
    assert type(q) is Parameter and q.requires_grad
    with ember.no_grad():
        q.add_(1)
    assert p.tolist() == [1.0, 1.0] and q.tolist() == [2.0, 2.0]


def test_empty_parameter():
    p = Parameter()
    assert p.shape == (0,) and p.requires_grad
