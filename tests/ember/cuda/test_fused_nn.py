"""Fused nn kernels (GELU, SiLU, dropout, cross-entropy) against the unfused array code on the same GPU (real,
or the fake one running the CUDA source through the CPU emulator), forward and backward."""
import numpy as np
import pytest

import ember
from ember.cuda import _fused_nn
from ember.nn import functional as F
from tests.ember.cuda.conftest import TOL, fused_and_unfused as _both, host, spy_on_kernels


@pytest.fixture
def kernels(gpu):
    yield from spy_on_kernels(_fused_nn)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", [lambda x: F.gelu(x), lambda x: F.gelu(x, approximate="tanh"), lambda x: F.silu(x)])
def test_activations(kernels, op, dtype):
    x = np.random.default_rng(0).standard_normal((7, 33)) * 4
    (fo, fg), (uo, ug) = _both(op, x, dtype=dtype)
    assert any(c.endswith("_forward") for c in kernels) and any(c.endswith("_backward") for c in kernels)
    np.testing.assert_allclose(fo, uo, **TOL[dtype])
    np.testing.assert_allclose(fg[0], ug[0], **TOL[dtype])


def test_activations_fall_back_where_the_kernels_do_not_apply(kernels):
    x = ember.randn(6, 8, device="cuda").half()
    assert F.gelu(x).dtype is ember.float16
    y = ember.randn(8, 6, device="cuda").t()                 # not contiguous
    np.testing.assert_allclose(host(F.silu(y)), host(y) / (1 + np.exp(-host(y))), rtol=1e-5, atol=1e-6)
    assert kernels == []


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_same_mask_fused_or_not(kernels, dtype):
    x = np.random.default_rng(1).standard_normal((50, 40))
    (fo, fg), (uo, ug) = _both(lambda t: F.dropout(t, 0.3), x, dtype=dtype, seed=5)
    assert kernels == ["dropout_forward"]
    np.testing.assert_array_equal(fo, uo)
    np.testing.assert_array_equal(fg[0], ug[0])
    kept = fo != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(fo[kept], (x.astype(dtype) / 0.7)[kept], rtol=1e-6)


CE_CASES = [dict(), dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=1),
            dict(label_smoothing=0.2), dict(weight=True), dict(weight=True, label_smoothing=0.1, ignore_index=2),
            dict(weight=True, reduction="none", ignore_index=0)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CE_CASES)
def test_cross_entropy(kernels, case, dtype):
    rng = np.random.default_rng(2)
    n, c = 24, 7
    x = rng.standard_normal((n, c)) * 3
    target = ember.tensor(rng.integers(0, c, n), device="cuda")
    kw = dict(case)
    if kw.pop("weight", False):
        kw["weight"] = ember.tensor(rng.uniform(0.2, 2, c).astype(dtype), device="cuda")
    (fo, fg), (uo, ug) = _both(lambda t: F.cross_entropy(t, target, **kw), x, dtype=dtype)
    assert kernels[0] == "ce_rows" and "ce_backward" in kernels
    np.testing.assert_allclose(fo, uo, **TOL[dtype])
    np.testing.assert_allclose(fg[0], ug[0], **TOL[dtype])


def test_cross_entropy_many_rows_reduce_with_the_array_module(kernels, monkeypatch):
    monkeypatch.setattr(_fused_nn, "FINISH_ROWS", 8)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 5))
    target = ember.tensor(rng.integers(0, 5, 40), device="cuda")
    (fo, fg), (uo, ug) = _both(lambda t: F.cross_entropy(t, target, ignore_index=3), x)
    assert "ce_finish" not in kernels
    np.testing.assert_allclose(fo, uo, **TOL["float32"])
    np.testing.assert_allclose(fg[0], ug[0], **TOL["float32"])


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_rows_summed_in_parts_wrap_around(kernels, monkeypatch, reduction):
    # fewer partial sums than rows: each ce_partial thread takes every 7th row, ignored rows included
    monkeypatch.setattr(_fused_nn, "FINISH_PARTS", 7)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 5))
    target = ember.tensor(rng.integers(0, 5, 40), device="cuda")
    (fo, fg), (uo, ug) = _both(lambda t: F.cross_entropy(t, target, ignore_index=3, reduction=reduction), x)
    assert kernels[:3] == ["ce_rows", "ce_partial", "ce_finish"]
    np.testing.assert_allclose(fo, uo, **TOL["float32"])
    np.testing.assert_allclose(fg[0], ug[0], **TOL["float32"])
    bad = ember.tensor(np.r_[rng.integers(0, 5, 39), 9], device="cuda")
    with pytest.raises(IndexError, match="Target 9 is out of bounds"):
        F.cross_entropy(ember.tensor(x, device="cuda"), bad)


def test_cross_entropy_reports_a_bad_target_and_falls_back_for_other_shapes(kernels):
    x = ember.randn(4, 3, device="cuda")
    with pytest.raises(IndexError, match="Target 5 is out of bounds"):
        F.cross_entropy(x, ember.tensor([0, 5, 1, 2], device="cuda"))
    with pytest.raises(IndexError, match="Target -2 is out of bounds"):
        F.cross_entropy(x, ember.tensor([0, 1, -2, -100], device="cuda"), reduction="none")
    kernels.clear()
    F.cross_entropy(ember.randn(2, 3, 4, device="cuda"), ember.tensor([[0, 1, 2, 0], [1, 1, 1, 1]], device="cuda"))
    F.cross_entropy(ember.randn(3, device="cuda"), ember.tensor(1, device="cuda"))
    F.cross_entropy(x, ember.softmax(ember.randn(4, 3, device="cuda"), 1))          # probability targets
    assert kernels == []


def test_node_names_match_the_unfused_path(kernels):
    x = ember.randn(4, 3, device="cuda", requires_grad=True)
    assert F.cross_entropy(x, ember.tensor([0, 1, 2, 0], device="cuda")).grad_fn.name() == "NllLossBackward0"
    assert F.gelu(x).grad_fn.name() == "GeluBackward0" and F.silu(x).grad_fn.name() == "SiluBackward0"


def test_relu_gradient_kernel(kernels):
    x = np.random.default_rng(6).standard_normal((9, 13))
    (fo, fg), (uo, ug) = _both(lambda t: F.relu(t), x)
    assert kernels == ["relu_backward"]
    np.testing.assert_array_equal(fo, uo)
    np.testing.assert_array_equal(fg[0], ug[0])
