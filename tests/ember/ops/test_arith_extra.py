"""More arithmetic (ember/ops/arith_extra.py) against PyTorch (see tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import (BINARY_SHAPES, DEVICES, Op, assert_close, away_from_zero, on_device, op_tests,
                                 positive)

B = BINARY_SHAPES
NAN = float("nan")


def _pos_second(a, i):
    return np.abs(a) + 0.3 if i == 1 else a


def _away(a, i):
    return away_from_zero(a, i)


def _apart(a, i):
    # keep the two operands of fmax/fmin apart so the gradient has no tie to split (gradcheck)
    return a + 0.7 * i


def _nan_where(m, y):
    return m.where(y > 0.8, y * NAN, y)


def _ints(shape, case, i, rng):
    # non-negative: PyTorch's ldexp gradient is 0 for negative integer exponents (it computes 2**e in int64);
    # ember's is 2**e (test_ldexp_gradient_negative_exponent)
    return rng.integers(0, 4, shape)


SPECS = [
    Op("xlogy", lambda m, x, y: m.xlogy(x, y), B, domain=_pos_second),
    Op("xlogy_zeros", lambda m, x, y: m.xlogy(m.relu(x), y), B[:3], domain=lambda a, i: _pos_second(_away(a, i), i)),
    Op("xlogy_scalar_x", lambda m, y: m.xlogy(2.0, y), [(3, 4), ()], domain=positive),
    Op("xlogy_scalar_y", lambda m, x: m.xlogy(x, 3), [(3, 4), ()]),
    Op("xlogy_nan", lambda m, x, y: m.xlogy(x * 0, _nan_where(m, y)), [((3, 4), (3, 4))], domain=_pos_second,
       grad=False),
    Op("xlogy_method", lambda m, x, y: x.xlogy(y), B[:2], domain=_pos_second),
    Op("hypot", lambda m, x, y: m.hypot(x, y), B, domain=_away),
    Op("logaddexp", lambda m, x, y: m.logaddexp(x * 30, y), B),
    Op("logaddexp2", lambda m, x, y: m.logaddexp2(x, y * 30), B),
    Op("logaddexp_method", lambda m, x, y: x.logaddexp(y) + x.logaddexp2(y), B[:2]),
    Op("copysign", lambda m, x, y: m.copysign(x, y), B, domain=_away),
    Op("copysign_scalar", lambda m, x: m.copysign(x, -1.0) + x.copysign(2), [(3, 4)], domain=_away),
    Op("fmax", lambda m, x, y: m.fmax(x, y), B, domain=_apart),
    Op("fmin", lambda m, x, y: m.fmin(x, y), B, domain=_apart),
    Op("fmax_nan", lambda m, x, y: [m.fmax(_nan_where(m, x), _nan_where(m, y)), m.fmin(_nan_where(m, x), y),
                                    x.fmax(_nan_where(m, y))], B[:3], gradcheck=False),
    Op("fmax_ties", lambda m, x, y: m.fmax(x, x * 1.0) + m.fmin(y, m.round(y)), [((3, 4), (3, 4))],
       gradcheck=False),
    Op("float_power", lambda m, x, y: m.float_power(x, y), B,
       domain=lambda a, i: np.abs(a) + 0.3 if i == 0 else a),
    Op("float_power_scalar", lambda m, x: [m.float_power(x, 2), m.float_power(2.5, x), x.float_power(0.5)],
       [(3, 4)], domain=positive),
    Op("ldexp", lambda m, x, e: m.ldexp(x, e), [((3, 4), (3, 4)), ((2, 3), (3,))], int_inputs=(1,),
       make_int=_ints),
    Op("ldexp_float", lambda m, x, y: x.ldexp(m.round(y * 3)), B[:2]),
    Op("frexp", lambda m, x: list(m.frexp(x * 100)), [(3, 4), (), (0, 2)]),
    Op("frexp_method", lambda m, x: x.frexp().mantissa * 2, [(3, 4)]),
    Op("heaviside", lambda m, x, y: m.heaviside(m.round(x), y), B, grad=False),
    Op("nextafter", lambda m, x, y: [m.nextafter(x, y) - x, x.nextafter(y)], B, grad=False),
    Op("gcd_lcm", lambda m, x, y: [m.gcd((x * 20).long(), (y * 20).long()), (x * 20).long().lcm((y * 9).long()),
                                   m.gcd((x * 20).int(), (y * 20).long())], B, grad=False),
    Op("isin", lambda m, x, y: [m.isin(m.round(x * 2), m.round(y * 2)),
                                m.isin(m.round(x * 2), m.round(y * 2), invert=True),
                                m.isin(m.round(x * 2), 1.0), m.isin(1.0, m.round(y * 2)),
                                m.isin(m.round(x * 2).long(), m.round(y * 2).long(), assume_unique=True)],
       B, grad=False),
    Op("isinf_family", lambda m, x: [m.isneginf(x / m.round(x)), x.isposinf() | (x / m.round(x)).isposinf(),
                                     m.isreal(x), m.isneginf(x.long()), m.isposinf((x > 0))], [(3, 4), ()],
       grad=False),
    Op("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), ()),
                                                                   ((), (2, 3), (3,))]),
    Op("addcdiv", lambda m, a, b, c: m.addcdiv(a, b, c, value=-2), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), ())],
       domain=lambda a, i: away_from_zero(a, i) if i == 2 else a),
    Op("addc_methods", lambda m, a, b, c: a.addcmul(b, c) + a.addcdiv(b, c), [((2, 3), (2, 3), (2, 3))],
       domain=lambda a, i: away_from_zero(a, i) if i == 2 else a),
    Op("addmv", lambda m, i, a, v: m.addmv(i, a, v, beta=0.5, alpha=2), [((3,), (3, 4), (4,)), ((), (2, 5), (5,)),
                                                                       ((1,), (3, 2), (2,))]),
    Op("addmv_default", lambda m, i, a, v: i.addmv(a, v), [((3,), (3, 4), (4,))]),
    Op("addmv_beta0", lambda m, i, a, v: m.addmv(i * NAN, a, v, beta=0), [((3,), (3, 4), (4,))], grad=False),
    Op("addr", lambda m, i, a, b: m.addr(i, a, b, beta=2, alpha=-1), [((3, 4), (3,), (4,)), ((4,), (2,), (4,))]),
    Op("addr_method", lambda m, i, a, b: i.addr(a, b), [((3, 4), (3,), (4,))]),
    Op("addbmm", lambda m, i, a, b: m.addbmm(i, a, b, beta=0.5, alpha=3), [((3, 4), (2, 3, 5), (2, 5, 4)),
                                                                          ((4,), (1, 3, 2), (1, 2, 4))]),
    Op("addbmm_method", lambda m, i, a, b: i.addbmm(a, b), [((3, 4), (2, 3, 5), (2, 5, 4))]),
    Op("aliases", lambda m, x, y: [m.absolute(x), m.arctan(x), m.arcsin(m.tanh(x)), m.arccos(m.tanh(y)),
                                   m.arctan2(x, y), x.arctan2(y), m.multiply(x, y), m.subtract(x, y, alpha=2),
                                   m.divide(x, y), m.true_divide(x, 2.0)],
       B[:3], domain=_away),
    Op("divide_rounding", lambda m, x, y: [m.divide(x * 5, y, rounding_mode="floor"),
                                           x.divide(y, rounding_mode="trunc")], B[:3], domain=_away, gradcheck=False),
    Op("not_equal", lambda m, x, y: [m.not_equal(m.round(x), m.round(y)), m.round(x).not_equal(1.0)], B[:3],
       grad=False),
    Op("ravel", lambda m, x: m.ravel(x), [(3, 4), (), (2, 3, 4)]),
    Op("ravel_method", lambda m, x: x.transpose(0, -1).ravel() * 2, [(3, 4), (2, 3, 4)]),
    Op("msort", lambda m, x: [m.msort(x), x.msort()], [(5, 3), (4,), (0, 2)]),
    Op("chain_matmul", lambda m, a, b, c: m.chain_matmul(a, b, c), [((2, 3), (3, 4), (4, 5)),
                                                                   ((3, 3), (3, 1), (1, 3))]),
    Op("chain_matmul_one", lambda m, a: m.chain_matmul(a) * 2, [(2, 3)]),
    # integer operands: PyTorch's result dtypes
    Op("int_operands", lambda m, x, y: [m.xlogy((x * 3).long(), (y * 3).abs().long()), m.xlogy((x * 3).long(), 2.5),
                                        m.copysign((x * 3).long(), y), m.copysign((x * 3).long(), (y * 3).long()),
                                        m.float_power((x * 3).long(), 2), m.ldexp((x * 3).long(), (y * 3).long()),
                                        m.fmax((x * 3).long(), (y * 3).long()), m.fmin((x * 3).int(), (y * 3).long()),
                                        m.heaviside((x * 3).long(), (y * 3).long()),
                                        m.addcmul((x * 3).long(), (x * 3).long(), (y * 3).long(), value=2)],
       B[:3], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_special_values(device):
    inf = float("inf")
    a = [0.0, -0.0, 1.0, -1.0, inf, -inf, NAN, 0.0, inf, NAN, -inf, 2.0]
    b = [0.0, 1.0, -0.0, inf, inf, -inf, 1.0, NAN, -inf, NAN, 0.0, NAN]
    with on_device(device) as dev:
        for name in ["xlogy", "hypot", "logaddexp", "logaddexp2", "copysign", "fmax", "fmin", "heaviside",
                     "float_power", "nextafter"]:
            got = getattr(ember, name)(ember.tensor(a, device=dev, dtype=ember.float64),
                                       ember.tensor(b, device=dev, dtype=ember.float64))
            want = getattr(torch, name)(torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64))
            assert_close(got, want, "float64", None, name)
        m, e = ember.frexp(ember.tensor([0.0, -0.0, 8.0, -0.75, 1e-310], device=dev, dtype=ember.float64))
        assert e.dtype == ember.int32 and e.tolist() == [0, 0, 4, 0, -1029]
        assert m.tolist() == [0.0, -0.0, 0.5, -0.75, torch.frexp(torch.tensor(1e-310, dtype=torch.float64))[0].item()]


def test_results_and_return_types():
    x = ember.tensor([1.0, 2.0], dtype=ember.float32)
    assert ember.float_power(x, 2).dtype == ember.float64
    assert ember.float_power(2, ember.tensor([1, 2])).tolist() == [2.0, 4.0]
    r = ember.frexp(x)
    assert r.mantissa.tolist() == [0.5, 0.5] and r.exponent.tolist() == [1, 2]
    assert ember.gcd(ember.tensor([-12, 0, 7]), ember.tensor([18, 0, -14])).tolist() == [6, 0, 7]
    assert ember.lcm(ember.tensor([-4, 0, 6]), ember.tensor([6, 5, 4])).tolist() == [12, 0, 12]
    assert ember.isin(ember.tensor([1, 2, 3]), ember.tensor([[3, 9], [1, 0]])).tolist() == [True, False, True]


def test_errors():
    i, f = ember.tensor([1, 2]), ember.tensor([1.0, 2.0])
    for name in ["hypot", "logaddexp", "logaddexp2", "nextafter"]:
        with pytest.raises(RuntimeError, match="not implemented for 'Long'"):
            getattr(ember, name)(i, i)
    for name in ["gcd", "lcm"]:
        with pytest.raises(RuntimeError, match="not implemented for 'Float'"):
            getattr(ember, name)(f, f)
    with pytest.raises(RuntimeError, match="different dtypes"):
        ember.heaviside(f, i)
    with pytest.raises(RuntimeError, match="only supports floating-point"):
        ember.frexp(i)
    with pytest.raises(RuntimeError, match="Integer division with addcdiv"):
        ember.addcdiv(f, i, i)
    with pytest.raises(RuntimeError, match="Tensor dimension is 3, expected 2"):
        ember.chain_matmul(ember.ones(2, 2), ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="Expected one or more"):
        ember.chain_matmul()
    with pytest.raises(RuntimeError, match="Expected 1-D"):
        ember.addr(ember.ones(2, 2), ember.ones(2, 1), ember.ones(2))
    with pytest.raises(RuntimeError, match="3D tensors"):
        ember.addbmm(ember.ones(2, 2), ember.ones(2, 2), ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="requires dtype Double"):
        f.float_power_(2)
    with pytest.raises(TypeError, match="at least one Tensor"):
        ember.xlogy(1.0, 2.0)
    with pytest.raises(TypeError, match="at least one Tensor"):
        ember.isin(1, 2)


def test_inplace_variants():
    a, b = np.array([0.5, 1.5, 3.0]), np.array([2.0, -0.5, 1.0])
    for name in ["xlogy", "hypot", "copysign", "ldexp", "arctan2", "multiply", "subtract", "divide", "float_power",
                 "nextafter", "heaviside"]:
        t = ember.tensor(a)
        assert getattr(t, name + "_")(ember.tensor(b)) is t
        want = getattr(torch.tensor(a), name + "_")(torch.tensor(b))
        np.testing.assert_allclose(t.numpy(), want.numpy(), rtol=1e-12, err_msg=name)
    t = ember.tensor([12, 18])
    t.gcd_(ember.tensor([8, 4]))
    assert t.tolist() == [4, 2]
    # in the graph: the in-place op's gradient matches PyTorch's
    leaf, tl = ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, yt = leaf * 1.0, tl * 1.0
    w, wt = ember.tensor(b, requires_grad=True), torch.tensor(b, requires_grad=True)
    y.addmv_(ember.ones(3, 2), ember.ones(2), beta=2).mvlgamma_(1).xlogy_(w * w).hypot_(w).sum().backward()
    yt.addmv_(torch.ones(3, 2, dtype=torch.float64), torch.ones(2, dtype=torch.float64),
              beta=2).mvlgamma_(1).xlogy_(wt * wt).hypot_(wt).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(leaf.grad.numpy(), tl.grad.numpy(), rtol=1e-12)


def test_ldexp_gradient_negative_exponent():
    x = ember.tensor([1.5, 2.0, 3.0], requires_grad=True)
    ember.ldexp(x, ember.tensor([-2, 0, 3])).sum().backward()
    assert x.grad.tolist() == [0.25, 1.0, 8.0]
