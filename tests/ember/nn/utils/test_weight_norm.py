"""``weight_norm`` and ``spectral_norm`` against PyTorch's: state dict keys, outputs, gradients, power iteration
in training only, and removal."""
import warnings

import numpy as np
import pytest
import torch

import ember

W = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])


def _pair(make, apply, **kw):
    out = []
    for m in (ember, torch):
        mod = make(m)
        with m.no_grad():
            for p in mod.parameters():
                p.copy_(m.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            getattr(m.nn.utils, apply)(mod, **kw)
        out.append(mod)
    return out


def _copy_buffers(e, t):
    for name, b in t.named_buffers():
        getattr(e, name).copy_(ember.tensor(b.numpy()))


@pytest.mark.parametrize("make,kw", [(lambda m: m.nn.Linear(3, 2), {}), (lambda m: m.nn.Linear(3, 2), {"dim": None}),
                                     (lambda m: m.nn.Conv2d(2, 3, 2), {"dim": 1})])
def test_weight_norm_matches_torch(make, kw):
    e, t = _pair(make, "weight_norm", **kw)
    assert list(e.state_dict()) == list(t.state_dict())
    x = np.random.default_rng(0).standard_normal((2, 3) if isinstance(t, torch.nn.Linear) else (1, 2, 4, 4))
    ey, ty = e(ember.tensor(x, dtype=ember.float32)), t(torch.tensor(x, dtype=torch.float32))
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    ey.sum().backward()
    ty.sum().backward()
    for name in ("weight_g", "weight_v"):
        np.testing.assert_allclose(getattr(e, name).grad.numpy(), getattr(t, name).grad.numpy(), rtol=1e-4, atol=1e-6)
    ember.nn.utils.remove_weight_norm(e)
    torch.nn.utils.remove_weight_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())
    np.testing.assert_allclose(e.weight.detach().numpy(), t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda m: m.nn.Linear(3, 2), lambda m: m.nn.Conv2d(2, 3, 2),
                                  lambda m: m.nn.ConvTranspose2d(2, 3, 2)])
def test_spectral_norm_matches_torch(make):
    e, t = _pair(make, "spectral_norm", n_power_iterations=2)
    assert list(e.state_dict()) == list(t.state_dict())
    _copy_buffers(e, t)                         # the random start vectors differ between the libraries
    x = np.random.default_rng(0).standard_normal((2, 3) if isinstance(t, torch.nn.Linear) else (1, 2, 4, 4))
    for train in (True, True, False):
        e.train(train)
        t.train(train)
        ey, ty = e(ember.tensor(x, dtype=ember.float32)), t(torch.tensor(x, dtype=torch.float32))
        np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(e.weight_u.numpy(), t.weight_u.numpy(), rtol=1e-4, atol=1e-6)
    ey.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(e.weight_orig.grad.numpy(), t.weight_orig.grad.numpy(), rtol=1e-4, atol=1e-5)
    ember.nn.utils.remove_spectral_norm(e)
    torch.nn.utils.remove_spectral_norm(t)
    assert list(e.state_dict()) == list(t.state_dict())


def test_misuse_is_refused():
    lin = ember.nn.Linear(2, 2)
    ember.nn.utils.spectral_norm(lin)
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        ember.nn.utils.spectral_norm(lin)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        ember.nn.utils.remove_weight_norm(lin)
    with pytest.warns(FutureWarning, match="weight_norm is deprecated"):
        ember.nn.utils.weight_norm(ember.nn.Linear(2, 2))
