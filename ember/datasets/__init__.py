"""``ember.datasets``: the 8x8 handwritten digits shipped with ember, and seeded synthetic 2-D datasets.

    X_train, y_train = ember.datasets.load_digits("train")      # (1438, 64) float32 in [0, 1], int64 labels
    X, y = ember.datasets.make_moons(200, noise=0.1, seed=0)
"""
from .digits import load_digits  # noqa: F401
from .synthetic import make_blobs, make_moons, make_spirals  # noqa: F401

__all__ = ["load_digits", "make_blobs", "make_moons", "make_spirals"]
