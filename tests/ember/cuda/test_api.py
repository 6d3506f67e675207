"""``ember.cuda``: queries, devices, seeding, memory statistics and synchronisation (real or fake GPU)."""
import numpy as np
import pytest

import ember
from ember import backend
from tests.ember.cuda.conftest import host, need_gpus
from tests.ember.fake_cuda import FakeCudaBackend


def test_queries(gpu):
    assert ember.cuda.is_available() is True
    assert ember.cuda.device_count() >= 1 and ember.cuda.current_device() == 0
    assert isinstance(ember.cuda.get_device_name(), str) and ember.cuda.get_device_name()
    assert len(ember.cuda.default_generators) == ember.cuda.device_count()


def test_manual_seed_makes_gpu_streams_reproducible(gpu):
    ember.manual_seed(7)                       # seeds the CPU and every GPU
    a = host(ember.randn(5, device="cuda"))
    ember.manual_seed(7)
    b = host(ember.randn(5, device="cuda"))
    np.testing.assert_array_equal(a, b)
    ember.cuda.manual_seed(8)
    c = host(ember.rand(5, device="cuda"))
    ember.cuda.manual_seed_all(8)
    np.testing.assert_array_equal(c, host(ember.rand(5, device="cuda")))
    assert not np.array_equal(host(ember.rand(5, device="cuda")), c)
    assert ember.cuda.initial_seed() == 8


def test_cuda_generators_live_on_their_gpu(gpu):
    g = ember.Generator("cuda").manual_seed(3)
    x = ember.randn(4, generator=g, device="cuda")
    g.manual_seed(3)
    np.testing.assert_array_equal(host(x), host(ember.randn(4, generator=g, device="cuda")))
    with pytest.raises(RuntimeError, match="Expected a 'cuda' device type for generator but found 'cpu'"):
        ember.randn(3, device="cuda", generator=ember.Generator())
    with pytest.raises(RuntimeError, match="Expected a 'cpu' device type for generator but found 'cuda'"):
        ember.randn(3, generator=g)
    with pytest.raises(NotImplementedError, match="reseed it with manual_seed"):
        g.get_state()


def test_random_fills_and_dropout_use_the_gpu_stream(gpu):
    from ember.ops.nn_ops import dropout
    x = ember.ones(1000, device="cuda")
    x.uniform_(-1, 1)
    assert x.is_cuda and -1 <= float(x.min()) and float(x.max()) <= 1
    x.normal_()
    y = dropout(ember.ones(1000, device="cuda"), 0.5)
    kept = host(y)
    assert y.is_cuda and set(np.unique(kept)) <= {0.0, 2.0} and 350 < (kept > 0).sum() < 650


def test_synchronize_and_empty_cache(gpu):
    ember.cuda.synchronize()
    ember.cuda.synchronize(0)
    ember.cuda.synchronize("cuda:0")
    ember.cuda.empty_cache()
    if gpu == "fake":
        before = FakeCudaBackend.syncs
        ember.cuda.synchronize()
        assert FakeCudaBackend.syncs == before + 1


def test_memory_statistics_follow_allocations(gpu):
    ember.cuda.synchronize()
    base = ember.cuda.memory_allocated()
    ember.cuda.reset_peak_memory_stats()
    x = ember.ones(1 << 20, device="cuda")          # 4 MiB
    assert ember.cuda.memory_allocated() >= base + (4 << 20)
    peak = ember.cuda.max_memory_allocated()
    assert peak >= base + (4 << 20)
    assert ember.cuda.memory_reserved() >= ember.cuda.memory_allocated()
    del x
    assert ember.cuda.memory_allocated() <= base + (1 << 16)
    assert ember.cuda.max_memory_allocated() == peak           # the peak stays until reset
    ember.cuda.reset_peak_memory_stats()
    assert ember.cuda.max_memory_allocated() < peak


def test_device_arguments_are_checked(gpu):
    need_gpus(2)
    assert ember.cuda.memory_allocated(1) >= 0 and ember.cuda.memory_allocated("cuda:1") >= 0
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        ember.cuda.set_device(9)
    with pytest.raises(ValueError, match="Expected a cuda device"):
        ember.cuda.memory_allocated("cpu")


def test_without_a_gpu_every_query_answers_no():
    token = backend._install_cuda_backend(None)
    backend._cuda_error[0] = backend._CUDA_HINT + " (no GPU in this test)"     # as if CuPy had failed to load
    try:
        assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
        ember.cuda.synchronize()          # nothing to wait for
        ember.cuda.empty_cache()
        ember.cuda.manual_seed(1)         # silently ignored, as in PyTorch
        ember.manual_seed(1)
        for call in (lambda: ember.zeros(1, device="cuda"), lambda: ember.ones(1).cuda(),
                     lambda: ember.ones(1).to("cuda:0"), ember.cuda.current_device, ember.cuda.memory_allocated):
            with pytest.raises(RuntimeError, match=r"CUDA backend not available: install cupy \(pip install "
                                                   r"campfire\[gpu\]\).*no GPU in this test"):
                call()
    finally:
        backend._restore_cuda_backend(token)
