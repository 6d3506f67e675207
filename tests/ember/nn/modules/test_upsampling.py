"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle against PyTorch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(3)
UPSAMPLE = [dict(scale_factor=2), dict(size=(7, 5)), dict(scale_factor=(1.5, 0.7), mode="bilinear"),
            dict(size=9, mode="bicubic", align_corners=True), dict(scale_factor=1.3, mode="nearest-exact"),
            dict(scale_factor=1.7, mode="bilinear", recompute_scale_factor=True)]


@pytest.mark.parametrize("kw", UPSAMPLE, ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_upsample_matches_pytorch(kw):
    e, t = nn.Upsample(**kw), torch.nn.Upsample(**kw)
    run_both(e, t, [RNG.standard_normal((2, 3, 4, 6))])
    assert repr(e) == repr(t)


def test_upsample_1d_linear():
    run_both(nn.Upsample(scale_factor=2.5, mode="linear"), torch.nn.Upsample(scale_factor=2.5, mode="linear"),
             [RNG.standard_normal((2, 3, 5))])


@pytest.mark.parametrize("cls", ["UpsamplingNearest2d", "UpsamplingBilinear2d"])
@pytest.mark.parametrize("kw", [dict(scale_factor=2), dict(size=(5, 9))])
def test_legacy_upsampling_layers(cls, kw):
    e, t = getattr(nn, cls)(**kw), getattr(torch.nn, cls)(**kw)
    run_both(e, t, [RNG.standard_normal((1, 2, 3, 4))])
    assert repr(e) == repr(t)


@pytest.mark.parametrize("r", [2, 3])
def test_pixel_shuffle_round_trip(r):
    x = RNG.standard_normal((2, 2 * r * r, 3, 4))
    run_both(nn.PixelShuffle(r), torch.nn.PixelShuffle(r), [x])
    run_both(nn.PixelUnshuffle(r), torch.nn.PixelUnshuffle(r), [RNG.standard_normal((2, 2, 3 * r, 2 * r))])
    e = nn.PixelUnshuffle(r)(nn.PixelShuffle(r)(ember.tensor(x)))
    np.testing.assert_array_equal(e.numpy(), x)
    assert repr(nn.PixelShuffle(r)) == repr(torch.nn.PixelShuffle(r))
    assert repr(nn.PixelUnshuffle(r)) == repr(torch.nn.PixelUnshuffle(r))
