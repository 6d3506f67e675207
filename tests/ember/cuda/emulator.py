"""Run ember's CUDA kernels on the CPU: the fake GPU's ``compile_module`` (tests only).

The kernel source (``ember/cuda/kernels/*.cu``) is compiled unchanged as C++ by the host compiler, after a
prelude that defines CUDA's qualifiers and ``threadIdx``/``blockIdx``/``blockDim``/``gridDim``. A launch
runs every thread of every block one after another, so a kernel whose threads write disjoint elements
(all of ember's) computes exactly what it computes on a GPU, up to the GPU's fused multiply-add rounding.
What this cannot show: races, shared memory, warp intrinsics, speed; and NVRTC's own diagnostics (the nvcc
test in test_kernel_sources.py compiles the same sources for the GPU).

Arguments are checked the way CUDA would need them to be right: each pointer gets a contiguous fake-GPU
array of the pointee's dtype on the current fake GPU; each scalar a NumPy scalar of exactly the C type.
"""
import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

from tests.ember.fake_cuda import FakeArray, _check_device

_PRELUDE = r"""
#include <cmath>
#include <cstdint>
struct ember_dim3 { unsigned x = 0, y = 0, z = 0; };
static ember_dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
"""

_C_DTYPES = {"float": np.float32, "double": np.float64, "long long": np.int64, "int": np.int32,
             "unsigned char": np.uint8, "bool": np.bool_}
_KERNEL = re.compile(r"template\s*<\s*typename\s+T\s*>\s*__global__\s+void\s+(\w+)\s*\(([^)]*)\)", re.S)


def compiler():
    """The host C++ compiler, or None."""
    return shutil.which(os.environ.get("CXX", "g++")) or shutil.which("c++")


def kernel_signatures(source):
    """``{kernel name: [(C type with T, parameter name), ...]}`` for every templated kernel in ``source``."""
    out = {}
    for name, params in _KERNEL.findall(source):
        out[name] = [_split(p) for p in params.split(",") if p.strip()]
    return out


def _split(param):
    words = " ".join(param.split())
    m = re.match(r"(.*?)(\w+)$", words)
    return m.group(1).strip(), m.group(2)


def _instance(expr):
    m = re.fullmatch(r"(\w+)<(\w+)>", expr.replace(" ", ""))
    if not m:
        raise ValueError(f"emulator: unsupported name expression {expr!r} (expected kernel<type>)")
    return m.group(1), m.group(2)


def _wrapper(kernel, ctype, params):
    decl = ", ".join(f"{t.replace('T', ctype) if _is_t(t) else t} {n}" for t, n in params)
    names = ", ".join(n for _, n in params)
    return (f'extern "C" void emu_{kernel}_{ctype}({decl}{", " if decl else ""}unsigned grid_, unsigned block_) {{\n'
            f"    gridDim.x = grid_; blockDim.x = block_;\n"
            f"    for (unsigned b = 0; b < grid_; ++b) {{ blockIdx.x = b;\n"
            f"        for (unsigned t = 0; t < block_; ++t) {{ threadIdx.x = t; {kernel}<{ctype}>({names}); }} }}\n"
            f"}}\n")


def _is_t(ctype):
    return re.search(r"\bT\b", ctype) is not None


def _resolve(ctype, t):
    return re.sub(r"\bT\b", t, ctype)


def compile_module(source, names):
    """Compile ``source`` with a launcher per name expression (``"adam_step<float>"``); returns a module."""
    cxx = compiler()
    if cxx is None:
        raise RuntimeError("the kernel emulator needs a C++ compiler (g++); none found")
    sigs = kernel_signatures(source)
    wrappers, kernels = [], {}
    for expr in names:
        kernel, ctype = _instance(expr)
        if kernel not in sigs:
            raise ValueError(f"emulator: kernel {kernel!r} not found in the source")
        wrappers.append(_wrapper(kernel, ctype, sigs[kernel]))
        kernels[expr] = (f"emu_{kernel}_{ctype}", [(_resolve(t, ctype), n) for t, n in sigs[kernel]])
    full = _PRELUDE + source + "\n" + "".join(wrappers)
    digest = hashlib.sha256(full.encode()).hexdigest()[:16]
    lib = os.path.join(tempfile.gettempdir(), f"ember-emu-{digest}.so")
    if not os.path.exists(lib):
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "k.cpp")
            with open(src, "w") as f:
                f.write(full)
            tmp = os.path.join(d, "k.so")
            r = subprocess.run([cxx, "-std=c++17", "-O1", "-shared", "-fPIC", "-ffp-contract=off", "-Wall",
                                "-Werror=return-type", "-o", tmp, src], capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"emulator: the kernel source does not compile as C++:\n{r.stderr}")
            shutil.move(tmp, lib)
    return _Module(ctypes.CDLL(lib), kernels)


class _Module:
    def __init__(self, dll, kernels):
        self._dll, self._kernels = dll, kernels

    def get(self, name):
        symbol, params = self._kernels[name]
        fn = getattr(self._dll, symbol)
        fn.restype = None

        def launch(grid, block, args):
            if len(args) != len(params):
                raise TypeError(f"{name}: {len(args)} arguments for {len(params)} parameters")
            if not (isinstance(grid, int) and isinstance(block, int) and grid > 0 and 0 < block <= 1024):
                raise ValueError(f"{name}: bad launch configuration grid={grid!r} block={block!r}")
            fn(*[_argument(name, t, n, a) for (t, n), a in zip(params, args)], ctypes.c_uint(grid),
               ctypes.c_uint(block))
        return launch


def _argument(kernel, ctype, pname, value):
    if "*" in ctype:
        base = ctype.replace("const", "").replace("*", "").strip()
        want = np.dtype(_C_DTYPES[base])
        if not isinstance(value, FakeArray):
            raise TypeError(f"{kernel}: parameter {pname} ({ctype}) needs a GPU array, got {type(value).__name__}")
        a = _check_device(value)
        if a.dtype != want or not a.flags.c_contiguous:
            raise TypeError(f"{kernel}: parameter {pname} ({ctype}) got a {a.dtype} array"
                            f"{'' if a.flags.c_contiguous else ' that is not contiguous'}")
        return ctypes.c_void_p(a.ctypes.data)
    want = _C_DTYPES[ctype]
    if type(value) is not want:
        raise TypeError(f"{kernel}: parameter {pname} ({ctype}) needs a numpy.{np.dtype(want).name} scalar (CUDA "
                        f"reads its bytes as that type), got {type(value).__name__}")
    return np.ctypeslib.as_ctypes_type(np.dtype(want))(value.item())
