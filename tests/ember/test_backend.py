"""Devices and the array-module layer."""
import importlib.util

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


def test_cuda_without_a_usable_gpu_is_a_clear_error():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present: tests/ember/cuda covers device='cuda'")
    # without CuPy the error says how to install it; with CuPy but no GPU (a CPU worker with the
    # gpu extra) it says what CuPy reported
    why = (r"install cupy \(pip install campfire\[gpu\]\)" if importlib.util.find_spec("cupy") is None
           else "CuPy found no usable GPU")
    with pytest.raises(RuntimeError, match=r"CUDA backend not available: " + why):
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


def _run(code, env=None, pythonpath=()):
    import os
    import subprocess
    import sys
    e = dict(os.environ)
    e.update(env or {})
    e["PYTHONPATH"] = os.pathsep.join([*map(str, pythonpath), os.getcwd()])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_cupy_present_but_no_gpu_is_reported_not_raised_at_import(tmp_path):
    # a CuPy whose driver query fails, as on a machine with the package but no NVIDIA driver
    pkg = tmp_path / "cupy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        "import types\n"
        "def _count():\n    raise RuntimeError('cudaErrorInsufficientDriver: CUDA driver version is insufficient')\n"
        "cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=_count))\n")
    (tmp_path / "cupyx.py").write_text("")
    out = _run("import ember\n"
               "print(ember.cuda.is_available(), ember.cuda.device_count())\n"
               "try:\n    ember.zeros(1, device='cuda')\n"
               "except RuntimeError as e:\n    print(e)\n", pythonpath=[tmp_path])
    first, second = out.splitlines()
    assert first == "False 0"
    assert "CUDA backend not available: CuPy found no usable GPU" in second and "cudaErrorInsufficientDriver" in second


def test_real_cupy_without_a_gpu_says_why():
    pytest.importorskip("cupy", reason="CuPy is not installed here")
    if ember.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="CUDA backend not available"):
        ember.zeros(1, device="cuda")


def test_ember_device_sets_the_default_device_for_factories():
    out = _run("import ember\n"
               "from tests.ember.fake_cuda import installed\n"
               "with installed():\n"
               "    print(ember.zeros(1).device, ember.tensor([1]).device, ember.randn(2).device,\n"
               "          ember.from_numpy(__import__('numpy').ones(1)).device, ember.get_default_device())\n"
               "    ember.set_default_device('cpu')\n"
               "    print(ember.zeros(1).device)\n", env={"EMBER_DEVICE": "cuda"})
    assert out.splitlines() == ["cuda:0 cuda:0 cuda:0 cpu cuda:0", "cpu"]


def test_ember_device_without_a_gpu_fails_clearly_at_first_use_not_at_import():
    out = _run("import ember\n"
               "print(ember.ones(1).tolist() if False else 'imported')\n"
               "try:\n    ember.zeros(1)\n"
               "except RuntimeError as e:\n    print(e)\n"
               "ember.set_default_device('cpu')\n"
               "print(ember.zeros(1).device)\n", env={"EMBER_DEVICE": "cuda"}, pythonpath=[])
    lines = out.splitlines()
    assert lines[0] == "imported"
    assert "CUDA backend not available" in lines[1] and "ember.set_default_device('cpu')" in lines[1]
    assert lines[2] == "cpu"


def test_a_bad_ember_device_warns_and_keeps_the_cpu():
    out = _run("import warnings\nwarnings.simplefilter('always')\nimport ember\nprint(ember.zeros(1).device)\n",
               env={"EMBER_DEVICE": "tpu"})
    assert out.strip() == "cpu"


def test_writeable_treats_repeated_device_elements_as_read_only():
    from tests.ember.fake_cuda import installed
    with installed():
        x = ember.ones(3, device="cuda")
        assert backend.writeable(x._array)
        e = x.expand(4, 3)
        assert not backend.writeable(e._array)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
            e.add_(1)


def test_fused_kernels_and_conv_algorithm_follow_the_environment():
    out = _run("import ember\nprint(ember.cuda.fused_enabled(), ember.cuda.conv_algorithm())",
               env={"EMBER_FUSED": "0", "EMBER_CONV": "im2col"})
    assert out.split() == ["False", "im2col"]
    out = _run("import ember\nprint(ember.cuda.fused_enabled(), ember.cuda.conv_algorithm())",
               env={"EMBER_FUSED": "1", "EMBER_CONV": "bogus"})
    assert out.split() == ["True", "auto"]
