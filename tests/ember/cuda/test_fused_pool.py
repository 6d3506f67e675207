"""Fused max pooling (kernels/pool.cu) against the unfused array code on the same GPU (real, or the fake one
running the kernel source through the CPU emulator), and against the CPU: values, indices, gradients."""
import numpy as np
import pytest

import ember
from ember.cuda import _fused_pool
from ember.nn import functional as F
from tests.ember.cuda.conftest import TOL, fused_and_unfused, host, spy_on_kernels

GEOMETRIES = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=1),
              dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
              dict(kernel_size=3, stride=2, ceil_mode=True), dict(kernel_size=2, padding=1, ceil_mode=True)]


@pytest.fixture
def kernels(gpu):
    yield from spy_on_kernels(_fused_pool)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_max_pool_matches_the_unfused_code_and_the_cpu(kernels, geometry, dtype):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 9, 11))
    x[0, 0, :4, :4] = 1.5                 # ties: the first maximum wins (its gradient goes there alone)
    x[1, 2, 3, 5] = np.nan                # a NaN wins its windows
    (fo, fg), (uo, ug) = fused_and_unfused(lambda t: F.max_pool2d(t, **geometry), x, dtype=dtype)
    assert kernels == ["max_pool_forward", "max_pool_backward"]
    np.testing.assert_allclose(fo, uo, **TOL[dtype])
    np.testing.assert_allclose(fg[0], ug[0], **TOL[dtype])
    t = ember.tensor(x.astype(dtype), requires_grad=True)
    out, idx = F.max_pool2d(t, **geometry, return_indices=True)
    d = ember.tensor(x.astype(dtype), device="cuda")
    dout, didx = F.max_pool2d(d, **geometry, return_indices=True)
    np.testing.assert_allclose(host(dout), host(out), **TOL[dtype])
    np.testing.assert_array_equal(host(didx), host(idx))


def test_max_pool_falls_back_for_other_dtypes_and_takes_strided_input(kernels):
    x = ember.tensor(np.arange(32.0).reshape(1, 2, 4, 4), device="cuda", dtype=ember.float16)
    assert host(F.max_pool2d(x, 2)).tolist() == [[[[5, 7], [13, 15]], [[21, 23], [29, 31]]]]
    assert kernels == []
    y = ember.tensor(np.arange(32.0).reshape(1, 2, 4, 4), device="cuda").transpose(2, 3)     # not contiguous
    assert host(F.max_pool2d(y, 2)).tolist() == [[[[5, 13], [7, 15]], [[21, 29], [23, 31]]]]
    assert kernels == ["max_pool_forward"]


def test_backward_after_fused_kernels_are_turned_off(gpu):
    # positions from the fused forward feed the unfused backward (set_fused(False) in between)
    x = ember.tensor(np.random.default_rng(2).standard_normal((1, 1, 5, 5)), device="cuda", requires_grad=True)
    out = F.max_pool2d(x, 3, stride=2, padding=1)
    prev = ember.cuda.set_fused(False)
    try:
        out.sum().backward()
    finally:
        ember.cuda.set_fused(prev)
    ref = ember.tensor(host(x), requires_grad=True)
    F.max_pool2d(ref, 3, stride=2, padding=1).sum().backward()
    np.testing.assert_allclose(host(x.grad), host(ref.grad))
