"""meshgrid, diag, diag_embed, trace, kron and repeat_interleave against PyTorch (see tests/ember/harness.py)."""
import pytest
import torch

import ember
from tests.ember.harness import Op, op_tests



def _trace_grad_bug(torch, case, part):
    """PyTorch 2.11 filled every (cols+1)-th element of a tall matrix's trace gradient: a third 1 in 4x2."""
    if part != "backward":
        return None
    x = torch.ones(case, requires_grad=True)
    x.trace().backward()
    if x.grad.sum().item() != min(case):
        return "fills trace's gradient past the diagonal of a tall matrix"


SPECS = [
    Op("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [((3,), (4,)), ((0,), (2,)), ((), (3,))]),
    Op("meshgrid_xy", lambda m, a, b, c: m.meshgrid([a, b, c], indexing="xy"), [((3,), (4,), (2,))]),
    Op("meshgrid_one", lambda m, a: m.meshgrid(a, indexing="xy"), [(5,)]),
    Op("diag_vector", lambda m, x: m.diag(x), [(4,), (0,), (1,)]),
    Op("diag_vector_offset", lambda m, x: x.diag(2), [(3,)]),
    Op("diag_vector_negative", lambda m, x: m.diag(x, -1), [(3,)]),
    Op("diag_matrix", lambda m, x: m.diag(x), [(3, 4), (4, 2), (0, 0)]),
    Op("diag_matrix_offset", lambda m, x: m.diag(x, 1) * 2, [(3, 4)]),
    Op("diag_matrix_negative", lambda m, x: x.diag(-2), [(4, 3)]),
    Op("diag_embed", lambda m, x: m.diag_embed(x), [(2, 3), (4,), (2, 0)]),
    Op("diag_embed_dims", lambda m, x: x.diag_embed(offset=1, dim1=0, dim2=2), [(2, 3)]),
    Op("diag_embed_neg", lambda m, x: m.diag_embed(x, -1, dim1=-1, dim2=0), [(2, 3)]),
    Op("trace", lambda m, x: m.trace(x), [(3, 3), (3, 5), (4, 2), (0, 0)], oracle_bug=_trace_grad_bug),
    Op("trace_method", lambda m, x: x.trace() * x.trace(), [(2, 2)]),
    Op("kron", lambda m, a, b: m.kron(a, b), [((2, 3), (4, 5)), ((2,), (3,)), ((2, 3), (3,)), ((), (2,)),
                                               ((2, 1, 2), (3, 2)), ((0, 2), (2, 2))]),
    Op("kron_method", lambda m, a, b: a.kron(b), [((2, 2), (2, 2))]),
    Op("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2), [(3, 2), (), (0,)]),
    Op("repeat_interleave_dim", lambda m, x: x.repeat_interleave(3, dim=1), [(2, 3), (2, 0)]),
    Op("repeat_interleave_zero", lambda m, x: m.repeat_interleave(x, 0, dim=0), [(2, 3)]),
    Op("repeat_interleave_tensor", lambda m, x: m.repeat_interleave(x, m.tensor([1, 0, 2]), dim=0), [(3, 2)]),
    Op("repeat_interleave_tensor_flat", lambda m, x: x.repeat_interleave(m.tensor([2, 1, 1, 3]), output_size=7),
       [(2, 2)]),
    Op("repeat_interleave_scalar_tensor", lambda m, x: x.repeat_interleave(m.tensor(2), dim=-1), [(2, 2)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_repeat_interleave_counts_only():
    got = ember.repeat_interleave(ember.tensor([2, 0, 3]))
    assert got.dtype == ember.int64
    assert got.tolist() == torch.repeat_interleave(torch.tensor([2, 0, 3])).tolist() == [0, 0, 2, 2, 2]


def test_meshgrid_shapes_and_values():
    a, b = ember.meshgrid(ember.arange(3), ember.arange(4), indexing="xy")
    ta, tb = torch.meshgrid(torch.arange(3), torch.arange(4), indexing="xy")
    assert a.shape == tuple(ta.shape) == (4, 3) and a.tolist() == ta.tolist() and b.tolist() == tb.tolist()


def test_errors():
    with pytest.raises(ValueError, match="indexing must be one of"):
        ember.meshgrid(ember.zeros(2), indexing="ji")
    with pytest.raises(RuntimeError, match="0D or 1D"):
        ember.meshgrid(ember.zeros(2, 2))
    with pytest.raises(RuntimeError, match="Supports 1D or 2D"):
        ember.diag(ember.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="expected a matrix"):
        ember.trace(ember.zeros(3))
    with pytest.raises(RuntimeError, match="identical"):
        ember.diag_embed(ember.zeros(3), dim1=0, dim2=-2)
    with pytest.raises(RuntimeError, match="negative"):
        ember.repeat_interleave(ember.zeros(3), -1)
    with pytest.raises(RuntimeError, match="same size as input"):
        ember.repeat_interleave(ember.zeros(3), ember.tensor([1, 2]), dim=0)
    with pytest.raises(RuntimeError, match="1-D integer"):
        ember.repeat_interleave(ember.zeros(3), ember.tensor([1.0, 2.0, 1.0]))
    with pytest.raises(RuntimeError, match="output_size 5"):
        ember.repeat_interleave(ember.zeros(3), 2, output_size=5)
