"""``ember.autograd.functional`` (jacobian, vjp, jvp) against ``torch.autograd.functional``, on every device."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, as_numpy, on_device

X = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
Y = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])

CASES = {
    "one_to_one": (lambda m: lambda x: x ** 2 + x.sin(), (X,)),
    "many_to_one": (lambda m: lambda x, y: (x @ y).tanh(), (X, Y)),
    "one_to_many": (lambda m: lambda x: (x.exp(), x.sum()), (X,)),
    "many_to_many": (lambda m: lambda x, y: (x @ y, (x * 2).sum(1)), (X, Y)),
    "unused_input": (lambda m: lambda x, y: x * 3, (X, Y)),
}


def _flat(r):
    if isinstance(r, (tuple, list)):
        return [a for x in r for a in _flat(x)]
    return [as_numpy(r)]


def _call(m, name, how, device=None):
    fn, arrays = CASES[name]
    xs = [m.tensor(a) if m is torch else m.tensor(a, device=device) for a in arrays]
    args = tuple(xs) if len(xs) > 1 or name == "one_to_many" else xs[0]
    F = m.autograd.functional
    if how == "jacobian":
        return F.jacobian(fn(m), args if len(xs) > 1 else xs[0])
    if how == "vjp":
        outs = fn(m)(*xs)
        outs = outs if isinstance(outs, tuple) else (outs,)
        vs = tuple(o * 0 + 0.5 for o in outs)
        return F.vjp(fn(m), args if len(xs) > 1 else xs[0], vs if len(vs) > 1 else vs[0])
    vs = tuple(x * 0 + 0.25 for x in xs)
    return F.jvp(fn(m), args if len(xs) > 1 else xs[0], vs if len(vs) > 1 else vs[0])


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("how", ["jacobian", "vjp", "jvp"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name, how, device):
    with on_device(device) as dev:
        got = _flat(_call(ember, name, how, dev))
    want = _flat(_call(torch, name, how))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_inputs_are_not_touched_and_second_order_works():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    J = ember.autograd.functional.jacobian(lambda t: t * t, x)
    assert J.tolist() == [[2.0, 0.0], [0.0, 4.0]] and x.grad is None and not J.requires_grad
    H = ember.autograd.functional.hessian(lambda t: (t ** 3).sum(), x)
    assert H.tolist() == [[6.0, 0.0], [0.0, 12.0]] and x.grad is None and not H.requires_grad
    J = ember.autograd.functional.jacobian(lambda t: t * t, x, create_graph=True)
    assert J.requires_grad            # it keeps its graph to x: d(trace J)/dx = 2
    assert ember.autograd.grad(J.trace(), x)[0].tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="single element"):
        ember.autograd.functional.hessian(lambda t: t ** 3, x)
    with pytest.raises(RuntimeError, match="independent of an input"):
        ember.autograd.functional.jacobian(lambda a, b: a, (x, x.detach()), strict=True)
    with pytest.raises(RuntimeError, match="v can only be None"):
        ember.autograd.functional.vjp(lambda t: t * 2, x)
