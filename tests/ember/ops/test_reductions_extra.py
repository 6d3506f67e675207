"""nansum, nanmean, kthvalue, mode, dist, renorm, cov, corrcoef and histogram against PyTorch."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests


def _with_nans(a, i):
    a = a.copy()
    a.reshape(-1)[::3] = np.nan
    return a


def _some_nans(a, i):
    a = a.copy()
    a.reshape(-1)[1::3] = np.nan             # never all NaN: PyTorch's gradient of an empty mean is NaN
    return a


def _small_ints(a, i):
    return np.floor(np.abs(a) * 2) % 3           # few distinct values: mode ties and repeats


def _positive(a, i):
    return np.abs(a) + 0.5


SPECS = [
    Op("nansum", lambda m, x: m.nansum(x), [(3, 4), (), (0, 2)], domain=_with_nans),
    Op("nansum_dim", lambda m, x: x.nansum(1, keepdim=True), [(3, 4), (2, 3, 4)], domain=_with_nans),
    Op("nansum_dtype", lambda m, x: m.nansum(x, (0, 2), dtype=m.float64), [(2, 3, 4)], domain=_with_nans),
    Op("nanmean", lambda m, x: m.nanmean(x), [(3, 4), ()], domain=_some_nans),
    Op("nanmean_dim", lambda m, x: x.nanmean(-1), [(3, 5), (2, 3, 4)], domain=_some_nans),
    Op("nansum_plain", lambda m, x: m.nansum(x, 0), [(3, 4)]),
    Op("kthvalue", lambda m, x: m.kthvalue(x, 2), [(3, 5), (6,)]),
    Op("kthvalue_dim0_keep", lambda m, x: x.kthvalue(3, 0, keepdim=True), [(4, 3), (3, 2, 2)]),
    Op("kthvalue_0d", lambda m, x: m.kthvalue(x, 1), [()]),
    Op("mode", lambda m, x: m.mode(x), [(4, 7), (9,), (2, 3, 6)], domain=_small_ints, gradcheck=False),
    Op("mode_dim0_keep", lambda m, x: x.mode(0, keepdim=True), [(8, 3)], domain=_small_ints, gradcheck=False),
    Op("mode_distinct", lambda m, x: m.mode(x, 1), [(3, 5)]),
    Op("mode_0d", lambda m, x: m.mode(x), [()]),
    Op("dist", lambda m, x, y: m.dist(x, y), [((3, 4), (3, 4)), ((3, 4), (4,))]),
    Op("dist_p", lambda m, x, y: x.dist(y, 3), [((3, 4), (3, 4))]),
    Op("dist_p1", lambda m, x, y: m.dist(x, y, 1), [((5,), (5,))]),
    Op("dist_inf", lambda m, x, y: m.dist(x, y, float("inf")), [((5,), (5,))], gradcheck=False),
    Op("renorm", lambda m, x: m.renorm(x, 2, 0, 1.5), [(4, 3), (3, 2, 2)]),
    Op("renorm_p1_dim1", lambda m, x: x.renorm(1, 1, 2.0), [(4, 3)]),
    Op("renorm_", lambda m, x: (x * 1).renorm_(2, -1, 1.0), [(3, 4)]),
    Op("cov", lambda m, x: m.cov(x), [(3, 6), (5,), (1, 4)]),
    Op("cov_correction", lambda m, x: x.cov(correction=0), [(3, 6)]),
    Op("cov_fweights", lambda m, x: m.cov(x, fweights=m.tensor([1, 2, 0, 3, 1])), [(2, 5)]),
    Op("cov_aweights", lambda m, x, w: m.cov(x, aweights=w), [((2, 5), (5,))], domain=_positive),
    Op("cov_both", lambda m, x, w: m.cov(x, correction=2, fweights=m.tensor([1, 2, 1, 3]), aweights=w),
       [((3, 4), (4,))], domain=_positive),
    Op("corrcoef", lambda m, x: m.corrcoef(x), [(3, 6), (2, 4)]),
    Op("corrcoef_method", lambda m, x: x.corrcoef(), [(4, 7)]),
    Op("histogram", lambda m, x: m.histogram(x, 5), [(20,), (3, 4), (0,)], grad=False),
    Op("histogram_range", lambda m, x: m.histogram(x, 4, range=(-1.0, 1.0)), [(30,)], grad=False),
    Op("histogram_density", lambda m, x: x.histogram(6, density=True), [(25,)], grad=False),
    Op("histogram_weight", lambda m, x, w: m.histogram(x, 3, weight=w), [((4, 5), (4, 5))], grad=False),
    Op("histogram_edges", lambda m, x: m.histogram(x, m.tensor([-2.0, -0.5, 0.0, 0.3, 2.0], dtype=x.dtype)),
       [(40,)], grad=False),
    Op("histogram_edges_density", lambda m, x: m.histogram(x, m.tensor([-1.0, 0.0, 2.0], dtype=x.dtype),
                                                           density=True), [(40,)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_mode_tie_rule_and_ints(device):
    with on_device(device):
        a = [[2, 1, 2, 1], [5, 5, 4, 4], [7, 3, 3, 7]]
        v, i = ember.mode(ember.tensor(a))
        tv, ti = torch.mode(torch.tensor(a))
        assert v.tolist() == tv.tolist() == [1, 4, 3]
        assert i.tolist() == ti.tolist() and i.dtype == ember.int64
        v, i = ember.kthvalue(ember.tensor([[5, 1, 4]]), 2)
        assert (v.tolist(), i.tolist()) == ([4], [2])


@pytest.mark.parametrize("device", DEVICES)
def test_histogram_constant_input(device):
    with on_device(device):
        h, e = ember.histogram(ember.tensor([1.0, 1.0, 1.0]), 3)
        th, te = torch.histogram(torch.tensor([1.0, 1.0, 1.0]), 3)
        np.testing.assert_allclose(h.cpu().numpy(), th.numpy())
        np.testing.assert_allclose(e.cpu().numpy(), te.numpy(), rtol=1e-6)


def test_errors():
    with pytest.raises(RuntimeError, match="k out of range"):
        ember.kthvalue(ember.ones(3), 4)
    with pytest.raises(IndexError, match="non-zero size"):
        ember.mode(ember.ones(0))
    with pytest.raises(RuntimeError, match="floating point"):
        ember.nanmean(ember.tensor([1, 2]))
    with pytest.raises(ValueError, match="two or fewer dimensions"):
        ember.cov(ember.ones(2, 2, 2))
    with pytest.raises(RuntimeError, match="fweights cannot be negative"):
        ember.cov(ember.ones(2, 3), fweights=ember.tensor([1, -1, 1]))
    with pytest.raises(RuntimeError, match="same numel"):
        ember.cov(ember.ones(2, 3), aweights=ember.ones(4))
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        ember.histogram(ember.ones(3), 0)
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        ember.histogram(ember.ones(3), 2, range=(1.0, 0.0))
    with pytest.raises(RuntimeError, match="monotonically"):
        ember.histogram(ember.ones(3), ember.tensor([0.0, 2.0, 1.0]))
    with pytest.raises(RuntimeError, match="non-positive-norm"):
        ember.renorm(ember.ones(3, 2), 0, 0, 1.0)
