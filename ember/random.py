"""Random number generation: ``ember.Generator`` and the default generator behind ``manual_seed``.

A ``Generator`` wraps a NumPy ``Generator`` (PCG64). Seeding makes every ember random op
reproducible; the streams differ from PyTorch's (same API, different numbers).
"""
import json

import numpy as np

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "fork_rng"]

_DEFAULT_SEED = 67280421310721    # PyTorch's default initial seed, for familiarity


class Generator:
    """A random stream: ``g = ember.Generator().manual_seed(0)``; pass ``generator=g`` to random ops."""

    def __init__(self, device="cpu"):
        from .backend import as_device
        self.device = as_device(device)
        self._seed = _DEFAULT_SEED
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1        # PyTorch accepts negative seeds the same way
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
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
        raw = json.dumps({"seed": self._seed, "state": self._rng.bit_generator.state}).encode()
        return make(np.frombuffer(raw, np.uint8).copy())

    def set_state(self, state):
        arr = np.asarray(state._array if hasattr(state, "_array") else state, np.uint8)
        try:
            d = json.loads(arr.tobytes().decode())
            bitgen = np.random.PCG64()
            bitgen.state = d["state"]
        except (ValueError, KeyError, TypeError) as e:
            raise RuntimeError(f"Generator.set_state(): not a state from get_state() ({e})") from None
        self._seed = int(d["seed"])
        self._rng = np.random.Generator(bitgen)
        return self

    def __repr__(self):
        return f"<ember.Generator object at {id(self):#x} (device={self.device})>"


default_generator = Generator()


def _rng(generator):
    if generator is None:
        return default_generator._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an ember.Generator, got {type(generator).__name__}")
    return generator._rng


def manual_seed(seed):
    """Seed the default generator (all ember random ops without ``generator=``); returns it."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
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
