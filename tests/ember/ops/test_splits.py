"""tensor_split, h/v/dsplit, dstack, column_stack, atleast_3d, rot90, tensordot, block_diag, cartesian_prod,
combinations, diagflat, vander and broadcast_shapes against PyTorch."""
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests

SPECS = [
    Op("tensor_split_sections", lambda m, x: m.tensor_split(x, 3), [(7, 2), (2,), (0, 3)]),
    Op("tensor_split_dim1", lambda m, x: x.tensor_split(4, 1), [(2, 6)]),
    Op("tensor_split_indices", lambda m, x: m.tensor_split(x, [1, 4], dim=-1), [(2, 6), (3, 3)]),
    Op("tensor_split_odd_indices", lambda m, x: m.tensor_split(x, (-2, 1, 9)), [(5, 2)]),
    Op("tensor_split_tensor", lambda m, x: m.tensor_split(x, m.tensor([2, 3])), [(5,)]),
    Op("hsplit", lambda m, x: m.hsplit(x, 2), [(3, 4), (6,)]),
    Op("hsplit_indices", lambda m, x: x.hsplit([1, 3]), [(2, 5, 2)]),
    Op("vsplit", lambda m, x: m.vsplit(x, [1]), [(3, 4)]),
    Op("dsplit", lambda m, x: x.dsplit(2), [(2, 3, 4)]),
    Op("dstack", lambda m, x, y: m.dstack([x, y]), [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3, 1), (2, 3, 2))]),
    Op("dstack_0d", lambda m, x, y: m.dstack((x, y)), [((), ())]),
    Op("column_stack", lambda m, x, y, z: m.column_stack([x, y, z]), [((3,), (3, 2), (3,)), ((), (1, 2), ())]),
    Op("atleast_3d", lambda m, x: m.atleast_3d(x), [(), (4,), (2, 3), (2, 3, 4, 1)]),
    Op("atleast_3d_many", lambda m, x, y: m.atleast_3d(x, y), [((2,), (3, 2))]),
    Op("atleast_3d_list", lambda m, x, y: m.atleast_3d([x, y]), [((), (2, 2))]),
    Op("rot90", lambda m, x: m.rot90(x), [(3, 4), (2, 3, 4)]),
    Op("rot90_k", lambda m, x: x.rot90(2), [(3, 4)]),
    Op("rot90_neg", lambda m, x: m.rot90(x, -1, [1, 2]), [(2, 3, 4)]),
    Op("rot90_k3_swapped", lambda m, x: m.rot90(x, 3, (1, 0)), [(3, 4)]),
    Op("rot90_k0", lambda m, x: m.rot90(x, 4), [(3, 4)]),
    Op("tensordot", lambda m, a, b: m.tensordot(a, b), [((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4))]),
    Op("tensordot_int", lambda m, a, b: m.tensordot(a, b, 1), [((2, 3), (3, 4)), ((0, 3), (3, 2))]),
    Op("tensordot_outer", lambda m, a, b: m.tensordot(a, b, 0), [((2,), (3,)), ((), (2,))]),
    Op("tensordot_pairs", lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [2, 0])), [((3, 2, 4), (3, 5, 2))]),
    Op("tensordot_single_pair", lambda m, a, b: m.tensordot(a, b, dims=([-1], [0])), [((2, 3), (3,))]),
    Op("block_diag", lambda m, a, b, c: m.block_diag(a, b, c), [((2, 3), (3,), ()), ((1, 2), (0, 2), (2, 1))]),
    Op("block_diag_one", lambda m, a: m.block_diag(a), [(2, 2)]),
    Op("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), [((3,), (2,)), ((0,), (2,))]),
    Op("cartesian_prod3", lambda m, a, b, c: m.cartesian_prod(a, b, c), [((2,), (3,), (2,))]),
    Op("cartesian_prod1", lambda m, a: m.cartesian_prod(a), [(4,)]),
    Op("combinations", lambda m, x: m.combinations(x), [(4,), (1,), (0,)]),
    Op("combinations_r3", lambda m, x: m.combinations(x, 3), [(5,)]),
    Op("combinations_repl", lambda m, x: m.combinations(x, 2, with_replacement=True), [(3,)]),
    Op("combinations_r0", lambda m, x: m.combinations(x, 0), [(3,)], grad=False),
    Op("diagflat", lambda m, x: m.diagflat(x), [(3,), (2, 2), ()]),
    Op("diagflat_offset", lambda m, x: x.diagflat(-2), [(3,)]),
    Op("diagflat_pos", lambda m, x: m.diagflat(x, 1), [(2, 2)]),
    Op("vander", lambda m, x: m.vander(x), [(4,), (1,)], grad=False),
    Op("vander_n", lambda m, x: m.vander(x, N=3, increasing=True), [(5,)], grad=False),
    Op("vander_n1", lambda m, x: m.vander(x, 1), [(3,)], grad=False),
    Op("vander_n0", lambda m, x: m.vander(x, 0), [(3,)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_int_inputs(device):
    with on_device(device):
        v = ember.vander(ember.tensor([1, 2, 3]))
        assert v.dtype == ember.int64 and v.tolist() == torch.vander(torch.tensor([1, 2, 3])).tolist()
        c = ember.combinations(ember.tensor([1, 2, 3]), with_replacement=True)
        assert c.tolist() == torch.combinations(torch.tensor([1, 2, 3]), with_replacement=True).tolist()
        b = ember.block_diag(ember.tensor([[1, 2]]), ember.tensor([0.5]))
        assert b.dtype == ember.float32 and b.tolist() == [[1, 2, 0], [0, 0, 0.5]]
        parts = ember.tensor_split(ember.arange(7), 3)
        assert [p.tolist() for p in parts] == [[0, 1, 2], [3, 4], [5, 6]]


def test_vander_gradcheck():
    # PyTorch 2.13's own vander backward fails (an in-place cumprod), so check ember's by finite differences
    x = ember.randn(4, dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, 5), (x,))
    assert ember.autograd.gradcheck(lambda t: ember.vander(t, increasing=True), (ember.tensor([0.0, 1.5, -2.0],
                                                                                                 dtype=ember.float64,
                                                                                                 requires_grad=True),))


def test_broadcast_shapes():
    assert ember.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    assert isinstance(ember.broadcast_shapes((2,)), ember.Size)
    assert ember.broadcast_shapes() == torch.broadcast_shapes() == ()
    assert ember.broadcast_shapes((0, 1), (4,)) == (0, 4)
    with pytest.raises(RuntimeError, match="Mismatch is between arg 1"):
        ember.broadcast_shapes((2, 3), (4,))


def test_errors():
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0"):
        ember.tensor_split(ember.ones(3), 0)
    with pytest.raises(RuntimeError, match="at least a 1-dimensional"):
        ember.tensor_split(ember.tensor(1.0), 2)
    with pytest.raises(RuntimeError, match="not divisible by the split_size 2"):
        ember.hsplit(ember.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="at least 2 dimension"):
        ember.vsplit(ember.ones(4), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimension"):
        ember.dsplit(ember.ones(4, 2), 2)
    with pytest.raises(RuntimeError, match="expected total dims >= 2"):
        ember.rot90(ember.ones(3))
    with pytest.raises(RuntimeError, match="rotation dims to be different"):
        ember.rot90(ember.ones(3, 3), 1, (1, 1))
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        ember.tensordot(ember.ones(2, 3), ember.ones(2, 3), 1)
    with pytest.raises(RuntimeError, match="dims < ndim_a or ndim_b"):
        ember.tensordot(ember.ones(2), ember.ones(2), 2)
    with pytest.raises(RuntimeError, match="2 or fewer dimensions"):
        ember.block_diag(ember.ones(1, 1, 1))
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        ember.combinations(ember.ones(2, 2))
    with pytest.raises(RuntimeError, match="Expect a 1D vector"):
        ember.cartesian_prod(ember.ones(2, 2), ember.ones(2))
    with pytest.raises(RuntimeError, match="one-dimensional"):
        ember.vander(ember.ones(2, 2))
