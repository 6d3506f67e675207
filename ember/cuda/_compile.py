"""CUDA kernel sources (``ember/cuda/kernels/*.cu``), compiled on first use by the active GPU backend.

``Kernels("optim.cu", ["adam_step<float>", ...])`` compiles the file (with ``common.cuh`` in front) the first
time one of its kernels is launched: CuPy through NVRTC (``cupy.RawModule``), the test suite's fake GPU
through a C++ compiler on the host. A kernel is called as ``k(grid, block, args)``; array arguments are the
backend's arrays, scalars are NumPy scalars of the exact C type (``np.float64`` for ``double``, ``np.int64``
for ``long long``, ``np.int32`` for ``int``), because CUDA reads the bytes it is given.
"""
from pathlib import Path

import numpy as np

from ..backend import cuda_backend

__all__ = ["Kernels", "source", "grid_for", "BLOCK", "CTYPES"]

_DIR = Path(__file__).parent / "kernels"
BLOCK = 256
CTYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}     # the kernels' template types
_MAX_BLOCKS = 4096      # grid-stride loops: more blocks than the GPU holds at once buy nothing


def source(name):
    """The full source of kernel file ``name``: ``common.cuh`` then the file."""
    return (_DIR / "common.cuh").read_text() + "\n" + (_DIR / name).read_text()


def grid_for(n, block=BLOCK):
    """Blocks for ``n`` elements with grid-stride loops (at least one)."""
    return max(1, min((n + block - 1) // block, _MAX_BLOCKS))


class Kernels:
    """The kernels of one source file, compiled once per backend."""

    def __init__(self, filename, names):
        self.filename, self.names = filename, tuple(names)
        self._compiled = {}

    def __getitem__(self, name):
        b = cuda_backend()
        mod = self._compiled.get(id(b))
        if mod is None:
            mod = self._compiled[id(b)] = b.compile_module(source(self.filename), self.names)
        return mod.get(name)
