"""Indexing, gather/scatter, masked ops and sorting against PyTorch (see tests/ember/harness.py).

Index tensors are built inside each spec with ``m.tensor`` so one expression serves both libraries;
several use repeated indices to check that their gradients accumulate.
"""
from tests.ember.harness import Op, op_tests


def _setitem(m, x, v):
    y = x * 1
    y[1:, 0] = v[:2] * 2
    return y


def _setitem_mask(m, x):
    y = x * 2
    y[y > 0] = 0.0
    return y


def _setitem_int(m, x, v):
    y = m.zeros(4, 3, dtype=x.dtype)
    y[m.tensor([0, 2])] = v
    return y * x


SPECS = [
    Op("getitem_int", lambda m, x: x[1], [(3, 4)]),
    Op("getitem_neg", lambda m, x: x[-1, 2], [(3, 4)]),
    Op("getitem_slice", lambda m, x: x[1:, ::2], [(3, 4), (0, 4)]),
    Op("getitem_step", lambda m, x: x[..., 1:3], [(2, 3, 4)]),
    Op("getitem_none", lambda m, x: x[None, :, None], [(3, 4)]),
    Op("getitem_ellipsis", lambda m, x: x[..., 0], [(2, 3, 4)]),
    Op("getitem_int_tensor", lambda m, x: x[m.tensor([0, 2, 0, 1])], [(3, 4)]),
    Op("getitem_int_list", lambda m, x: x[[2, 2, 1]], [(3, 4)]),
    # the nn tutorial's negative log-likelihood: input[range(n), target]
    Op("getitem_range", lambda m, x: x[range(3), m.tensor([3, 0, 1])], [(3, 4)]),
    Op("getitem_range_rows", lambda m, x: x[range(0, 3, 2)], [(3, 4)]),
    Op("getitem_two_arrays", lambda m, x: x[m.tensor([0, 1, 1]), m.tensor([3, 0, 0])], [(3, 4)]),
    Op("getitem_mixed", lambda m, x: x[1:, m.tensor([0, 0, 3])], [(3, 4)]),
    Op("getitem_2d_index", lambda m, x: x[m.tensor([[0, 1], [1, 1]])], [(3, 4)]),
    Op("getitem_mask", lambda m, x: x[x > 0], [(3, 4), (5,)]),
    Op("getitem_row_mask", lambda m, x: x[m.tensor([True, False, True])], [(3, 4)]),
    Op("getitem_scalar_tensor", lambda m, x: x[m.tensor(1)], [(3, 4)]),
    Op("setitem", _setitem, [((3, 4), (3,))]),
    Op("setitem_mask", _setitem_mask, [(3, 4)]),
    Op("setitem_int", _setitem_int, [((4, 3), (3,))]),
    Op("gather", lambda m, x: m.gather(x, 1, m.tensor([[0, 0], [1, 3], [2, 2]])), [(3, 4)]),
    Op("gather_dim0", lambda m, x: x.gather(0, m.tensor([[0, 1, 2, 0], [0, 0, 0, 0]])), [(3, 4)]),
    Op("gather_smaller", lambda m, x: x.gather(1, m.tensor([[1], [0]])), [(3, 4)]),
    Op("gather_3d", lambda m, x: x.gather(-1, m.tensor([[[0, 3]] * 3] * 2)), [(2, 3, 4)]),
    Op("index_select", lambda m, x: m.index_select(x, 0, m.tensor([2, 0, 2])), [(3, 4)]),
    Op("index_select_dim1", lambda m, x: x.index_select(1, m.tensor([3, 3, 1, 0, 3])), [(2, 4, 3)]),
    Op("index_select_many", lambda m, x: x.index_select(0, m.tensor([i % 7 for i in range(100)])), [(7, 5)]),
    Op("masked_fill", lambda m, x: x.masked_fill(x > 0.3, -1.0), [(3, 4)]),
    Op("masked_fill_bcast", lambda m, x, y: m.masked_fill(x, y > 0, 2.0), [((3, 4), (4,))]),
    Op("masked_fill_tensor", lambda m, x, v: x.masked_fill(x > 0, v), [((3, 4), ())]),
    Op("masked_select", lambda m, x: m.masked_select(x, x > 0), [(3, 4)]),
    Op("scatter_add", lambda m, x, s: m.scatter_add(x, 0, m.tensor([[0, 1, 2, 0], [0, 0, 0, 2]]), s),
       [((3, 4), (2, 4))]),
    Op("scatter_add_dim1", lambda m, x, s: x.scatter_add(1, m.tensor([[0, 0], [3, 1], [2, 2]]), s),
       [((3, 4), (3, 2))]),
    Op("scatter", lambda m, x, s: m.scatter(x, 1, m.tensor([[0, 2], [3, 1], [2, 0]]), s), [((3, 4), (3, 2))]),
    Op("scatter_value", lambda m, x: x.scatter(1, m.tensor([[0], [3], [2]]), 5.0), [(3, 4)]),
    Op("take", lambda m, x: m.take(x, m.tensor([[0, 5], [11, 5]])), [(3, 4)]),
    Op("nonzero", lambda m, x: m.nonzero(x > 0), [(3, 4)], grad=False),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_mask_of_the_wrong_shape_gets_pytorchs_message():
    import pytest
    import torch

    import ember
    for expr in ["x[m.tensor([True, False])]", "x[:, m.tensor([True, False, True])]", "x[..., m.tensor([True])]",
                 "x[m.tensor([[True, False]])]", "x[5]", "x[0, 9]"]:
        messages = []
        for m in (ember, torch):
            x = m.ones(3, 4)
            with pytest.raises(IndexError) as info:
                eval(expr)
            messages.append(str(info.value))
        assert messages[0] == messages[1], expr
    x = ember.ones(3, 4)
    with pytest.raises(IndexError, match=r"The shape of the mask \[2\] at index 0 does not match the shape of the "
                                         r"indexed tensor \[3, 4\] at index 0"):
        x[ember.tensor([True, False])] = 0.0
