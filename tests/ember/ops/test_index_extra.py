"""take_along_dim, argwhere, unravel_index, select(_scatter), slice_scatter, index_copy/fill/put/reduce,
masked_scatter and scatter_reduce against PyTorch (index tensors built inside each spec with ``m.tensor``)."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests


def _ties(a, i):
    return np.round(a)                  # repeated values: amax/amin share the gradient between equals


def _nonzero(a, i):
    return np.where(np.abs(a) < 0.2, 0.7, a)


def _with_zeros(a, i):
    a = np.where(np.abs(a) < 0.2, 0.7, a)
    a.reshape(-1)[::5] = 0.0
    return a


def _sr(reduce, include_self=True, dim=0):
    idx = [[0, 1, 0, 2], [0, 0, 0, 2], [1, 1, 0, 0]] if dim == 0 else [[0, 0, 3], [1, 1, 1], [2, 0, 2]]

    def fn(m, x, s):
        return m.scatter_reduce(x, dim, m.tensor(idx), s, reduce, include_self=include_self)
    return fn


SR_CASES = [((3, 4), (3, 4))]
SMALL_INDEX = [((4, 5), (3, 5))]         # index narrower than src: PyTorch 2.13's backward fails, forward only
SR_DIM1 = [((3, 4), (3, 3))]

SPECS = [
    Op("take_along_dim", lambda m, x: m.take_along_dim(x, m.tensor([[0, 2], [1, 1], [3, 0]]), 1), [(3, 4)]),
    Op("take_along_dim_bcast", lambda m, x: x.take_along_dim(m.tensor([[2], [0]]), 0), [(3, 4)]),
    Op("take_along_dim_bcast_x", lambda m, x: m.take_along_dim(x, m.tensor([[[1, 0, 1]], [[0, 0, 2]]]), -1),
       [(1, 4, 3)]),
    Op("take_along_dim_flat", lambda m, x: m.take_along_dim(x, m.tensor([5, 0, 5, 11])), [(3, 4)]),
    Op("argwhere", lambda m, x: m.argwhere(x > 0), [(3, 4), (5,), (), (0, 2)], grad=False),
    Op("argwhere_method", lambda m, x: (x > 0).argwhere(), [(2, 3, 2)], grad=False),
    Op("select", lambda m, x: m.select(x, 1, 2), [(3, 4), (2, 3, 4)]),
    Op("select_neg", lambda m, x: x.select(-1, -1), [(3, 4)]),
    Op("select_scatter", lambda m, x, s: m.select_scatter(x, s, 0, 1), [((3, 4), (4,))]),
    Op("select_scatter_dim", lambda m, x, s: x.select_scatter(s, -1, -2), [((2, 3, 4), (2, 3))]),
    Op("slice_scatter", lambda m, x, s: m.slice_scatter(x, s, 1, 1, 3), [((3, 4), (3, 2))]),
    Op("slice_scatter_step", lambda m, x, s: x.slice_scatter(s, start=0, step=2), [((5, 2), (3, 2))]),
    Op("slice_scatter_default", lambda m, x, s: m.slice_scatter(x, s), [((3, 2), (3, 2))]),
    Op("index_copy", lambda m, x, s: m.index_copy(x, 0, m.tensor([2, 0]), s), [((3, 4), (2, 4))]),
    Op("index_copy_dim1", lambda m, x, s: x.index_copy(1, m.tensor([3, 1, 0]), s), [((2, 4, 2), (2, 3, 2))]),
    Op("index_copy_", lambda m, x, s: (x * 1).index_copy_(1, m.tensor([1]), s), [((3, 4), (3, 1))]),
    Op("index_fill", lambda m, x: m.index_fill(x, 1, m.tensor([0, 2, 2]), -1.5), [(3, 4), (2, 4, 3)]),
    Op("index_fill_tensor", lambda m, x, v: x.index_fill(0, m.tensor([1]), v), [((3, 4), ())]),
    Op("index_fill_", lambda m, x: (x * 2).index_fill_(0, m.tensor([0, 2]), 3.0), [(3, 2)]),
    Op("index_put", lambda m, x, v: m.index_put(x, (m.tensor([0, 2]), m.tensor([1, 3])), v), [((3, 4), (2,))]),
    Op("index_put_bcast", lambda m, x, v: x.index_put((m.tensor([1, 0]),), v), [((3, 4), (4,)), ((3, 4), ())]),
    Op("index_put_accumulate", lambda m, x, v: m.index_put(x, (m.tensor([0, 0, 2]),), v, accumulate=True),
       [((3, 4), (3, 4)), ((3, 4), (1,))]),
    Op("index_put_mask", lambda m, x, v: m.index_put(x, (x > 0,), v), [((3, 4), ())]),
    Op("index_put_", lambda m, x, v: (x * 1).index_put_((m.tensor([2, 1]), m.tensor([0, 0])), v, True),
       [((3, 4), (2,))]),
    Op("masked_scatter", lambda m, x, s: m.masked_scatter(x, x > 0, s), [((3, 4), (12,)), ((3, 4), (4, 4))]),
    Op("masked_scatter_bcast", lambda m, x, s: x.masked_scatter(m.tensor([True, False, True, False]), s),
       [((3, 4), (3, 2))]),
    Op("masked_scatter_", lambda m, x, s: (x * 1).masked_scatter_(x < 0, s), [((2, 3), (6,))]),
    Op("scatter_reduce_sum", _sr("sum"), SR_CASES),
    Op("scatter_reduce_sum_noself", _sr("sum", False), SR_CASES),
    Op("scatter_reduce_mean", _sr("mean"), SR_CASES),
    Op("scatter_reduce_mean_noself", _sr("mean", False, 1), SR_DIM1),
    Op("scatter_reduce_prod", _sr("prod"), SR_CASES, domain=_nonzero),
    Op("scatter_reduce_prod_noself", _sr("prod", False, 1), SR_DIM1, domain=_nonzero),
    Op("scatter_reduce_prod_zeros", _sr("prod"), SR_CASES, domain=_with_zeros, gradcheck=False),
    Op("scatter_reduce_amax", _sr("amax"), SR_CASES),
    Op("scatter_reduce_amax_noself", _sr("amax", False), SR_CASES),
    Op("scatter_reduce_amin", _sr("amin", dim=1), SR_DIM1),
    Op("scatter_reduce_amin_noself", _sr("amin", False), SR_CASES),
    Op("scatter_reduce_amax_ties", _sr("amax"), SR_CASES, domain=_ties, gradcheck=False),
    Op("scatter_reduce_amin_ties", _sr("amin", False), SR_CASES, domain=_ties, gradcheck=False),
    *[Op(f"scatter_reduce_{r}_small_index", _sr(r, inc), SMALL_INDEX, grad=False)
      for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    Op("scatter_reduce_empty_index", lambda m, x, s: m.scatter_reduce(x, 0, m.tensor([[]], dtype=m.int64).reshape(0, 4),
                                                                       s, "amax"), [((3, 4), (0, 4))]),
    Op("scatter_reduce_0d", lambda m, x, s: m.scatter_reduce(x, 0, m.tensor(0), s, "prod"), [((), ())],
       domain=_nonzero),
    Op("index_put_empty", lambda m, x, v: m.index_put(x, (m.tensor([], dtype=m.int64),), v), [((3,), ())]),
    Op("index_fill_0d", lambda m, x: m.index_fill(x, 0, m.tensor([0]), 2.0), [()]),
    Op("take_along_dim_0d", lambda m, x: m.take_along_dim(x, m.tensor(0)), [()]),
    Op("masked_scatter_none", lambda m, x, s: m.masked_scatter(x, x > 100, s), [((2, 3), (2,))]),
    Op("select_scatter_1d", lambda m, x, s: m.select_scatter(x, s, 0, 2), [((3,), ())]),
    Op("scatter_reduce_", lambda m, x, s: (x * 1).scatter_reduce_(0, m.tensor([[1, 1, 0, 0]]), s, "amax"),
       [((3, 4), (1, 4))]),
    Op("index_reduce_prod", lambda m, x, s: m.index_reduce(x, 0, m.tensor([0, 2, 0]), s, "prod"),
       [((3, 4), (3, 4))], domain=_nonzero),
    Op("index_reduce_mean", lambda m, x, s: x.index_reduce(1, m.tensor([1, 1]), s, "mean", include_self=False),
       [((3, 4), (3, 2))]),
    Op("index_reduce_amax", lambda m, x, s: m.index_reduce(x, 0, m.tensor([1, 1, 0]), s, "amax"),
       [((2, 3), (3, 3))]),
    Op("index_reduce_amin_", lambda m, x, s: (x * 1).index_reduce_(0, m.tensor([0, 0]), s, "amin", include_self=False),
       [((2, 3), (2, 3))]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_small_index_gradcheck(device, reduce, include_self):
    with on_device(device):
        rng = np.random.default_rng(0)
        arrays = [rng.standard_normal(sh) for sh in SMALL_INDEX[0]]
        if reduce == "prod":                 # away from zero; amax/amin keep distinct values (no ties)
            arrays = [_nonzero(a, 0) for a in arrays]
        x, s = (ember.tensor(a, requires_grad=True) for a in arrays)
        assert ember.autograd.gradcheck(lambda a, b: _sr(reduce, include_self)(ember, a, b), (x, s))


@pytest.mark.parametrize("device", DEVICES)
def test_unravel_index(device):
    with on_device(device):
        for idx, shape in (([4, 0, 11, -1], (3, 4)), (7, (2, 2, 2)), ([[1, 5], [2, 3]], [6]), ([], (2, 3))):
            got = ember.unravel_index(ember.tensor(idx, dtype=ember.int64), shape)
            want = torch.unravel_index(torch.tensor(idx, dtype=torch.int64), shape)
            assert len(got) == len(want)
            for g, w in zip(got, want):
                assert g.dtype == ember.int64 and g.tolist() == w.tolist()


@pytest.mark.parametrize("device", DEVICES)
def test_int_dtypes(device):
    with on_device(device):
        x, s = [[1, 2, 3], [4, 5, 6]], [[7, 1, 9], [2, 8, 3]]
        for reduce in ("sum", "prod", "amax", "amin"):
            for inc in (True, False):
                got = ember.scatter_reduce(ember.tensor(x), 0, ember.tensor([[1, 0, 1], [1, 1, 1]]), ember.tensor(s),
                                           reduce, include_self=inc)
                want = torch.scatter_reduce(torch.tensor(x), 0, torch.tensor([[1, 0, 1], [1, 1, 1]]), torch.tensor(s),
                                            reduce, include_self=inc)
                assert got.dtype == ember.int64 and got.tolist() == want.tolist(), (reduce, inc)
        t = ember.zeros(5, dtype=ember.int64)
        t.index_put_((ember.tensor([1, 1, 3]),), ember.tensor([2, 3, 4]), accumulate=True)
        assert t.tolist() == [0, 5, 0, 4, 0]


@pytest.mark.parametrize("device", DEVICES)
def test_inplace_outside_graph(device):
    with on_device(device):
        t = ember.zeros(3, 2)
        v = t._vc[0]
        assert t.index_fill_(0, ember.tensor([1]), 2.0) is t and t.tolist() == [[0, 0], [2, 2], [0, 0]]
        t.masked_scatter_(ember.tensor([[True, False], [False, False], [False, True]]), ember.tensor([5.0, 6.0]))
        assert t.tolist() == [[5, 0], [2, 2], [0, 6]] and t._vc[0] > v
        t.renorm_(1, 0, 1.0)
        assert abs(t.abs().sum(1).max().item() - 1.0) < 1e-5


def test_errors():
    x = ember.zeros(3, 4)
    with pytest.raises(RuntimeError, match="reduce argument must be either"):
        ember.scatter_reduce(x, 0, ember.tensor([[0]]), x, "max")
    with pytest.raises(RuntimeError, match="Expected self.dtype to be equal to src.dtype"):
        ember.scatter_reduce(x, 0, ember.tensor([[0]]), ember.ones(1, 1, dtype=ember.float64), "sum")
    with pytest.raises(RuntimeError, match="Expected reduce to be one of"):
        ember.index_reduce(x, 0, ember.tensor([0]), ember.ones(1, 4), "sum")
    with pytest.raises(IndexError, match="index out of range"):
        ember.index_copy(x, 0, ember.tensor([3]), ember.ones(1, 4))
    with pytest.raises(RuntimeError, match="source must have the shape"):
        ember.index_copy(x, 0, ember.tensor([0, 1]), ember.ones(1, 4))
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        ember.index_put(x, (ember.tensor([0]),), ember.ones(4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        ember.index_put(x, (ember.tensor([0]),), ember.ones(3))
    with pytest.raises(RuntimeError, match="at least as many elements"):
        ember.masked_scatter(x, x == 0, ember.ones(5))
    with pytest.raises(RuntimeError, match="only supports boolean masks"):
        ember.masked_scatter(x, ember.ones(3, 4), ember.ones(12))
    with pytest.raises(IndexError, match="out of range"):
        ember.select(x, 0, 3)
    with pytest.raises(RuntimeError, match="size equal to the slice"):
        ember.select_scatter(x, ember.ones(3), 0, 0)
    with pytest.raises(RuntimeError, match="size equal to the slice"):
        ember.slice_scatter(x, ember.ones(3, 4), 0, 0, 2)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        ember.take_along_dim(x, ember.tensor([0]), 0)
    with pytest.raises(ValueError, match="must be in range"):
        ember.unravel_index(ember.tensor([12]), (3, 4))
    with pytest.raises(TypeError, match="integer dtype"):
        ember.unravel_index(ember.tensor([1.0]), (3, 4))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        ember.ones(3, requires_grad=True).index_fill_(0, ember.tensor([0]), 1.0)
