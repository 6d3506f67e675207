"""make_moons, make_spirals, make_blobs: shapes, labels, seeding, geometry."""
import numpy as np
import pytest

import ember
from ember.datasets import make_blobs, make_moons, make_spirals


@pytest.mark.parametrize("fn,kw,classes", [(make_moons, dict(noise=0.1), 2), (make_spirals, dict(n_classes=4), 4),
                                           (make_blobs, dict(centers=5, n_features=3), 5)])
def test_shapes_labels_and_seeding(fn, kw, classes):
    x, y = fn(101, seed=3, **kw)
    assert x.dtype == ember.float32 and y.dtype == ember.int64 and len(x) == len(y) == 101
    assert sorted(set(y.tolist())) == list(range(classes))
    counts = np.bincount(y.numpy())
    assert counts.max() - counts.min() <= 1                      # balanced classes
    x2, y2 = fn(101, seed=3, **kw)
    assert (x2 == x).all() and (y2 == y).all()
    assert not (fn(101, seed=4, **kw)[0] == x).all()
    ember.manual_seed(9)
    a = fn(50, **kw)[0]
    ember.manual_seed(9)
    assert (fn(50, **kw)[0] == a).all()                           # no seed: ember.manual_seed governs it


def test_moons_without_noise_lie_on_the_two_half_circles():
    x, y = make_moons(200, seed=0)
    x, y = x.numpy().astype(np.float64), y.numpy()
    np.testing.assert_allclose(np.hypot(x[y == 0, 0], x[y == 0, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(x[y == 1, 0] - 1, x[y == 1, 1] - 0.5), 1.0, atol=1e-6)


def test_blobs_cluster_around_given_centres():
    centres = np.array([[0.0, 0.0], [10.0, 10.0]])
    x, y = make_blobs(2000, centers=centres, cluster_std=[0.5, 2.0], seed=1)
    x, y = x.numpy(), y.numpy()
    for j, std in enumerate([0.5, 2.0]):
        np.testing.assert_allclose(x[y == j].mean(0), centres[j], atol=0.2)
        np.testing.assert_allclose(x[y == j].std(0), std, rtol=0.1)


def test_spiral_radius_grows_along_each_arm():
    x, y = make_spirals(300, n_classes=3, noise=0.0, seed=0, shuffle=False)
    r = np.hypot(*x.numpy().T)
    assert r.min() == 0 and r.max() == pytest.approx(1.0) and (np.diff(r[y.numpy() == 0]) > 0).all()


@pytest.mark.parametrize("call,msg", [(lambda: make_moons(0), "positive integer"),
                                      (lambda: make_moons(10, noise=-1), "non-negative"),
                                      (lambda: make_blobs(10, centers=np.ones(3)), "2-D array"),
                                      (lambda: make_spirals(10, n_classes=0), "n_classes")])
def test_bad_arguments(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()
