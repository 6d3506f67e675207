"""Conv1d and Conv2d against PyTorch: stride, padding (ints, 'same', 'valid', padding modes), dilation, groups."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import TOL, run_both

RNG = np.random.default_rng(1)
CASES2D = [dict(), dict(stride=2, padding=1), dict(padding="same", dilation=2), dict(padding="valid", bias=False),
           dict(groups=2, stride=(1, 2), padding=(2, 1)), dict(padding=1, padding_mode="reflect"),
           dict(padding="same", padding_mode="circular"), dict(padding=2, padding_mode="replicate")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", CASES2D, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()) or "default")
def test_conv2d_matches_pytorch(dtype, kw):
    x = RNG.standard_normal((2, 4, 7, 6))
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == "float32" else TOL[dtype]
    run_both(nn.Conv2d(4, 6, 3, **kw), torch.nn.Conv2d(4, 6, 3, **kw), [x], dtype, tol=tol)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=2, dilation=2), dict(groups=3, padding="same"),
                                dict(padding=1, padding_mode="circular")])
def test_conv1d_matches_pytorch(kw):
    run_both(nn.Conv1d(3, 6, 3, **kw), torch.nn.Conv1d(3, 6, 3, **kw), [RNG.standard_normal((2, 3, 9))])


def test_unbatched_conv2d():
    run_both(nn.Conv2d(2, 3, 2), torch.nn.Conv2d(2, 3, 2), [RNG.standard_normal((2, 5, 5))])


def test_conv_reprs_match_pytorch():
    for kw in CASES2D:
        assert repr(nn.Conv2d(4, 6, 3, **kw)) == repr(torch.nn.Conv2d(4, 6, 3, **kw))
    assert repr(nn.Conv1d(3, 6, 5, stride=2)) == repr(torch.nn.Conv1d(3, 6, 5, stride=2))


def test_conv_default_init_matches_pytorch():
    ember.manual_seed(0)
    e, t = nn.Conv2d(16, 32, 5), torch.nn.Conv2d(16, 32, 5)
    bound = 1 / math.sqrt(16 * 5 * 5)              # weight (kaiming_uniform_, a=sqrt(5)) and bias share it
    for name in ("weight", "bias"):
        ew, tw = getattr(e, name).detach().numpy(), getattr(t, name).detach().numpy()
        assert np.abs(tw).max() <= bound and np.abs(ew).max() <= bound
    ew = e.weight.detach().numpy()
    assert np.abs(ew).max() > 0.99 * bound
    assert abs(ew.std() - bound / math.sqrt(3)) < 0.03 * bound


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels must be divisible by groups"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="not supported for strided convolutions"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(1, 1, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="Invalid padding string"):
        nn.Conv2d(1, 1, 3, padding="full")
    with pytest.raises(ValueError, match="kernel_size must be an int or a 2-tuple"):
        nn.Conv2d(1, 1, (3, 3, 3))
