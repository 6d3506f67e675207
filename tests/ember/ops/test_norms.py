"""linalg.vector_norm, matrix_norm and norm (linalg semantics) against PyTorch (see tests/ember/harness.py)."""
import pytest

import ember
from tests.ember.harness import Op, away_from_zero, op_tests

INF = float("inf")
LOOSE = {"float32": dict(rtol=1e-3, atol=1e-4)}

SPECS = [
    Op("vector_norm_default", lambda m, x: m.linalg.vector_norm(x), [(3, 4), (2, 3, 4), (5,), ()]),
    Op("vector_norm_ords", lambda m, x: tuple(m.linalg.vector_norm(x, o) for o in (1, 3, 0.5, INF, -INF, -1)),
       [(3, 4), (2, 3, 4)], domain=away_from_zero),
    Op("vector_norm_zero", lambda m, x: m.linalg.vector_norm(x, 0, dim=1), [(3, 4)], domain=away_from_zero,
       grad=False),
    Op("vector_norm_dim", lambda m, x: (m.linalg.vector_norm(x, dim=1), m.linalg.vector_norm(x, 1, dim=(0, 2)),
                                        m.linalg.vector_norm(x, INF, dim=-1, keepdim=True),
                                        m.linalg.vector_norm(x, keepdim=True)),
       [(2, 3, 4)], domain=away_from_zero),
    Op("vector_norm_dtype", lambda m, x: m.linalg.vector_norm(x, dtype=m.float64), [(3, 4)]),
    Op("matrix_norm", lambda m, a: tuple(m.linalg.matrix_norm(a, o) for o in ("fro", "nuc", 1, -1, 2, -2, INF, -INF)),
       [(3, 3), (4, 3), (2, 3, 5)], tol=LOOSE),
    Op("matrix_norm_dims", lambda m, a: (m.linalg.matrix_norm(a, 1, dim=(0, 2)),
                                         m.linalg.matrix_norm(a, "nuc", dim=(2, 0), keepdim=True),
                                         m.linalg.matrix_norm(a, -INF, dim=(-1, 0), keepdim=True),
                                         m.linalg.matrix_norm(a, keepdim=True)), [(3, 2, 4)], tol=LOOSE),
    Op("matrix_norm_dtype", lambda m, a: m.linalg.matrix_norm(a, 2, dtype=m.float64), [(3, 4)], tol=LOOSE),
    Op("linalg_norm", lambda m, x: (m.linalg.norm(x), m.linalg.norm(x, dim=1), m.linalg.norm(x, 3, dim=-1),
                                    m.linalg.norm(x, "nuc", dim=(0, 2)), m.linalg.norm(x, dim=(1, 2), keepdim=True)),
       [(2, 3, 4)], tol=LOOSE),
    Op("linalg_norm_ord_no_dim", lambda m, a: (m.linalg.norm(a, 2), m.linalg.norm(a, "fro"), m.linalg.norm(a, -INF),
                                               m.linalg.norm(a[0], INF), m.linalg.norm(a[0], 1)), [(3, 4)], tol=LOOSE),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_errors():
    with pytest.raises(RuntimeError, match="floating point"):
        ember.linalg.vector_norm(ember.ones(3, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Order fro2 not supported"):
        ember.linalg.matrix_norm(ember.ones(3, 3), "fro2")
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        ember.linalg.matrix_norm(ember.ones(3))
    with pytest.raises(RuntimeError, match="dims must be different"):
        ember.linalg.matrix_norm(ember.ones(3, 3), dim=(1, 1))
    with pytest.raises(RuntimeError, match="must be 1D or 2D"):
        ember.linalg.norm(ember.ones(2, 2, 2), 2)
    with pytest.raises(RuntimeError, match="ord must be a number"):
        ember.linalg.vector_norm(ember.ones(3), "fro")


def test_values():
    a = ember.tensor([[3.0, -4.0], [0.0, 0.0]])
    assert ember.linalg.vector_norm(a).item() == pytest.approx(5.0)
    assert ember.linalg.vector_norm(a, 0).item() == 2
    assert ember.linalg.matrix_norm(a, 1).item() == pytest.approx(4.0)
    assert ember.linalg.matrix_norm(a, INF).item() == pytest.approx(7.0)
    assert ember.linalg.matrix_norm(a, 2).item() == pytest.approx(5.0)
    assert ember.linalg.matrix_norm(a, -2).item() == pytest.approx(0.0, abs=1e-6)
