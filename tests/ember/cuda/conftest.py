"""Fixtures for GPU tests: ``gpu`` runs a test on the real GPU (skipped, with the reason, where there is
none) and on the fake CUDA backend (tests/ember/fake_cuda.py), which has two fake GPUs and runs anywhere."""
import numpy as np
import pytest

import ember
from tests.ember.fake_cuda import installed
from tests.ember.harness import _CUDA_SKIP as REAL_GPU_SKIP


@pytest.fixture(params=[pytest.param("real", marks=[pytest.mark.gpu, pytest.mark.skipif(
                            REAL_GPU_SKIP is not None, reason=f"no GPU: {REAL_GPU_SKIP}")]),
                        "fake"])
def gpu(request):
    """``"real"`` or ``"fake"``: the backend this test runs on; ember's default device stays the CPU."""
    if request.param == "real":
        yield "real"
        ember.cuda.synchronize()
        return
    with installed():
        yield "fake"


def need_gpus(n):
    if ember.cuda.device_count() < n:
        pytest.skip(f"needs {n} GPUs, this machine has {ember.cuda.device_count()}")


def host(t):
    """A tensor's values as a NumPy array, from any device."""
    return np.asarray(t.detach().cpu().numpy())


TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-11, atol=1e-13)}


def spy_on_kernels(module):
    """For a fixture: yields the list of kernel names ``module.KERNELS`` launches (skips where the fake GPU
    cannot run kernels), and puts the real table back afterwards."""
    if not getattr(ember.backend.cuda_backend(), "compiles_kernels", True):
        pytest.skip("this fake GPU cannot run kernels (no C++ compiler for the emulator)")
    calls = []

    class Spy:
        def __getitem__(self, name):
            calls.append(name.split("<")[0])
            return real[name]
    real, module.KERNELS = module.KERNELS, Spy()
    try:
        yield calls
    finally:
        module.KERNELS = real


def fused_and_unfused(fn, *arrays, dtype="float32", seed=None):
    """``fn(*tensors)`` and the gradients of its sum-weighted output, fused then unfused."""
    results = []
    for fused in (True, False):
        prev = ember.cuda.set_fused(fused)
        try:
            if seed is not None:
                ember.manual_seed(seed)
            ts = [ember.tensor(a.astype(dtype), device="cuda", requires_grad=True) for a in arrays]
            out = fn(*ts)
            w = ember.tensor(np.linspace(-1, 1, max(out.numel(), 1)).reshape(out.shape).astype(dtype),
                             device="cuda")
            (out * w).sum().backward()
            results.append((host(out), [host(t.grad) for t in ts]))
        finally:
            ember.cuda.set_fused(prev)
    return results
