"""Devices and the array-module layer."""
import numpy as np
import pytest

import ember
from ember import backend


def test_device_parsing_and_interning():
    assert ember.device("cpu") is ember.device("cpu") is backend.cpu
    d = ember.device("cuda:1")
    assert (d.type, d.index, str(d)) == ("cuda", 1, "cuda:1")
    assert ember.device("cuda", 1) is d
    assert repr(ember.device("cuda")) == "device(type='cuda')"
    assert ember.device("cpu") == "cpu" and ember.device("cuda:0") != "cpu"
    for bad in ["gpu", "cuda:x", "cuda:-1"]:
        with pytest.raises(RuntimeError):
            ember.device(bad)


def test_cuda_is_a_clear_error_until_the_gpu_backend():
    with pytest.raises(RuntimeError, match=r"CUDA backend not available: install cupy \(pip install campfire\[gpu\]\)"):
        ember.zeros(3, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA backend not available"):
        ember.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CUDA backend not available"):
        ember.ones(2).to("cuda:0")


def test_array_module_is_numpy_on_cpu():
    t = ember.ones(2)
    assert ember.get_array_module(t) is np
    assert ember.get_array_module(np.ones(2)) is np
    assert t.device is backend.cpu and t.device.xp is np and not t.is_cuda


def _on_fake_gpu(t):
    # no GPU backend yet: relabel a tensor's device to exercise the mixed-device checks
    t._device = ember.device("cuda:0")
    return t


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a @ b,
                                lambda a, b: ember.cat([a, b]), lambda a, b: ember.where(a > 0, a, b),
                                lambda a, b: a.add_(b)])
def test_mixing_devices_names_both(op):
    a = ember.ones(2, 2)
    b = _on_fake_gpu(ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="same device.*cpu and cuda:0"):
        op(a, b)


def test_cuda_queries_say_no_gpu():
    assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
    device = "cuda" if ember.cuda.is_available() else "cpu"
    assert ember.zeros(1, device=device).device.type == "cpu"
