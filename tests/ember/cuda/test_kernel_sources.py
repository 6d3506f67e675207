"""The CUDA sources of ember's fused kernels compile for the GPU (nvcc, sm_90: H100/H200; and CuPy's own NVRTC
path with the exact template names ember asks for) and as C++ for the CPU emulator, and the emulator checks
kernel arguments the way CUDA needs them."""
import shutil
import subprocess

import numpy as np
import pytest

from ember.cuda._compile import _DIR, source
from tests.ember.cuda import emulator

SOURCES = sorted(p.name for p in _DIR.glob("*.cu"))


def _instantiations(src):
    lines = []
    for name, params in emulator.kernel_signatures(src).items():
        for t in ("float", "double"):
            decl = ", ".join(emulator._resolve(ct, t) for ct, _ in params)
            lines.append(f"template __global__ void {name}<{t}>({decl});")
    return "\n".join(lines)


@pytest.mark.parametrize("name", SOURCES)
def test_sources_compile_for_hopper_with_nvcc(name, tmp_path):
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not installed here")
    src = source(name)
    cu = tmp_path / "k.cu"
    cu.write_text(src + "\n" + _instantiations(src) + "\n")
    r = subprocess.run([nvcc, "--cubin", "-arch=sm_90", "-std=c++14", "-Xptxas", "-v", "-Werror",
                        "all-warnings", "-o", str(tmp_path / "k.cubin"), str(cu)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    assert "spill" in r.stderr and " 0 bytes spill stores" in r.stderr     # the register report: no spills
    assert "bytes spill stores" not in r.stderr.replace(" 0 bytes spill stores", "")


def _nvrtc_program():
    """CuPy's NVRTC wrapper, or a skip saying what is missing (CI has neither CuPy nor NVRTC)."""
    try:
        from cupy.cuda import compiler, nvrtc
        nvrtc.getVersion()
    except Exception as e:          # ImportError, or CuPy without libnvrtc (cupy-cuda13x without [ctk])
        pytest.skip(f"CuPy with NVRTC is not installed here ({type(e).__name__}: {e}); "
                    "pip install cupy-cuda13x nvidia-cuda-nvrtc runs this check without a GPU")
    return compiler._NVRTCProgram


@pytest.mark.parametrize("module", ["_fused_optim", "_fused_nn", "_fused_conv", "_fused_pool"])
def test_ember_kernels_compile_through_cupys_nvrtc(module):
    # what CupyBackend.compile_module hands cupy.RawModule: no host headers, -std=c++14, name expressions;
    # RawModule itself needs a GPU to pick the arch, so this drives the NVRTC program under it with sm_90
    program = _nvrtc_program()
    import importlib
    kernels = importlib.import_module(f"ember.cuda.{module}").KERNELS
    prog = program(source(kernels.filename), "ember.cu", name_expressions=list(kernels.names))
    image, mangled = prog.compile(("-std=c++14", "-arch=sm_90"))
    assert image and set(mangled) == set(kernels.names)
    assert all(m.startswith("_Z") for m in mangled.values())        # each template instantiated and found


@pytest.mark.parametrize("name", SOURCES)
def test_sources_compile_as_cpp_for_the_emulator(name):
    if emulator.compiler() is None:
        pytest.skip("no C++ compiler for the kernel emulator")
    src = source(name)
    names = [f"{k}<{t}>" for k in emulator.kernel_signatures(src) for t in ("float", "double")]
    module = emulator.compile_module(src, names)
    assert all(callable(module.get(n)) for n in names)


def test_emulator_refuses_arguments_cuda_would_misread():
    if emulator.compiler() is None:
        pytest.skip("no C++ compiler for the kernel emulator")
    from tests.ember.fake_cuda import XP, installed
    with installed():
        module = emulator.compile_module(source("optim.cu"), ["sgd_step<float>"])
        k = module.get("sgd_step<float>")
        p, g = XP.ones(4, dtype=np.float32), XP.ones(4, dtype=np.float32)
        good = [p, g, p, np.int64(4), np.float64(0.5), np.float64(0), np.float64(0), np.float64(0), np.int32(0),
                np.int32(0), np.int32(0)]
        k(1, 32, good)
        assert p.get().tolist() == [0.5] * 4
        for i, bad in [(4, 0.5), (3, 4), (8, np.int64(0)), (1, XP.ones(4)), (0, np.ones(4, np.float32))]:
            args = list(good)
            args[i] = bad
            with pytest.raises(TypeError, match="sgd_step<float>: parameter"):
                k(1, 32, args)
        with pytest.raises(TypeError, match="not contiguous"):
            k(1, 32, [XP.ones(8, dtype=np.float32)[::2]] + good[1:])
