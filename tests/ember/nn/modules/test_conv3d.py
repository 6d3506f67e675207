"""Conv3d and ConvTranspose3d against PyTorch: PyTorch's state_dict loads, outputs, gradients and reprs match."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import TOL, run_both

RNG = np.random.default_rng(5)
F32 = dict(rtol=2e-4, atol=2e-5)
CASES = [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=(1, 2, 1)), dict(padding="valid", bias=False),
         dict(groups=2, stride=(1, 2, 1), padding=(1, 0, 2)), dict(padding=1, padding_mode="reflect"),
         dict(padding=(0, 1, 1), padding_mode="circular"), dict(padding="same", padding_mode="replicate")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_conv3d_matches_pytorch(dtype, kw):
    x = RNG.standard_normal((2, 4, 5, 6, 5))
    run_both(nn.Conv3d(4, 6, 3, **kw), torch.nn.Conv3d(4, 6, 3, **kw), [x], dtype,
             tol=F32 if dtype == "float32" else TOL[dtype])
    assert repr(nn.Conv3d(4, 6, 3, **kw)) == repr(torch.nn.Conv3d(4, 6, 3, **kw))


def test_unbatched_conv3d():
    run_both(nn.Conv3d(2, 3, (2, 3, 1)), torch.nn.Conv3d(2, 3, (2, 3, 1)), [RNG.standard_normal((2, 4, 5, 3))])


def test_conv3d_default_init_matches_pytorchs_bounds():
    ember.manual_seed(0)
    e = nn.Conv3d(4, 8, 3)
    assert tuple(e.weight.shape) == (8, 4, 3, 3, 3) and tuple(e.bias.shape) == (8,)
    bound = 1 / math.sqrt(4 * 27)
    w = e.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(e.bias.detach().numpy()).max() <= bound


T_CASES = [dict(), dict(stride=2, padding=1, output_padding=1), dict(groups=2, dilation=(2, 1, 1), bias=False),
           dict(stride=(1, 2, 2), padding=(0, 1, 0), output_padding=(0, 1, 1))]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", T_CASES, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_conv_transpose3d_matches_pytorch(dtype, kw):
    x = RNG.standard_normal((2, 4, 3, 4, 3))
    run_both(nn.ConvTranspose3d(4, 6, 3, **kw), torch.nn.ConvTranspose3d(4, 6, 3, **kw), [x], dtype,
             tol=F32 if dtype == "float32" else TOL[dtype])
    assert repr(nn.ConvTranspose3d(4, 6, 3, **kw)) == repr(torch.nn.ConvTranspose3d(4, 6, 3, **kw))


def test_conv_transpose3d_output_size():
    e, t = nn.ConvTranspose3d(2, 3, 3, stride=2), torch.nn.ConvTranspose3d(2, 3, 3, stride=2)
    x = RNG.standard_normal((1, 2, 3, 3, 4))
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    out = e(ember.tensor(x, dtype=ember.float32), output_size=(8, 7, 10))
    want = t(torch.tensor(x, dtype=torch.float32), output_size=(8, 7, 10))
    assert tuple(out.shape) == (1, 3, 8, 7, 10)
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), **F32)
    with pytest.raises(ValueError, match="requested an output size"):
        e(ember.tensor(x, dtype=ember.float32), output_size=(9, 7, 10))
