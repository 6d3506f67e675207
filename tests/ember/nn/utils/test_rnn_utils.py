"""ember.nn.utils.rnn against torch.nn.utils.rnn: PackedSequence fields, packing and padding (both layouts, sorted or
not, trailing dims), round trips, gradients through every function, reprs, ``.to`` and errors."""
import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as trnn

import ember
from ember.nn.utils.rnn import (PackedSequence, invert_permutation, pack_padded_sequence, pack_sequence,
                                pad_packed_sequence, pad_sequence, unpack_sequence, unpad_sequence)

RNG = np.random.default_rng(5)


def _same_packed(e, t):
    np.testing.assert_array_equal(e.data.detach().numpy(), t.data.detach().numpy())
    np.testing.assert_array_equal(e.batch_sizes.numpy(), t.batch_sizes.numpy())
    assert e.batch_sizes.dtype == ember.int64 and e.batch_sizes.device.type == "cpu"
    for a, b in ((e.sorted_indices, t.sorted_indices), (e.unsorted_indices, t.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def _grads_match(e_out, t_out, e_in, t_in):
    g = RNG.standard_normal(tuple(t_out.shape))
    (e_out * ember.tensor(g)).sum().backward()
    (t_out * torch.tensor(g)).sum().backward()
    for a, b in zip(e_in, t_in):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths,enforce_sorted", [([5, 3, 3, 1], True), ([2, 5, 1, 3], False),
                                                    ([3, 3, 5, 3], False), ([4, 4, 4, 4], True)])
@pytest.mark.parametrize("trailing", [(), (3,), (2, 2)])
def test_pack_and_pad_match_pytorch(batch_first, lengths, enforce_sorted, trailing):
    shape = ((4, 6) if batch_first else (6, 4)) + trailing            # padded past the longest sequence
    x = RNG.standard_normal(shape)
    ex, tx = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ep = pack_padded_sequence(ex, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    assert isinstance(ep, PackedSequence) and isinstance(ep, tuple)
    _same_packed(ep, tp)
    for kw in (dict(), dict(padding_value=-7.5, total_length=7)):
        eo, el = pad_packed_sequence(ep, batch_first=batch_first, **kw)
        to, tl = trnn.pad_packed_sequence(tp, batch_first=batch_first, **kw)
        np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
        np.testing.assert_array_equal(el.numpy(), tl.numpy())
        assert el.dtype == ember.int64 and tuple(eo.shape) == tuple(to.shape)
    _grads_match(eo, to, [ex], [tx])                                  # through pack then pad


def test_pad_packed_gradient_reaches_only_packed_rows():
    data = RNG.standard_normal((6, 3))
    ed, td = ember.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    sorted_idx = np.array([2, 0, 1])
    ep = PackedSequence(ed, ember.tensor([3, 2, 1]), ember.tensor(sorted_idx))
    tp = trnn.PackedSequence(td, torch.tensor([3, 2, 1]), torch.tensor(sorted_idx))
    np.testing.assert_array_equal(ep.unsorted_indices.numpy(), tp.unsorted_indices.numpy())
    eo, _ = pad_packed_sequence(ep, batch_first=True, padding_value=1.0)
    to, _ = trnn.pad_packed_sequence(tp, batch_first=True, padding_value=1.0)
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    _grads_match(eo, to, [ed], [td])


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
@pytest.mark.parametrize("trailing", [(), (2, 3)])
def test_pad_sequence_matches_pytorch(batch_first, padding_side, trailing):
    arrays = [RNG.standard_normal((n,) + trailing) for n in (3, 5, 1, 5)]
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    eo = pad_sequence(es, batch_first=batch_first, padding_value=2.5, padding_side=padding_side)
    to = trnn.pad_sequence(ts, batch_first=batch_first, padding_value=2.5, padding_side=padding_side)
    assert tuple(eo.shape) == tuple(to.shape)
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    _grads_match(eo, to, es, ts)


def test_pad_sequence_keeps_integer_dtype():
    seqs = [[1, 2, 3], [4], [5, 6]]
    eo = pad_sequence([ember.tensor(s) for s in seqs], batch_first=True, padding_value=-1)
    to = trnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first=True, padding_value=-1)
    assert eo.dtype == ember.int64
    np.testing.assert_array_equal(eo.numpy(), to.numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_unpack_and_unpad_round_trip(enforce_sorted):
    lengths = [4, 3, 3, 1] if enforce_sorted else [1, 4, 2, 3]
    arrays = [RNG.standard_normal((n, 2)) for n in lengths]
    es = [ember.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    ep, tp = pack_sequence(es, enforce_sorted=enforce_sorted), trnn.pack_sequence(ts, enforce_sorted=enforce_sorted)
    _same_packed(ep, tp)
    back = unpack_sequence(ep)
    assert [tuple(b.shape) for b in back] == [a.shape for a in arrays]
    for b, a in zip(back, arrays):
        np.testing.assert_array_equal(b.detach().numpy(), a)
    weights = [RNG.standard_normal(a.shape) for a in arrays]
    sum((b * ember.tensor(w)).sum() for b, w in zip(back, weights)).backward()
    for e, w in zip(es, weights):
        np.testing.assert_array_equal(e.grad.numpy(), w)
    padded = pad_sequence(es)
    unpadded = unpad_sequence(padded, ember.tensor(lengths))
    assert tuple(padded.shape) == (4, 4, 2)                    # not transposed in place (PyTorch's is)
    for b, a in zip(unpadded, arrays):
        np.testing.assert_array_equal(b.detach().numpy(), a)
    for b, a in zip(unpad_sequence(pad_sequence(es, batch_first=True), lengths, batch_first=True), arrays):
        np.testing.assert_array_equal(b.detach().numpy(), a)


def test_packed_sequence_repr_to_and_construction():
    seqs = [[1, 2, 3], [4, 5], [6]]
    ep = pack_sequence([ember.tensor(s) for s in seqs[::-1]], enforce_sorted=False)
    tp = trnn.pack_sequence([torch.tensor(s) for s in seqs[::-1]], enforce_sorted=False)
    assert repr(ep) == repr(tp)
    data, batch_sizes, sorted_indices, unsorted_indices = ep
    assert data is ep.data and ep._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert ep.to(ember.int64) is ep and ep.to("cpu") is ep and not ep.is_cuda
    d = ep.double()
    assert d.data.dtype == ember.float64 and d.batch_sizes is ep.batch_sizes
    np.testing.assert_array_equal(d.sorted_indices.numpy(), [2, 1, 0])
    np.testing.assert_array_equal(d.data.numpy(), tp.data.double().numpy())
    assert ep.to(dtype=ember.float32).data.dtype == ember.float32
    from_pair = PackedSequence((data, batch_sizes))
    assert from_pair.sorted_indices is None and from_pair.data is data
    np.testing.assert_array_equal(invert_permutation(ember.tensor([2, 0, 3, 1])).numpy(), [1, 3, 0, 2])
    assert invert_permutation(None) is None


def test_errors_match_pytorch():
    x = ember.randn(3, 4, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        pack_padded_sequence(x, [1, 3, 1, 1])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3 "
                                           r"\(batch_size=4\)"):
        pack_padded_sequence(x, [3, 1, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [3, 2, 1, 0])
    with pytest.raises(ValueError, match="exceeds the padded input's 3 steps"):
        pack_padded_sequence(x, [4, 1, 1, 1])
    with pytest.raises(ValueError, match="but got total_length=2 and max sequence length being 3"):
        pad_packed_sequence(pack_padded_sequence(x, [3, 1, 1, 1]), total_length=2)
    with pytest.raises(RuntimeError, match="Expected padding_side to be one of left or right, but got top."):
        pad_sequence([x[0]], padding_side="top")
    with pytest.raises(RuntimeError, match="received an empty list of sequences"):
        pad_sequence([])
