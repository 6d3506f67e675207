"""Operators and methods bound onto Tensor in one place, and the bindings a profiler can wrap."""
import ember
from ember import _methods
from ember.ops import nn_ops


def test_operators_and_methods_are_bound():
    t = ember.tensor([[1.0, -2.0]])
    assert (t + 1).tolist() == [[2.0, -1.0]] and (1 - t).tolist() == [[0.0, 3.0]]
    assert (t @ t.T).tolist() == [[5.0]] and (-t).tolist() == [[-1.0, 2.0]] and abs(t).tolist() == [[1.0, 2.0]]
    assert (2 ** t).tolist() == [[2.0, 0.25]] and (t // 2).tolist() == [[0.0, -1.0]] and (t % 2).tolist() == [[1.0, 0.0]]
    assert (~(t > 0)).tolist() == [[False, True]] and ((t > 0) & (t < 2)).tolist() == [[True, False]]
    for name in ["sum", "mean", "exp", "relu", "softmax", "reshape", "split", "gather", "sort",
                 "matmul", "to", "float", "add_", "uniform_", "masked_fill", "new_zeros", "where", "clamp_min"]:
        assert callable(getattr(t, name)), name


def test_op_bindings_allow_wrapping_and_restoring():
    bindings = _methods.op_bindings()
    owners = {o for o, _ in bindings}
    assert {ember.Tensor, ember, nn_ops} <= owners
    names = {(o.__name__, n) for o, n in bindings}
    assert ("Tensor", "__mul__") in names and ("ember", "matmul") in names and ("ember.ops.nn_ops", "linear") in names
    calls = []
    saved = [(o, n, getattr(o, n)) for o, n in bindings]
    try:
        for o, n, f in saved:
            setattr(o, n, (lambda f, n: lambda *a, **k: calls.append(n) or f(*a, **k))(f, n))
        x = ember.ones(2)
        nn_ops.linear(x * 2, ember.ones(3, 2)).sum()
    finally:
        for o, n, f in saved:
            setattr(o, n, f)
    assert calls == ["__mul__", "linear", "sum"]
    assert (ember.ones(1) * 2).tolist() == [2.0]
