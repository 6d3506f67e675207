"""Unary elementwise ops and activations against PyTorch (see tests/ember/harness.py)."""
import numpy as np

from tests.ember.harness import UNARY_SHAPES, Op, away_from_zero, op_tests, positive, unit_interval

S = UNARY_SHAPES


def _no_kink(a, i):
    # keep inputs off non-differentiable points (0 for relu/abs, +-1 for hardtanh...) so gradcheck is fair
    return np.where(np.abs(a) < 0.05, a + 0.2, a)


def _scale(k):
    return lambda a, i: a * k


SPECS = [
    Op("neg", lambda m, x: -x, S),
    Op("exp", lambda m, x: m.exp(x), S),
    Op("exp2", lambda m, x: m.exp2(x), S[:2]),
    Op("expm1", lambda m, x: m.expm1(x), S[:2]),
    Op("log", lambda m, x: m.log(x), S, domain=positive),
    Op("log2", lambda m, x: m.log2(x), S[:2], domain=positive),
    Op("log10", lambda m, x: m.log10(x), S[:2], domain=positive),
    Op("log1p", lambda m, x: m.log1p(x), S, domain=positive),
    Op("sqrt", lambda m, x: m.sqrt(x), S, domain=positive),
    Op("rsqrt", lambda m, x: m.rsqrt(x), S, domain=positive),
    Op("abs", lambda m, x: m.abs(x), S, domain=_no_kink),
    Op("sign", lambda m, x: m.sign(x), S),
    Op("sin", lambda m, x: m.sin(x), S),
    Op("cos", lambda m, x: m.cos(x), S),
    Op("tan", lambda m, x: m.tan(x), S[:2], domain=unit_interval),
    Op("asin", lambda m, x: m.asin(x), S[:2], domain=unit_interval),
    Op("acos", lambda m, x: m.acos(x), S[:2], domain=unit_interval),
    Op("atan", lambda m, x: m.atan(x), S[:2]),
    Op("sinh", lambda m, x: m.sinh(x), S[:2]),
    Op("cosh", lambda m, x: m.cosh(x), S[:2]),
    Op("tanh", lambda m, x: m.tanh(x), S),
    Op("sigmoid", lambda m, x: m.sigmoid(x), S),
    Op("sigmoid_large", lambda m, x: m.sigmoid(x), [(50,)], domain=_scale(60), gradcheck=False),
    Op("relu", lambda m, x: m.relu(x), S, domain=_no_kink),
    Op("relu6", lambda m, x: m.nn.functional.relu6(x) if m.__name__ == "torch" else m.relu6(x), S[:2],
       domain=lambda a, i: _no_kink(a * 4, i)),
    Op("leaky_relu", lambda m, x: m.nn.functional.leaky_relu(x, 0.2) if m.__name__ == "torch" else
       m.leaky_relu(x, 0.2), S, domain=_no_kink),
    Op("gelu", lambda m, x: m.nn.functional.gelu(x) if m.__name__ == "torch" else m.gelu(x), S, domain=_scale(3)),
    Op("gelu_tanh", lambda m, x: m.nn.functional.gelu(x, approximate="tanh") if m.__name__ == "torch" else
       m.gelu(x, "tanh"), S, domain=_scale(3)),
    Op("silu", lambda m, x: m.nn.functional.silu(x) if m.__name__ == "torch" else m.silu(x), S),
    Op("mish", lambda m, x: m.nn.functional.mish(x) if m.__name__ == "torch" else m.mish(x), S[:2]),
    Op("softplus", lambda m, x: m.nn.functional.softplus(x) if m.__name__ == "torch" else m.softplus(x), S),
    Op("softplus_beta", lambda m, x: m.nn.functional.softplus(x, beta=2, threshold=3) if m.__name__ == "torch" else
       m.softplus(x, beta=2, threshold=3), [(40,)], domain=lambda a, i: _no_kink(a * 3 - 1.5, i)),
    Op("elu", lambda m, x: m.nn.functional.elu(x, 0.7) if m.__name__ == "torch" else m.elu(x, 0.7), S[:2],
       domain=_no_kink),
    Op("selu", lambda m, x: m.nn.functional.selu(x) if m.__name__ == "torch" else m.selu(x), S[:2], domain=_no_kink),
    Op("hardtanh", lambda m, x: m.nn.functional.hardtanh(x, -0.5, 0.8) if m.__name__ == "torch" else
       m.hardtanh(x, -0.5, 0.8), S[:2], domain=lambda a, i: np.where(np.abs(np.abs(a - 0.15) - 0.65) < 0.05,
                                                                      a + 0.2, a)),
    # PyTorch's hardsigmoid backward multiplies by the float32 constant 1.0f / 6.0f even in float64
    Op("hardsigmoid", lambda m, x: m.nn.functional.hardsigmoid(x) if m.__name__ == "torch" else m.hardsigmoid(x),
       S[:2], domain=_scale(4), tol={"float64": dict(rtol=1e-7)}),
    Op("hardswish", lambda m, x: m.nn.functional.hardswish(x) if m.__name__ == "torch" else m.hardswish(x), S[:2],
       domain=_scale(4)),
    Op("logsigmoid", lambda m, x: m.nn.functional.logsigmoid(x) if m.__name__ == "torch" else m.logsigmoid(x),
       S[:2], domain=_scale(5)),
    Op("softsign", lambda m, x: m.nn.functional.softsign(x) if m.__name__ == "torch" else m.softsign(x), S[:2]),
    Op("tanhshrink", lambda m, x: m.nn.functional.tanhshrink(x) if m.__name__ == "torch" else m.tanhshrink(x),
       S[:2]),
    Op("logit", lambda m, x: m.logit(x), S[:2], domain=lambda a, i: 1 / (1 + np.exp(-a))),
    Op("logit_eps", lambda m, x: m.logit(x, 0.1), [(20,)], domain=lambda a, i: 1 / (1 + np.exp(-3 * a)),
       gradcheck=False),
    Op("erf", lambda m, x: m.erf(x), S + [(200,)], domain=_scale(2.5)),
    Op("reciprocal", lambda m, x: m.reciprocal(x), S, domain=away_from_zero),
    Op("square", lambda m, x: m.square(x), S),
    Op("floor", lambda m, x: m.floor(x * 3), S[:2]),
    Op("ceil", lambda m, x: m.ceil(x * 3), S[:2]),
    Op("round", lambda m, x: m.round(x * 3), S[:2]),
    Op("round_decimals", lambda m, x: m.round(x * 3, decimals=1), S[:2]),
    Op("trunc", lambda m, x: m.trunc(x * 3), S[:2]),
    Op("frac", lambda m, x: m.frac(x * 3), S[:2], domain=lambda a, i: np.round(a * 3) / 3 + 0.1),
    Op("nan_to_num", lambda m, x: m.nan_to_num(m.log(x)), S[:2], domain=lambda a, i: np.where(a > 1, 0.0, abs(a))
       + 0.1 * (a > 0), gradcheck=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)
