"""Named results (``values, indices`` ...) print as PyTorch's ``torch.return_types``."""
import pytest
import torch

import ember

CASES = ["x.max(1)", "x.min(0)", "x.sort(1)", "x.topk(2)", "x.kthvalue(2, 1)", "x.median(1)", "x.mode(1)",
         "x.cummax(1)", "x.aminmax()", "x.frexp()", "m.linalg.eigh(m.diag(x[0, :3]))", "m.linalg.qr(x)",
         "m.linalg.slogdet(x[:, :3])", "m.slogdet(x[:, :3])"]


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_torch(expr):
    data = [[3.0, 1.0, 2.0, 5.0], [0.5, 4.0, 4.0, 1.0], [2.0, 2.5, 7.0, 1.0]]
    e = eval(expr, {"x": ember.tensor(data), "m": ember})
    t = eval(expr, {"x": torch.tensor(data), "m": torch})
    assert type(e).__name__ == type(t).__name__
    assert repr(e) == repr(t).replace("torch.", "ember.")


def test_results_stay_named_tuples():
    r = ember.tensor([[1.0, 3.0]]).max(1)
    values, indices = r
    assert r.values is values and r[1] is indices and r._fields == ("values", "indices")
    assert isinstance(r, tuple) and type(r) is ember.return_types.max
