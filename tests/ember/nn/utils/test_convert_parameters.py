"""parameters_to_vector / vector_to_parameters."""
import pytest

import ember
import ember.nn as nn
from ember.nn.utils import parameters_to_vector, vector_to_parameters


def test_round_trip_and_gradient():
    m = nn.Linear(3, 2)
    vec = parameters_to_vector(m.parameters())
    assert vec.shape == (8,) and vec.requires_grad
    (vec * 2).sum().backward()
    assert m.weight.grad.tolist() == [[2.0] * 3] * 2
    vector_to_parameters(ember.arange(8.0), m.parameters())
    assert m.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and m.bias.tolist() == [6.0, 7.0]
    with pytest.raises(RuntimeError, match="expected a 1-D vector of 8 elements"):
        vector_to_parameters(ember.zeros(7), m.parameters())
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        vector_to_parameters([0.0] * 8, m.parameters())
