"""``ember.use_deterministic_algorithms``: the switch of PyTorch's reproducibility recipe. On the CPU every ember
op is deterministic, so the switch only records the mode. On a GPU, gradients that scatter-add into repeated
indices (indexing, ``index_add``, ``embedding``) sum with atomics whose order may vary between runs; ember does not
refuse them as PyTorch does."""

__all__ = ["use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled"]

_mode = {"enabled": False, "warn_only": False}


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms (``mode=True``); recorded for ``are_deterministic_algorithms_enabled()``.
    ember's CPU ops are deterministic anyway; ``warn_only`` is recorded too."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' must be bool, not {type(mode).__name__}")
    _mode["enabled"], _mode["warn_only"] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    """True after ``ember.use_deterministic_algorithms(True)``."""
    return _mode["enabled"]


def is_deterministic_algorithms_warn_only_enabled():
    """True after ``ember.use_deterministic_algorithms(True, warn_only=True)``."""
    return _mode["warn_only"]
