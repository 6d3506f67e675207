"""interpolate's interpolation matrices are cached: built (and uploaded) once per geometry, dtype and device, bounded,
emptied by ember.cuda.empty_cache(), and the results stay PyTorch's."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import resample
from tests.ember.harness import DEVICES, assert_close, inputs, on_device
from tests.ember.ops.test_resample import SPECS

INTERP = [s for s in SPECS if not s.name.startswith("pixel")]
GPUS = [p for p in DEVICES if p.id != "cpu"]


@pytest.fixture
def builds(monkeypatch):
    """The (n_in, n_out) of every matrix built from here on, on an empty cache."""
    made = []
    real = resample._matrix

    def counting(mode, n_in, n_out, *args):
        made.append((n_in, n_out))
        return real(mode, n_in, n_out, *args)
    monkeypatch.setattr(resample, "_matrix", counting)
    resample._AXIS_CACHE.clear()
    yield made
    resample._AXIS_CACHE.clear()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("spec", INTERP, ids=[s.name for s in INTERP])
def test_every_mode_from_the_cache_is_pytorchs(spec, dtype, device):
    # the second call takes the first call's matrices: the same values and gradients, PyTorch's
    (x,) = inputs(spec, spec.cases[0], dtype)
    seed = torch.tensor(np.random.default_rng(0).standard_normal(spec.fn(torch, torch.tensor(x)).shape).astype(dtype))
    t = torch.tensor(x, requires_grad=True)
    spec.fn(torch, t).backward(seed)
    with on_device(device) as dev:
        for _ in range(2):
            e = ember.tensor(x, device=dev, requires_grad=True)
            out = spec.fn(ember, e)
            out.backward(ember.tensor(seed.numpy(), device=dev))
            assert_close(out, spec.fn(torch, torch.tensor(x)), dtype, spec.tol, spec.name)
            assert_close(e.grad, t.grad, dtype, spec.tol, spec.name + " grad")


@pytest.mark.parametrize("device", DEVICES)
def test_a_training_loop_builds_each_matrix_once(builds, device):
    with on_device(device) as dev:
        x = ember.randn(2, 3, 5, 6, device=dev, requires_grad=True)
        for _ in range(4):
            ember.nn.functional.interpolate(x, size=(9, 4), mode="bilinear").sum().backward()
        assert sorted(builds) == [(5, 9), (6, 4)]
        # another dtype, align_corners, scale or mode is another matrix
        ember.nn.functional.interpolate(x.double(), size=(9, 4), mode="bilinear")
        ember.nn.functional.interpolate(x, size=(9, 4), mode="bilinear", align_corners=True)
        ember.nn.functional.interpolate(x, scale_factor=1.8, mode="bilinear")
        ember.nn.functional.interpolate(x, size=(9, 4), mode="bicubic")
        assert len(builds) == 2 + 4 * 2


def test_the_cache_is_a_bounded_lru(builds):
    x = ember.randn(1, 1, 4)
    for n in range(2, 2 + resample._AXIS_KEPT):
        ember.nn.functional.interpolate(x, size=n, mode="linear")
    ember.nn.functional.interpolate(x, size=2, mode="linear")         # the oldest, used again: kept
    ember.nn.functional.interpolate(x, size=200, mode="linear")       # evicts the least recently used (size 3)
    assert len(resample._AXIS_CACHE) == resample._AXIS_KEPT
    made = len(builds)
    ember.nn.functional.interpolate(x, size=2, mode="linear")
    assert len(builds) == made
    ember.nn.functional.interpolate(x, size=3, mode="linear")
    assert len(builds) == made + 1


def test_cached_host_arrays_are_read_only(builds):
    ember.nn.functional.interpolate(ember.randn(1, 1, 4, 4), size=(6, 3), mode="nearest")
    for m, idx in resample._AXIS_CACHE.values():
        assert not m.flags.writeable and not idx.flags.writeable


@pytest.mark.parametrize("device", GPUS)
def test_gpu_matrices_are_made_once_per_device(builds, device):
    with on_device(device):
        if ember.cuda.device_count() < 2:
            pytest.skip("needs two GPUs")
        x0 = ember.randn(1, 2, 4, 5, device="cuda:0")
        with ember.cuda.device(1):
            x1 = ember.randn(1, 2, 4, 5, device="cuda:1")
        for _ in range(3):
            r0 = ember.nn.functional.interpolate(x0, size=(7, 3), mode="bilinear")
            with ember.cuda.device(1):
                r1 = ember.nn.functional.interpolate(x1, size=(7, 3), mode="bilinear")
        assert sorted(builds) == [(4, 7), (4, 7), (5, 3), (5, 3)]
        on = sorted((key[7].index, m.device.id) for key, (m, _) in resample._AXIS_CACHE.items())
        assert on == [(0, 0), (0, 0), (1, 1), (1, 1)]
        assert r0.device == ember.device("cuda:0") and r1.device == ember.device("cuda:1")
        np.testing.assert_allclose(r0.cpu().numpy(), torch.nn.functional.interpolate(
            torch.tensor(x0.cpu().numpy()), size=(7, 3), mode="bilinear").numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("device", GPUS)
def test_empty_cache_drops_the_matrices(builds, device):
    with on_device(device) as dev:
        ember.nn.functional.interpolate(ember.randn(1, 1, 4, device=dev), size=6, mode="linear")
        assert resample._AXIS_CACHE
        ember.cuda.empty_cache()
        assert not resample._AXIS_CACHE
