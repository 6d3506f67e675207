"""``Variable``, PyTorch's legacy wrapper: a Tensor sharing memory, as in PyTorch."""
import pytest
import torch

import ember
from ember.autograd import Variable


@pytest.mark.parametrize("m", [ember, torch], ids=["ember", "torch"])
def test_variable_is_a_tensor_sharing_memory(m):
    data = m.ones(2, 2)
    v = m.autograd.Variable(data, requires_grad=True)
    assert type(v) is m.Tensor and v.requires_grad and v.is_leaf
    assert isinstance(m.ones(1), m.autograd.Variable)
    (v * 3).sum().backward()
    assert v.grad.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    data.add_(1)
    assert v.data.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert not m.autograd.Variable(m.ones(1)).requires_grad


def test_variable_refuses_non_tensors():
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1.0])
