"""ParameterList and ParameterDict (registration, state_dict, list/dict API, repr) and Bilinear."""
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both


def _same_repr(e, t):
    assert repr(e).replace("ember", "torch") == repr(t)


def test_parameter_list_registers_converts_and_prints_like_pytorch():
    a = np.ones((2, 3), np.float32)
    e = nn.ParameterList([nn.Parameter(ember.tensor(a)), ember.zeros(3, dtype=ember.float64), 5,
                          nn.Parameter(ember.ones(2), requires_grad=False)])
    t = torch.nn.ParameterList([torch.nn.Parameter(torch.tensor(a)), torch.zeros(3, dtype=torch.float64), 5,
                                torch.nn.Parameter(torch.ones(2), requires_grad=False)])
    _same_repr(e, t)
    assert isinstance(e[1], nn.Parameter) and e[1].requires_grad and e[2] == 5
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()] == ["0", "1", "3"]
    assert list(e.state_dict()) == list(t.state_dict())
    holder, tholder = nn.Module(), torch.nn.Module()
    holder.params, tholder.params = e, t
    _same_repr(holder, tholder)
    assert len(list(holder.parameters())) == 3
    assert list(holder.state_dict()) == ["params.0", "params.1", "params.3"]
    sd = {k: ember.tensor(v.detach().numpy() + 1) for k, v in tholder.state_dict().items()}
    holder.load_state_dict(sd)
    np.testing.assert_array_equal(e[0].detach().numpy(), a + 1)


def test_parameter_list_list_api():
    pl = nn.ParameterList()
    assert repr(pl) == "ParameterList()" and len(pl) == 0
    pl.append(ember.ones(1))
    pl.extend([ember.zeros(2), ember.ones(3)])
    pl += [ember.ones(4)]
    assert len(pl) == 4 and [p.shape[0] for p in pl] == [1, 2, 3, 4]
    assert pl[-1].shape[0] == 4 and [p.shape[0] for p in pl[1:3]] == [2, 3]
    pl[0] = ember.full((5,), 2.0)
    assert isinstance(pl[0], nn.Parameter) and pl[0].shape[0] == 5
    with pytest.raises(IndexError):
        pl[4]
    with pytest.raises(TypeError, match="iterable"):
        pl.extend(ember.ones(2))
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(1)


def test_parameter_dict_registers_converts_and_prints_like_pytorch():
    e = nn.ParameterDict({"b": ember.ones(3), "a": nn.Parameter(ember.zeros(2, 2)), "c": "text"})
    t = torch.nn.ParameterDict({"b": torch.ones(3), "a": torch.nn.Parameter(torch.zeros(2, 2)), "c": "text"})
    _same_repr(e, t)                                         # a plain dict is taken in sorted key order
    assert list(e.keys()) == list(t.keys()) == ["a", "b", "c"]
    assert list(e.state_dict()) == list(t.state_dict()) == ["a", "b"]
    assert isinstance(e["b"], nn.Parameter) and e["c"] == "text"


def test_parameter_dict_dict_api():
    pd = nn.ParameterDict(OrderedDict([("z", ember.ones(1)), ("y", ember.ones(2))]))
    assert list(pd) == ["z", "y"]                             # an OrderedDict keeps its order
    pd.update([("x", ember.ones(3))])
    assert "x" in pd and len(pd) == 3 and pd.get("w") is None
    assert pd.setdefault("w", ember.ones(4)).shape[0] == 4
    assert pd.pop("z").shape[0] == 1 and "z" not in pd and "z" not in dict(pd.named_parameters())
    k, v = pd.popitem()
    assert k == "w" and v.shape[0] == 4
    both = pd | nn.ParameterDict({"q": ember.ones(5)})
    assert list(both) == ["y", "x", "q"] and list(pd) == ["y", "x"]
    assert list(pd.copy().values())[0] is pd["y"]
    del pd["y"]
    assert list(pd) == ["x"]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []
    with pytest.raises(TypeError, match="not a string"):
        pd[1] = ember.ones(1)
    with pytest.raises(ValueError, match="has length 3"):
        pd.update([("a", 1, 2)])


@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_pytorch(bias):
    e, t = nn.Bilinear(3, 4, 5, bias=bias), torch.nn.Bilinear(3, 4, 5, bias=bias)
    assert repr(e) == repr(t)
    rng = np.random.default_rng(1)
    run_both(e, t, [rng.standard_normal((6, 3)), rng.standard_normal((6, 4))])
    run_both(e, t, [rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 4))])
    bound = 1 / np.sqrt(3)
    w = nn.Bilinear(3, 4, 50).weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound      # U(-1/sqrt(in1), 1/sqrt(in1))
