"""``ember.special`` (PyTorch's ``torch.special`` names) against PyTorch, on every device (tests/ember/harness.py)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import UNARY_SHAPES, Op, op_tests, positive

S = UNARY_SHAPES


def _probabilities(a, i):
    return 1 / (1 + np.exp(-a)) * 0.98 + 0.01


def _with_zeros(a, i):
    # entr and xlog1py are defined piecewise at 0: exact zeros belong in the cases
    return np.where(np.abs(a) < 0.3, 0.0, a)


SPECS = [
    Op("expit", lambda m, x: m.special.expit(x), S),
    Op("gammaln", lambda m, x: m.special.gammaln(x), S[:3], domain=positive),
    Op("psi", lambda m, x: m.special.psi(x), S[:2], domain=positive, tol={"float64": dict(rtol=2e-8)}),
    Op("multigammaln", lambda m, x: m.special.multigammaln(x, 2), S[:2], domain=lambda a, i: np.abs(a) + 1.0),
    Op("ndtr", lambda m, x: m.special.ndtr(x * 3), S + [(100,)]),
    Op("ndtri", lambda m, x: m.special.ndtri(x), S[:3] + [(100,)], domain=_probabilities,
       tol={"float32": dict(rtol=3e-4, atol=3e-5)}),
    Op("entr_positive", lambda m, x: m.special.entr(x), S, domain=positive),
    Op("entr_all", lambda m, x: m.special.entr(x), [(4, 5)], domain=_with_zeros, grad=False),
    Op("xlog1py", lambda m, x, y: m.special.xlog1py(x, y), [((3, 4), (3, 4)), ((3, 4), (4,))],
       domain=lambda a, i: a if i == 0 else np.abs(a)),
    Op("xlog1py_zeros", lambda m, x, y: m.special.xlog1py(x, y), [((4, 5), (4, 5))],
       domain=lambda a, i: _with_zeros(a, i) if i == 0 else np.abs(a) - 0.9, grad=False),
    Op("reexported", lambda m, x: [m.special.erf(x), m.special.erfc(x), m.special.log1p(x.abs()),
                                   m.special.expm1(x), m.special.exp2(x), m.special.logit(x.sigmoid()),
                                   m.special.xlogy(x.abs(), x.abs() + 1), m.special.sinc(x),
                                   m.special.logsumexp(x, 0), m.special.softmax(x, 0), m.special.log_softmax(x, 0),
                                   m.special.round(x * 3)], [(4, 3)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_special_namespace_names_exist_in_torch():
    for name in ember.special.__all__:
        assert hasattr(torch.special, name), name
