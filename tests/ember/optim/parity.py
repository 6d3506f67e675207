"""Train the same tiny model with an ember optimiser and its PyTorch twin; compare parameters every step."""
import numpy as np
import torch

import ember

TOL = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)}


def make_params(lib, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s).astype(dtype) for s in [(4, 3), (4,), (2, 4), (2,)]]
    if lib is torch:
        return [torch.nn.Parameter(torch.tensor(a)) for a in arrays]
    return [ember.nn.Parameter(ember.tensor(a)) for a in arrays]


def loss_fn(lib, p, x):
    h = lib.tanh(x @ p[0].T + p[1])
    return ((h @ p[2].T + p[3]) ** 2).mean()


def compare_training(ember_cls, torch_cls, kwargs, dtype="float64", steps=10, groups=None, frozen=(), schedule=None):
    """``groups``: list of (param indices, options) for parameter groups; ``frozen``: params whose grad stays None."""
    ep, tp = make_params(ember, dtype), make_params(torch, dtype)

    def build(cls, ps):
        if groups is None:
            return cls(ps, **kwargs)
        return cls([dict(params=[ps[i] for i in idx], **opts) for idx, opts in groups], **kwargs)
    eo, to = build(ember_cls, ep), build(torch_cls, tp)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(dtype)
    ex, tx = ember.tensor(x), torch.tensor(x)
    for step in range(steps):
        eo.zero_grad()
        to.zero_grad()
        loss_fn(ember, ep, ex).backward()
        loss_fn(torch, tp, tx).backward()
        for i in frozen:
            ep[i].grad = None
            tp[i].grad = None
        eo.step()
        to.step()
        if schedule is not None:
            schedule(eo, to)
        for i, (e, t) in enumerate(zip(ep, tp)):
            np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), err_msg=f"step {step} param {i}",
                                       **TOL[dtype])
    return eo, to, ep, tp
