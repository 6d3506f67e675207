"""Module hooks against PyTorch: full backward hooks (Grad-CAM style), backward pre-hooks, forward hooks with
kwargs, ``prepend`` and ``always_call``."""
import numpy as np
import pytest
import torch

import ember


def _net(m):
    net = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.ReLU(), m.nn.Linear(3, 2))
    with m.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(m.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 3)
    return net


def _np(t):
    return None if t is None else t.detach().numpy()


def _backward_trace(m, input_requires_grad):
    net = _net(m)
    seen = []
    net[2].register_full_backward_pre_hook(lambda mod, go: seen.append(("pre", [_np(g) for g in go])))
    net[2].register_full_backward_hook(
        lambda mod, gi, go: seen.append(("full2", [_np(g) for g in gi], [_np(g) for g in go])))
    net[0].register_full_backward_hook(lambda mod, gi, go: seen.append(("full0", [_np(g) for g in gi])))
    x = m.linspace(-2, 2, 8).reshape(2, 4).requires_grad_(input_requires_grad)
    out = net(x)
    name = out.grad_fn.name()
    out.sum().backward()
    return name, seen, _np(net[0].weight.grad)


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")     # both warn when no input needs grad
@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_full_backward_hooks_see_pytorch_gradients(input_requires_grad):
    (en, es, ew), (tn, ts, tw) = _backward_trace(ember, input_requires_grad), _backward_trace(torch,
                                                                                             input_requires_grad)
    assert en == tn == "BackwardHookFunctionBackward"
    assert [e[0] for e in es] == [t[0] for t in ts]
    for e, t in zip(es, ts):
        for a, b in zip(e[1:], t[1:]):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert (x is None) == (y is None)
                if x is not None:
                    np.testing.assert_allclose(x, y, rtol=1e-6)
    np.testing.assert_allclose(ew, tw, rtol=1e-6)


@pytest.mark.parametrize("m", [ember, torch], ids=["ember", "torch"])
def test_backward_hooks_can_replace_gradients(m):
    lin = m.nn.Linear(2, 2)
    x = m.ones(1, 2, requires_grad=True)
    h = lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] * 0 + 7,))
    lin(x).sum().backward()
    assert x.grad.tolist() == [[7.0, 7.0]]
    h.remove()
    x.grad = None
    lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 0,))
    lin(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]] and lin.weight.grad is not None


@pytest.mark.parametrize("m", [ember, torch], ids=["ember", "torch"])
def test_forward_hooks_with_kwargs_prepend_and_always_call(m):
    class Scale(m.nn.Module):
        def forward(self, x, k=1.0):
            if k < 0:
                raise ValueError("negative")
            return x * k

    mod, order = Scale(), []
    mod.register_forward_pre_hook(lambda s, a, kw: (a, {"k": kw.get("k", 1.0) * 2}), with_kwargs=True)
    mod.register_forward_hook(lambda s, a, kw, out: order.append(("kw", kw["k"])) or out + 1, with_kwargs=True)
    mod.register_forward_hook(lambda s, a, out: order.append("first"), prepend=True)
    assert mod(m.ones(1), k=3.0).tolist() == [7.0] and order == ["first", ("kw", 6.0)]
    called = []
    mod.register_forward_hook(lambda s, a, out: called.append(out), always_call=True)
    with pytest.raises(ValueError, match="negative"):
        mod(m.ones(1), k=-1.0)
    assert called == [None]
