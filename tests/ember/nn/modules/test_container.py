"""Sequential, ModuleList and ModuleDict: indexing, slicing, mutation, registration and reprs."""
from collections import OrderedDict

import pytest
import torch

import ember
import ember.nn as nn


def test_sequential_forward_indexing_slicing_and_append():
    seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(seq) == 3 and isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear)
    x = ember.randn(5, 4)
    assert seq(x).shape == (5, 2)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert head(x).shape == (5, 3)
    seq.append(nn.Softmax(dim=1))
    assert len(seq) == 4 and list(seq._modules) == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="out of range"):
        seq[4]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and isinstance(seq[1], nn.Linear)
    seq[0] = nn.Linear(4, 3, bias=False)
    assert seq[0].bias is None
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "Softmax"]


def test_sequential_from_ordered_dict_keeps_names_and_matches_pytorch_repr():
    e = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 8, 3)), ("act", nn.ReLU()), ("pool", nn.MaxPool2d(2))]))
    t = torch.nn.Sequential(OrderedDict([("conv", torch.nn.Conv2d(1, 8, 3)), ("act", torch.nn.ReLU()),
                                         ("pool", torch.nn.MaxPool2d(2))]))
    assert repr(e) == repr(t)
    assert [n for n, _ in e.named_parameters()] == ["conv.weight", "conv.bias"]
    assert list(e[1:]._modules) == ["act", "pool"]


def test_module_list_registers_and_compresses_repr_like_pytorch():
    e = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    t = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(3)] + [torch.nn.ReLU()])
    assert repr(e) == repr(t)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert len(list(e.parameters())) == 6
    e.append(nn.Tanh())
    e += [nn.Sigmoid()]
    assert len(e) == 6 and isinstance(e[-1], nn.Sigmoid)
    assert isinstance(e[1:3], nn.ModuleList) and len(e[1:3]) == 2
    del e[0]
    assert list(e._modules) == ["0", "1", "2", "3", "4"]
    e.insert(0, nn.Identity())
    assert isinstance(e[0], nn.Identity) and len(e) == 6
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        e(ember.ones(1))
    with pytest.raises(TypeError, match="iterable"):
        e.extend(nn.Linear(1, 1))


def test_module_dict():
    d = nn.ModuleDict({"enc": nn.Linear(4, 2), "dec": nn.Linear(2, 4)})
    assert list(d) == ["enc", "dec"] and "enc" in d and len(d) == 2
    d["act"] = nn.ReLU()
    assert list(d.keys()) == ["enc", "dec", "act"]
    assert [n for n, _ in d.named_parameters()] == ["enc.weight", "enc.bias", "dec.weight", "dec.bias"]
    assert isinstance(d.pop("act"), nn.ReLU) and "act" not in d
    d.update([("x", nn.Tanh())])
    assert isinstance(d["x"], nn.Tanh)
    with pytest.raises(ValueError, match="should be a \\(key, module\\) pair"):
        d.update([nn.Tanh()])
    t = torch.nn.ModuleDict({"enc": torch.nn.Linear(4, 2), "dec": torch.nn.Linear(2, 4), "x": torch.nn.Tanh()})
    assert repr(d) == repr(t)
