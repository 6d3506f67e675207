"""``ember.testing.assert_close`` gives PyTorch's verdicts and messages."""
import pytest
import torch

import ember

CASES = [
    ("m.tensor([1., 2.])", "m.tensor([1., 2.1])", {}),
    ("m.tensor([1., 2.])", "m.tensor([1., 2.000001])", {}),
    ("m.ones(2)", "m.ones(3)", {}),
    ("m.ones(2)", "m.ones(2, dtype=m.float64)", {}),
    ("m.ones(2)", "m.ones(2, dtype=m.float64)", {"check_dtype": False}),
    ("1.0", "1.1", {}),
    ("3", "3", {}),
    ("m.tensor([1, 2])", "m.tensor([1, 3])", {}),
    ("[m.ones(1), m.ones(1)]", "[m.ones(1), m.zeros(1)]", {}),
    ("{'a': m.ones(1)}", "{'a': m.zeros(1)}", {}),
    ("{'a': m.ones(1)}", "{'b': m.ones(1)}", {}),
    ("[m.ones(1)]", "[m.ones(1), m.ones(1)]", {}),
    ("m.tensor([float('nan')])", "m.tensor([float('nan')])", {}),
    ("m.tensor([float('nan')])", "m.tensor([float('nan')])", {"equal_nan": True}),
    ("m.tensor([True])", "m.tensor([False])", {}),
    ("m.ones(2, 2)", "m.ones(2, 2) * 1.05", {"rtol": 0.1, "atol": 0.0}),
    ("m.ones(2, 2)", "m.ones(2, 2) * 1.05", {"rtol": 0.0, "atol": 0.01, "msg": "custom"}),
    ("m.ones(2)", "m.ones(2)", {"rtol": 0.1}),
]


def _outcome(m, a, e, kw):
    try:
        m.testing.assert_close(eval(a, {"m": m}), eval(e, {"m": m}), **kw)
    except (AssertionError, ValueError) as err:
        return type(err).__name__, str(err).replace("torch.", "ember.")
    return "ok", ""


@pytest.mark.parametrize("actual,expected,kw", CASES)
def test_verdict_and_message_match_torch(actual, expected, kw):
    assert _outcome(ember, actual, expected, kw) == _outcome(torch, actual, expected, kw)


def test_callable_msg_and_numpy_inputs():
    import numpy as np
    with pytest.raises(AssertionError, match="^wrapped: Tensor-likes are not close!"):
        ember.testing.assert_close(ember.ones(1), ember.zeros(1), msg=lambda m: "wrapped: " + m)
    ember.testing.assert_close(ember.ones(2, dtype=ember.float64), np.ones(2))
