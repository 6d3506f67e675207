"""Seeded synthetic 2-D classification datasets: interleaved moons, spirals and Gaussian blobs.

Each returns ``(X, y)``: float32 features ``(n, n_features)`` and int64 labels ``(n,)``. ``seed`` makes the
data reproducible; without it the numbers come from ember's default generator (so ``ember.manual_seed``
governs them).
"""
import numpy as np

from .. import dtypes as _dt
from .._tensor import make
from ..random import _rng

__all__ = ["make_moons", "make_spirals", "make_blobs"]


def _generator(seed):
    if seed is None:
        return _rng(None)
    return np.random.default_rng(int(seed))


def _check_n(n, name="n_samples"):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _finish(X, y, rng, shuffle, noise):
    if noise:
        if noise < 0:
            raise ValueError(f"noise must be non-negative, got {noise}")
        X = X + rng.normal(scale=noise, size=X.shape)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return make(np.ascontiguousarray(X, dtype=_dt.get_default_dtype().np)), make(y.astype(np.int64))


def make_moons(n_samples=100, *, noise=0.0, seed=None, shuffle=True):
    """Two interleaving half circles (labels 0 and 1), with Gaussian ``noise`` of that standard deviation."""
    n = _check_n(n_samples)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    rng = _generator(seed)
    return _finish(X, y, rng, shuffle, noise)


def make_spirals(n_samples=300, *, n_classes=3, noise=0.2, seed=None, shuffle=True):
    """``n_classes`` interleaved spiral arms of radius 0..1 (CS231n's toy data); ``noise`` jitters the angle."""
    n = _check_n(n_samples)
    k = _check_n(n_classes, "n_classes")
    if noise < 0:
        raise ValueError(f"noise must be non-negative, got {noise}")
    rng = _generator(seed)
    sizes = [n // k + (1 if j < n % k else 0) for j in range(k)]
    X, y = [], []
    for j, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(j * 4.0, (j + 1) * 4.0, m) + rng.normal(scale=noise, size=m)
        X.append(np.stack([r * np.sin(t), r * np.cos(t)], 1))
        y.append(np.full(m, j, np.int64))
    return _finish(np.concatenate(X), np.concatenate(y), rng, shuffle, 0.0)


def make_blobs(n_samples=100, *, centers=3, n_features=2, cluster_std=1.0, center_box=(-10.0, 10.0), seed=None,
               shuffle=True):
    """Isotropic Gaussian blobs: ``centers`` (a count, drawn uniformly in ``center_box``, or an array of
    centres) with standard deviation ``cluster_std`` (one value or one per centre); labels are centre indices."""
    n = _check_n(n_samples)
    rng = _generator(seed)
    if isinstance(centers, (int, np.integer)):
        c = rng.uniform(center_box[0], center_box[1], size=(_check_n(centers, "centers"), _check_n(n_features,
                                                                                             "n_features")))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or not len(c):
            raise ValueError(f"centers must be a count or a 2-D array of centres, got shape {c.shape}")
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (len(c),))
    if (stds < 0).any():
        raise ValueError("cluster_std must be non-negative")
    sizes = [n // len(c) + (1 if j < n % len(c) else 0) for j in range(len(c))]
    X = np.concatenate([rng.normal(c[j], stds[j], size=(m, c.shape[1])) for j, m in enumerate(sizes)])
    y = np.concatenate([np.full(m, j, np.int64) for j, m in enumerate(sizes)])
    return _finish(X, y, rng, shuffle, 0.0)
