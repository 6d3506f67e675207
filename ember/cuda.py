"""``ember.cuda``: GPU queries. The CuPy backend is not built yet, so no GPU is ever available.

Lets tutorials write ``device = "cuda" if ember.cuda.is_available() else "cpu"`` today.
"""

__all__ = ["is_available", "device_count", "synchronize", "manual_seed", "manual_seed_all"]


def is_available():
    return False


def device_count():
    return 0


def synchronize(device=None):
    """Nothing to wait for without a GPU."""


def manual_seed(seed):
    """Accepted for PyTorch compatibility; seeds nothing until a GPU backend exists."""


manual_seed_all = manual_seed
