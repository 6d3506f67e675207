"""Random number generation: ``ember.Generator`` and the default generators behind ``manual_seed``.

A CPU ``Generator`` wraps a NumPy ``Generator`` (PCG64); a CUDA one wraps its backend's stream
(cuRAND through CuPy) and lives on one GPU. Each GPU has a default generator, created on first use
and seeded by ``ember.manual_seed`` like the CPU one. Seeding makes every ember random op
reproducible; the streams differ from PyTorch's (same API, different numbers).
"""
import json

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng", "cuda_default_generator", "seed_cuda_generators"]

_DEFAULT_SEED = 67280421310721    # PyTorch's default initial seed, for familiarity


class Generator:
    """A random stream: ``g = ember.Generator().manual_seed(0)``; pass ``generator=g`` to random ops."""

    def __init__(self, device="cpu"):
        from .backend import as_device
        self.device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1        # PyTorch accepts negative seeds the same way
        self._seed = seed
        if self.device.type == "cpu":
            self._rng = np.random.Generator(np.random.PCG64(seed))
        else:
            from .backend import cuda_backend
            self._rng = cuda_backend().generator(self.device.index, seed)
        return self

    def seed(self):
        """Reseed from OS entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The state as a uint8 tensor (JSON of the bit generator's state; no pickle)."""
        from ._tensor import make
        self._cpu_only("get_state")
        raw = json.dumps({"seed": self._seed, "state": self._rng.bit_generator.state}).encode()
        return make(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, state):
        self._cpu_only("set_state")
        from .backend import to_host
        arr = np.asarray(to_host(state._array) if hasattr(state, "_array") else state, np.uint8)
        try:
            d = json.loads(arr.tobytes().decode())
            bitgen = np.random.PCG64()
            bitgen.state = d["state"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"Generator.set_state(): not a state from get_state() ({e})") from None
        self._seed = int(d["seed"])
        self._rng = np.random.Generator(bitgen)
        return self

    def _cpu_only(self, what):
        if self.device.type != "cpu":
            raise NotImplementedError(f"Generator.{what}() of a {self.device} generator is not supported by ember "
                                      f"(cuRAND's state stays on the GPU); reseed it with manual_seed() instead")

    def __repr__(self):
        return f"<ember.Generator object at {id(self):#x} (device={self.device})>"


default_generator = Generator()
_cuda_defaults = {}           # GPU index -> that GPU's default Generator
_cuda_seed = [None]           # the seed of the last ember.manual_seed, for GPUs first used after it


def cuda_default_generator(index):
    """GPU ``index``'s default generator (created on first use, seeded like the CPU's)."""
    g = _cuda_defaults.get(index)
    if g is None:
        g = Generator(f"cuda:{index}")
        if _cuda_seed[0] is not None:
            g.manual_seed(_cuda_seed[0])
        _cuda_defaults[index] = g
    return g


def seed_cuda_generators(seed):
    """Seed every GPU's default generator, including those created later."""
    _cuda_seed[0] = seed
    for g in _cuda_defaults.values():
        g.manual_seed(seed)


def _reset_cuda_generators():
    # the CUDA backend changed (tests swap a fake in): generators of the old one are stale
    _cuda_defaults.clear()


def _rng(generator, device=None):
    """The stream to draw from for a tensor on ``device`` (None: the CPU)."""
    if generator is None:
        if device is None or device.type == "cpu":
            return default_generator._rng
        return cuda_default_generator(device.index)._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an ember.Generator, got {type(generator).__name__}")
    if device is not None and generator.device is not device:
        if generator.device.type != device.type:
            raise RuntimeError(f"Expected a '{device.type}' device type for generator but found "
                               f"'{generator.device.type}'")
        raise RuntimeError(f"Expected a generator on {device}, but found one on {generator.device}")
    return generator._rng


def manual_seed(seed):
    """Seed the default generators of the CPU and of every GPU (all random ops without ``generator=``);
    returns the CPU one."""
    seed_cuda_generators(int(seed))
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from a fresh random source; returns the seed used."""
    return default_generator.seed()


def initial_seed():
    """The seed the default generator was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor, for ``ember.set_rng_state``."""
    return default_generator.get_state()


def set_rng_state(state):
    """Restore the default generator's state from ``ember.get_rng_state()``."""
    default_generator.set_state(state)


class fork_rng:
    """Context manager restoring the default generator's state on exit."""

    def __init__(self, devices=None, enabled=True):
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._state = get_rng_state()

    def __exit__(self, *exc):
        if self.enabled:
            set_rng_state(self._state)
        return False
