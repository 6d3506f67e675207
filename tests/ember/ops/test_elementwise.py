"""Binary elementwise ops, comparisons, where and clamp against PyTorch (see tests/ember/harness.py)."""
import numpy as np
import pytest

import ember
from tests.ember.harness import BINARY_SHAPES, Op, away_from_zero, op_tests, positive


def _second(domain):
    return lambda a, i: domain(a, i) if i == 1 else a


def _ties(a, i):
    # round so that some elements are equal across operands (exercises the tie rule of maximum/minimum)
    return np.round(a)


SPECS = [
    Op("add", lambda m, x, y: x + y, BINARY_SHAPES),
    Op("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5), BINARY_SHAPES[:3]),
    Op("radd_scalar", lambda m, x: 2.5 + x, [(3, 4), ()]),
    Op("sub", lambda m, x, y: x - y, BINARY_SHAPES),
    Op("sub_alpha", lambda m, x, y: m.sub(x, y, alpha=0.5), BINARY_SHAPES[:3]),
    Op("rsub_scalar", lambda m, x: 1.5 - x, [(3, 4)]),
    Op("mul", lambda m, x, y: x * y, BINARY_SHAPES),
    Op("mul_self", lambda m, x: x * x, [(3, 4), ()]),
    Op("mul_scalar", lambda m, x: x * 3, [(3, 4), ()]),
    Op("div", lambda m, x, y: x / y, BINARY_SHAPES, domain=_second(away_from_zero)),
    Op("rdiv_scalar", lambda m, x: 2.0 / x, [(3, 4)], domain=away_from_zero),
    Op("div_scalar", lambda m, x: x / 4, [(3, 4)]),
    Op("pow_scalar", lambda m, x: x ** 3, [(3, 4), ()]),
    Op("pow_square", lambda m, x: x ** 2, [(3, 4)]),
    Op("pow_frac", lambda m, x: x ** 1.5, [(3, 4)], domain=positive),
    Op("pow_neg", lambda m, x: m.pow(x, -2.0), [(3, 4)], domain=positive),
    Op("pow_zero", lambda m, x: x ** 0, [(3, 4)]),
    Op("pow_tensor", lambda m, x, y: x ** y, BINARY_SHAPES[:5], domain=lambda a, i: positive(a, i) if i == 0 else a),
    Op("rpow", lambda m, x: 2.0 ** x, [(3, 4)]),
    Op("maximum", lambda m, x, y: m.maximum(x, y), BINARY_SHAPES),
    Op("minimum", lambda m, x, y: m.minimum(x, y), BINARY_SHAPES),
    Op("maximum_ties", lambda m, x, y: m.maximum(x, y), [((4, 5), (4, 5))], domain=_ties, gradcheck=False),
    Op("minimum_ties", lambda m, x, y: m.minimum(x, y), [((4, 5), (4, 5))], domain=_ties, gradcheck=False),
    Op("remainder", lambda m, x, y: m.remainder(x, y), BINARY_SHAPES[:3], domain=_second(away_from_zero)),
    Op("fmod", lambda m, x, y: m.fmod(x, y), BINARY_SHAPES[:3], domain=_second(away_from_zero)),
    Op("floor_divide", lambda m, x, y: x // y, BINARY_SHAPES[:3], domain=_second(away_from_zero), grad=False),
    Op("atan2", lambda m, x, y: m.atan2(x, y), BINARY_SHAPES[:3]),
    Op("where", lambda m, c, x, y: m.where(c > 0, x, y), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (3, 4)),
                                                            ((), (2, 3), ())]),
    Op("where_scalar", lambda m, c, x: m.where(c > 0, x, 0.0), [((3, 4), (3, 4))]),
    Op("where_two_scalars", lambda m, c: m.where(c > 0, 1.0, 0.0), [(3, 4), ()], grad=False),
    Op("where_two_int_scalars", lambda m, c: m.where(c > 0, 1, -1), [(3, 4)], grad=False),
    Op("where_int_float_scalars", lambda m, c: m.where(c > 0, 2, 0.5), [(3, 4)], grad=False),
    Op("clamp", lambda m, x: m.clamp(x, -0.5, 0.7), [(3, 4), (), (0, 2)]),
    Op("clamp_min", lambda m, x: x.clamp(min=0.1), [(3, 4)]),
    Op("clamp_max", lambda m, x: x.clamp(max=0.1), [(3, 4)]),
    Op("clamp_tensor", lambda m, x, lo, hi: m.clamp(x, lo - 1, hi + 1), [((3, 4), (3, 4), (4,)), ((3, 4), (1, 4), ())]),
    Op("clamp_tensor_min", lambda m, x, lo: m.clamp(x, min=lo), [((3, 4), (3, 4))]),
    Op("lerp_scalar", lambda m, x, y: m.lerp(x, y, 0.3), BINARY_SHAPES[:5]),
    Op("lerp_scalar_high", lambda m, x, y: x.lerp(y, 0.8), [((3, 4), (3, 4))]),
    Op("lerp_tensor", lambda m, x, y, w: m.lerp(x, y, w), [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (3, 4)),
                                                            ((), (), ()), ((0, 2), (2,), ())]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_lerp_errors():
    with pytest.raises(RuntimeError, match="expected dtype"):
        ember.lerp(ember.zeros(2), ember.zeros(2, dtype=ember.float64), 0.5)
    with pytest.raises(TypeError, match="expected Tensors"):
        ember.lerp(ember.zeros(2), 1.0, 0.5)


def test_error_messages():
    m = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="with two bool tensors is not supported"):
        m - m
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at "
                                           r"non-singleton dimension 1"):
        ember.ones(2, 3) + ember.ones(2)
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor"):
        ember.where(ember.ones(2), ember.ones(2), ember.zeros(2))
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        ember.tensor([2]) ** -1
    with pytest.raises(ZeroDivisionError):
        ember.tensor([2]) // 0
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        ember.add(ember.tensor([1]), ember.tensor([1]), alpha=0.5)
    with pytest.raises(TypeError, match="unsupported operand type 'str'"):
        ember.ones(2) * "a"
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        ember.clamp(ember.ones(2))
