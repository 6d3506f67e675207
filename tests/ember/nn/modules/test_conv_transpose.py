"""ConvTranspose1d and ConvTranspose2d against PyTorch: weights, outputs, gradients, output_size, init, repr."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import TOL, run_both

RNG = np.random.default_rng(2)
CASES2D = [dict(), dict(stride=2, padding=1, output_padding=1), dict(stride=(2, 3), dilation=2, output_padding=(1, 2)),
           dict(groups=2, bias=False), dict(padding=(1, 2), dilation=(1, 2), groups=2, stride=2)]


def _ids(kw):
    return ",".join(f"{k}={v}" for k, v in kw.items()) or "default"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CASES2D, ids=_ids)
def test_conv_transpose2d_matches_pytorch(dtype, kw):
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else TOL[dtype]
    run_both(nn.ConvTranspose2d(4, 6, 3, **kw), torch.nn.ConvTranspose2d(4, 6, 3, **kw),
             [RNG.standard_normal((2, 4, 5, 4))], dtype, tol=tol)


@pytest.mark.parametrize("kw", [dict(), dict(stride=3, padding=1, output_padding=2), dict(groups=3, dilation=2)])
def test_conv_transpose1d_matches_pytorch(kw):
    run_both(nn.ConvTranspose1d(3, 6, 3, **kw), torch.nn.ConvTranspose1d(3, 6, 3, **kw),
             [RNG.standard_normal((2, 3, 7))])


def test_unbatched_conv_transpose():
    run_both(nn.ConvTranspose2d(2, 3, 2, stride=2), torch.nn.ConvTranspose2d(2, 3, 2, stride=2),
             [RNG.standard_normal((2, 4, 3))])


@pytest.mark.parametrize("size", [(9, 10), (2, 6, 10, 11), (10, 12)])
def test_output_size_picks_the_output_padding(size):
    e, t = nn.ConvTranspose2d(4, 6, 3, stride=(2, 3), padding=1), torch.nn.ConvTranspose2d(4, 6, 3, stride=(2, 3),
                                                                                           padding=1)
    e.to(ember.float64).load_state_dict({k: ember.tensor(v.double().numpy()) for k, v in t.state_dict().items()})
    x = RNG.standard_normal((2, 4, 5, 4))
    eo = e(ember.tensor(x), output_size=size)
    to = t.double()(torch.tensor(x), output_size=size)
    assert tuple(eo.shape) == tuple(to.shape) == (2, 6) + tuple(size[-2:])
    np.testing.assert_allclose(eo.detach().numpy(), to.detach().numpy(), **TOL["float64"])


def test_output_size_errors():
    e = nn.ConvTranspose2d(1, 1, 3, stride=2)
    with pytest.raises(ValueError, match="valid sizes range from"):
        e(ember.randn(1, 1, 4, 4), output_size=(11, 9))
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        e(ember.randn(1, 1, 4, 4), output_size=(9,))


def test_conv_transpose_reprs_match_pytorch():
    for kw in CASES2D:
        assert repr(nn.ConvTranspose2d(4, 6, 3, **kw)) == repr(torch.nn.ConvTranspose2d(4, 6, 3, **kw))
    assert repr(nn.ConvTranspose1d(3, 6, 5, stride=2, output_padding=1)) == repr(
        torch.nn.ConvTranspose1d(3, 6, 5, stride=2, output_padding=1))


def test_conv_transpose_shapes_and_default_init():
    ember.manual_seed(0)
    e, t = nn.ConvTranspose2d(8, 12, 3, groups=2), torch.nn.ConvTranspose2d(8, 12, 3, groups=2)
    assert tuple(e.weight.shape) == tuple(t.weight.shape) == (8, 6, 3, 3)
    assert tuple(e.bias.shape) == tuple(t.bias.shape) == (12,)
    bound = 1 / math.sqrt(6 * 3 * 3)               # fan_in is weight.size(1) * kernel for a transposed weight
    for name in ("weight", "bias"):
        assert np.abs(getattr(e, name).detach().numpy()).max() <= bound
        assert np.abs(getattr(t, name).detach().numpy()).max() <= bound
    ew = e.weight.detach().numpy()
    assert np.abs(ew).max() > 0.98 * bound


def test_conv_transpose_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.ConvTranspose2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect")
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        nn.ConvTranspose2d(1, 1, 3, output_padding=1)(ember.randn(1, 1, 3, 3))
