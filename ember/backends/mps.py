"""``ember.backends.mps``: ember has no Apple-GPU (Metal) backend, so ``mps`` is never available, and
``"cuda" if ... else "mps" if ember.backends.mps.is_available() else "cpu"`` picks the CPU."""


def is_available():
    return False


def is_built():
    return False
