"""Run an ember module and its PyTorch twin on the same weights and inputs; compare outputs and gradients."""
import numpy as np
import torch

import ember

TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-11)}


def to_ember_state(torch_module):
    """A PyTorch state dict converted through NumPy (how a learner brings PyTorch weights into ember)."""
    return {k: ember.tensor(v.detach().cpu().numpy().copy()) for k, v in torch_module.state_dict().items()}


def run_both(e_mod, t_mod, inputs, dtype="float64", grad_seed=0, train=True, check_grads=True, tol=None,
             out_index=None):
    """Load ``t_mod``'s weights into ``e_mod``, run both on ``inputs`` (NumPy arrays; float ones get gradients),
    backpropagate the same random upstream gradient and assert everything matches. Returns the outputs."""
    tol = tol or TOL[dtype]
    t_mod = t_mod.to(getattr(torch, dtype))
    e_mod.to(getattr(ember, dtype))
    result = e_mod.load_state_dict(to_ember_state(t_mod))
    assert result.missing_keys == [] and result.unexpected_keys == []
    e_mod.train(train)
    t_mod.train(train)
    e_in, t_in = [], []
    for a in inputs:
        a = np.asarray(a)
        if a.dtype.kind == "f":
            a = a.astype(dtype)
            e_in.append(ember.tensor(a, requires_grad=check_grads))
            t_in.append(torch.tensor(a, requires_grad=check_grads))
        else:
            e_in.append(ember.tensor(a))
            t_in.append(torch.tensor(a))
    e_out, t_out = e_mod(*e_in), t_mod(*t_in)
    if out_index is not None:
        e_out, t_out = e_out[out_index], t_out[out_index]
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), **tol)
    assert tuple(e_out.shape) == tuple(t_out.shape)
    if not check_grads:
        return e_out, t_out
    g = np.random.default_rng(grad_seed).standard_normal(tuple(t_out.shape)).astype(dtype)
    (e_out * ember.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    for e, t in zip(e_in, t_in):
        if t.requires_grad:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), **tol)
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        tp = t_params[name]
        if tp.grad is None:
            assert p.grad is None, name
        else:
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), err_msg=name, **tol)
    for (name, b), (tname, tb) in zip(e_mod.named_buffers(), t_mod.named_buffers()):
        assert name == tname
        np.testing.assert_allclose(b.numpy(), tb.numpy(), err_msg=name, **tol)
    return e_out, t_out
