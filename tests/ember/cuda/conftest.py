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
