"""Special functions (ember/ops/special.py, kernels in _special_fns.py) against PyTorch (tests/ember/harness.py).

Tolerances: the harness's (float64: rtol 1e-9, atol 1e-10) except where PyTorch itself is less accurate: its
trigamma (polygamma n = 1, and so digamma's gradient) is good to about 5e-10 relative, ours to 1e-15.
"""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, UNARY_SHAPES, Op, assert_close, on_device, op_tests, positive, unit_interval

S = UNARY_SHAPES
TRIGAMMA_TOL = {"float64": dict(rtol=2e-8)}


def _off_poles(a, i):
    # spread over [-6, 6], away from the poles of lgamma/digamma at 0, -1, -2...
    a = a * 3
    near = (a < 0.3) & (np.abs(a - np.round(a)) < 0.15)
    return np.where(near, a + 0.35, a)


def _scale(k, shift=0.0):
    return lambda a, i: a * k + shift


SPECS = [
    Op("erfc", lambda m, x: m.erfc(x), S + [(200,)], domain=_scale(3)),
    Op("erfc_tail", lambda m, x: m.erfc(x), [(50,)], domain=_scale(4, 6), gradcheck=False),
    Op("erfinv", lambda m, x: m.erfinv(x), S + [(200,)], domain=unit_interval),
    Op("erfinv_tail", lambda m, x: m.erfinv(x), [(50,)], domain=lambda a, i: np.tanh(a * 3) * 0.999,
       tol={"float64": dict(rtol=1e-8)}, gradcheck=False),
    Op("lgamma", lambda m, x: m.lgamma(x), S + [(200,)], domain=_off_poles),
    Op("lgamma_large", lambda m, x: m.lgamma(x), [(50,)], domain=lambda a, i: np.abs(a) * 1e4 + 10),
    Op("digamma", lambda m, x: m.digamma(x), S + [(200,)], domain=_off_poles, tol=TRIGAMMA_TOL),
    Op("polygamma1", lambda m, x: m.polygamma(1, x), S[:2] + [(100,)], domain=_off_poles, tol=TRIGAMMA_TOL),
    Op("polygamma2", lambda m, x: m.polygamma(2, x), S[:2] + [(100,)], domain=_off_poles),
    Op("polygamma3_pos", lambda m, x: m.polygamma(3, x), [(100,)], domain=lambda a, i: np.abs(a) * 5 + 0.05),
    Op("polygamma6", lambda m, x: m.polygamma(6, x), [(40,)], domain=positive, tol={"float32": dict(rtol=3e-4)}),
    Op("polygamma0", lambda m, x: m.polygamma(0, x), [(30,)], domain=_off_poles, tol=TRIGAMMA_TOL),
    Op("polygamma_method", lambda m, x: x.polygamma(2), [(30,)], domain=positive),
    Op("mvlgamma", lambda m, x: m.mvlgamma(x, 3), S[:3], domain=lambda a, i: np.abs(a) + 1.2, tol=TRIGAMMA_TOL),
    Op("mvlgamma_method", lambda m, x: x.mvlgamma(p=1), [(10,)], domain=positive),
    Op("i0", lambda m, x: m.i0(x), S + [(200,)], domain=_scale(6)),
    Op("i0_large", lambda m, x: m.i0(x), [(100,)], domain=lambda a, i: a * 40, gradcheck=False,
       dtypes=("float64",)),
    Op("sinc", lambda m, x: m.sinc(x), S + [(100,)], domain=_scale(3)),
    Op("acosh", lambda m, x: m.acosh(x), S[:3], domain=lambda a, i: np.abs(a) + 1.1),
    Op("asinh", lambda m, x: m.asinh(x), S[:3]),
    Op("atanh", lambda m, x: m.atanh(x), S[:3], domain=unit_interval),
    Op("arccosh", lambda m, x: m.arccosh(x) + x.arcsinh() + m.arctanh(x * 0.1), [(5,)],
       domain=lambda a, i: np.abs(a) + 1.1),
    Op("deg2rad", lambda m, x: m.deg2rad(x * 90), S[:3]),
    Op("rad2deg", lambda m, x: x.rad2deg(), S[:3]),
    Op("sgn", lambda m, x: m.sgn(x) * x, S[:2]),
    # integer input: PyTorch's result is the default float dtype
    Op("int_inputs", lambda m, x: [m.lgamma((x * 4).long()), m.digamma((x * 4).abs().long() + 1),
                                   m.erfc(x.long()), m.i0((x * 5).long()), m.sinc(x.long()), m.erfinv(x.long() * 0),
                                   m.deg2rad((x * 90).long()), m.polygamma(1, x.abs().long() + 1),
                                   m.mvlgamma(x.abs().long() + 2, 2), m.sgn((x * 3).long())],
       [(20,)], grad=False, tol={"float64": dict(rtol=1e-6)}),   # float32 results: PyTorch's are less exact
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


INF, NAN = float("inf"), float("nan")
SPECIAL = {
    "lgamma": (lambda m, t: m.lgamma(t), [0.0, -0.0, -1.0, -2.0, -2.5, 1.0, 2.0, 0.5, 1e-300, 1e300, 171.6, INF,
                                          -INF, NAN]),
    "digamma": (lambda m, t: m.digamma(t), [0.0, -0.0, -1.0, -3.0, -2.5, 1.0, 1e-300, 1e300, 1.4616321449683622,
                                            INF, -INF, NAN]),
    "polygamma1": (lambda m, t: m.polygamma(1, t), [0.0, -0.0, -2.5, 1e-8, 1e10, INF, -INF, NAN]),
    "polygamma2": (lambda m, t: m.polygamma(2, t), [0.0, -1.0, -2.5, 1e-8, 1e10, INF, -INF, NAN]),
    "erfc": (lambda m, t: m.erfc(t), [0.0, -0.0, 1.0, -1.0, 5.0, 26.0, 27.0, 1e300, -1e300, INF, -INF, NAN]),
    "erfinv": (lambda m, t: m.erfinv(t), [0.0, -0.0, 1.0, -1.0, 1.5, -2.0, 0.5, 1e-300, INF, NAN]),
    "i0": (lambda m, t: m.i0(t), [0.0, -0.0, 1.0, -30.0, 30.0, 700.0, 800.0, INF, -INF, NAN]),
    "sinc": (lambda m, t: m.sinc(t), [0.0, -0.0, 1.0, -2.0, 0.5, 1e-300, 1e20, INF, NAN]),
}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_values(name, dtype, device):
    fn, values = SPECIAL[name]
    with on_device(device) as dev:
        got = fn(ember, ember.tensor(values, dtype=getattr(ember, dtype), device=dev))
        want = fn(torch, torch.tensor(values, dtype=getattr(torch, dtype)))
        assert str(got.dtype) == str(want.dtype).replace("torch", "ember")
        assert_close(got, want, dtype, None, name)


def test_known_values():
    x = ember.tensor([0.5, 1.0, 3.0, 10.0], dtype=ember.float64)
    np.testing.assert_allclose(ember.lgamma(x).numpy(), [0.5723649429247001, 0.0, 0.6931471805599453,
                                                         12.801827480081469], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ember.digamma(x).numpy()[1], -0.5772156649015329, rtol=1e-14)   # -Euler's gamma
    np.testing.assert_allclose(ember.polygamma(1, x).numpy()[1], np.pi ** 2 / 6, rtol=1e-14)
    np.testing.assert_allclose(ember.erfinv(ember.erf(x * 0.2)).numpy(), x.numpy() * 0.2, rtol=1e-13)
    np.testing.assert_allclose(ember.i0(x).numpy()[2], 4.880792585865024, rtol=1e-14)


def test_polygamma_and_mvlgamma_errors():
    x = ember.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="negative n"):
        ember.polygamma(-1, x)
    with pytest.raises(RuntimeError, match="non-negative int"):
        ember.polygamma(1.5, x)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.polygamma(1, 2.0)
    with pytest.raises(RuntimeError, match=r"greater than \(p-1\)/2"):
        ember.mvlgamma(x, 3)
    with pytest.raises(RuntimeError, match="greater than or equal to 1"):
        ember.mvlgamma(x, 0)


@pytest.mark.parametrize("name", ["erfc", "erfinv", "lgamma", "digamma", "i0", "sinc", "acosh", "asinh", "atanh",
                                  "deg2rad", "rad2deg", "sgn"])
def test_inplace_variants(name):
    a = np.array([0.3, 0.7, 1.5]) if name != "acosh" else np.array([1.3, 2.0, 5.0])
    if name == "atanh" or name == "erfinv":
        a = a / 2
    t = ember.tensor(a)
    r = getattr(t, name + "_")()
    assert r is t
    np.testing.assert_allclose(t.numpy(), getattr(torch, name)(torch.tensor(a)).numpy(), rtol=1e-12)
    if name in ("acosh", "asinh", "atanh", "sgn"):
        return                                # PyTorch has no derivative for these in place (sgn_: a ZeroTensor)
    leaf = ember.tensor(a, requires_grad=True)
    y = leaf * 1.0
    getattr(y, name + "_")()
    y.sum().backward()
    tl = torch.tensor(a, requires_grad=True)
    getattr(tl * 1.0, name + "_")().sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tl.grad.numpy(), rtol=1e-9)


def test_polygamma_inplace_and_method():
    t = ember.tensor([0.5, 2.0])
    t.polygamma_(1)
    np.testing.assert_allclose(t.numpy(), torch.tensor([0.5, 2.0]).polygamma(1).numpy(), rtol=1e-6)
    t = ember.tensor([2.0, 3.0])
    t.mvlgamma_(2)
    np.testing.assert_allclose(t.numpy(), torch.tensor([2.0, 3.0]).mvlgamma(2).numpy(), rtol=1e-6)
