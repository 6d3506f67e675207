"""interpolate, pixel_shuffle and pixel_unshuffle against torch.nn.functional (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests


def F(m):
    return torch.nn.functional if m is torch else ember.nn.functional


def _interp(name, shape, **kw):
    return Op(name, lambda m, x: F(m).interpolate(x, **kw), [shape])


# sizes chosen so indices land on PyTorch's edge cases: exact 2x (its shortcut), odd ratios, down-scaling, an axis kept
SPECS = [
    _interp("nearest_2x", (2, 3, 3, 4), scale_factor=2),
    _interp("nearest_size", (1, 2, 5, 7), size=(3, 11)),
    _interp("nearest_scale", (1, 2, 5, 7), scale_factor=(1.7, 0.6)),
    _interp("nearest_axis_kept", (1, 2, 5, 7), scale_factor=(1.1, 2.1)),
    _interp("nearest_recompute", (1, 2, 5, 7), scale_factor=1.7, recompute_scale_factor=True),
    _interp("nearest_1d", (2, 3, 7), scale_factor=2.5),
    _interp("nearest_1d_down", (2, 3, 9), size=4),
    _interp("nearest_exact", (1, 2, 5, 7), size=(8, 3)),
    _interp("nearest_exact_scale", (1, 2, 6, 5), scale_factor=(1.3, 2.0)),
    _interp("nearest_exact_1d", (2, 2, 7), scale_factor=0.7),
    _interp("linear", (2, 3, 6), size=11, mode="linear"),
    _interp("linear_ac", (2, 3, 6), scale_factor=1.6, align_corners=True, mode="linear"),
    _interp("linear_down", (2, 3, 9), scale_factor=0.4, mode="linear"),
    _interp("bilinear", (2, 2, 4, 5), scale_factor=2, mode="bilinear"),
    _interp("bilinear_ac", (2, 2, 4, 5), size=(7, 3), mode="bilinear", align_corners=True),
    _interp("bilinear_scale", (1, 2, 5, 6), scale_factor=(1.3, 0.7), mode="bilinear"),
    _interp("bilinear_recompute", (1, 2, 5, 6), scale_factor=1.3, mode="bilinear", recompute_scale_factor=True),
    _interp("bilinear_same_size", (1, 2, 5, 6), scale_factor=1.1, mode="bilinear"),
    _interp("bicubic", (1, 2, 4, 5), size=(9, 7), mode="bicubic"),
    _interp("bicubic_ac", (1, 2, 4, 5), scale_factor=2, mode="bicubic", align_corners=True),
    _interp("bicubic_down", (1, 2, 8, 7), scale_factor=(0.5, 0.6), mode="bicubic"),
    _interp("trilinear", (1, 2, 3, 4, 3), scale_factor=(2, 1.5, 1.0), mode="trilinear"),
    _interp("nearest_3d", (1, 2, 3, 5, 4), scale_factor=(1.4, 2.0, 0.7)),
    _interp("area", (2, 2, 6, 7), size=(4, 3), mode="area"),
    _interp("area_1d", (2, 2, 9), scale_factor=0.5, mode="area"),
    Op("pixel_shuffle", lambda m, x: F(m).pixel_shuffle(x, 2), [(2, 8, 3, 4), (12, 2, 3)]),
    Op("pixel_shuffle_batch_dims", lambda m, x: F(m).pixel_shuffle(x, 3), [(2, 3, 9, 2, 2)]),
    Op("pixel_unshuffle", lambda m, x: F(m).pixel_unshuffle(x, 2), [(2, 3, 4, 6), (1, 4, 2)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_interpolate_keeps_values_and_infinities_for_nearest():
    x = ember.tensor([[[1.0, float("inf"), -2.0]]])
    assert F(ember).interpolate(x, scale_factor=2).numpy().tolist() == [[[1.0, 1.0, np.inf, np.inf, -2.0, -2.0]]]
    ints = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)          # nearest modes take integer images too
    got = F(ember).interpolate(ember.tensor(ints), scale_factor=1.5)
    want = F(torch).interpolate(torch.tensor(ints), scale_factor=1.5)
    assert got.dtype == ember.uint8 and np.array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("kw,err", [
    (dict(size=4, scale_factor=2), ValueError),
    (dict(), ValueError),
    (dict(size=4, align_corners=True), ValueError),
    (dict(size=(4, 4, 4)), ValueError),
    (dict(size=4, mode="linear"), NotImplementedError),
    (dict(size=4, mode="trilinear"), NotImplementedError),
    (dict(size=4, mode="cubic"), NotImplementedError),
    (dict(size=4, recompute_scale_factor=True), ValueError),
])
def test_interpolate_argument_errors(kw, err):
    with pytest.raises(err):
        F(ember).interpolate(ember.randn(1, 1, 3, 3), **kw)
    with pytest.raises(err):
        F(torch).interpolate(torch.randn(1, 1, 3, 3), **kw)


def test_pixel_shuffle_errors():
    for m, x in ((ember, ember.randn(1, 6, 2, 2)), (torch, torch.randn(1, 6, 2, 2))):
        with pytest.raises(RuntimeError, match="divisible"):
            F(m).pixel_shuffle(x, 2)
        with pytest.raises(RuntimeError, match="divisible"):
            F(m).pixel_unshuffle(x[:, :, :, :1].expand(1, 6, 2, 3), 2)


@pytest.mark.parametrize("shape,kw", [((1, 2, 9), dict(scale_factor=1.1)),
                                      ((1, 1, 5, 7), dict(scale_factor=1.1, mode="bicubic"))])
def test_gradient_is_the_adjoint_where_pytorch_copies(shape, kw):
    # an axis keeping its size under a scale_factor: PyTorch's forward still resamples with 1/scale, but its
    # backward copies the gradient through; ember's backward stays the adjoint of the forward
    x = np.random.default_rng(0).standard_normal(shape)
    got = F(ember).interpolate(ember.tensor(x), **kw).numpy()
    np.testing.assert_allclose(got, F(torch).interpolate(torch.tensor(x), **kw).numpy(), rtol=1e-12, atol=1e-12)
    assert not np.allclose(got, x)
    assert ember.autograd.gradcheck(lambda t: F(ember).interpolate(t, **kw), [ember.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("shape,kw", [((1, 1, 4), dict(size=6)), ((1, 1, 4, 4), dict(size=6, mode="bilinear")),
                                      ((1, 1, 4, 4), dict(size=6, mode="nearest-exact")),
                                      ((1, 1, 2, 2, 2), dict(size=3, mode="trilinear"))])
def test_grad_fn_names_match_pytorch(shape, kw):
    e = F(ember).interpolate(ember.zeros(shape, requires_grad=True), **kw)
    t = F(torch).interpolate(torch.zeros(shape, requires_grad=True), **kw)
    assert e.grad_fn.name() == t.grad_fn.name()
