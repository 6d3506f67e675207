"""CTC loss against torch.nn.functional.ctc_loss: values and gradients over target layouts, lengths and options."""
import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import DEVICES, Op, nn_functional as F, on_device, op_tests

PADDED = [[1, 2, 2], [3, 1, 0]]         # the second row is padding after its 2 labels
LENGTHS = dict(input_lengths=[6, 5], target_lengths=[3, 2])


def _ctc(m, x, targets=PADDED, **kw):
    opts = dict(LENGTHS, **kw)
    return F(m).ctc_loss(x.log_softmax(-1), m.tensor(targets), **opts)


SPECS = [
    Op("ctc_padded", lambda m, x: _ctc(m, x), [(6, 2, 4)]),
    Op("ctc_sum", lambda m, x: _ctc(m, x, reduction="sum"), [(6, 2, 4)]),
    Op("ctc_none", lambda m, x: _ctc(m, x, reduction="none"), [(6, 2, 4)]),
    Op("ctc_concatenated", lambda m, x: _ctc(m, x, [1, 2, 2, 3, 1]), [(6, 2, 4)]),
    Op("ctc_blank_last", lambda m, x: _ctc(m, x, [[1, 2, 2], [0, 1, 0]], blank=3), [(6, 2, 4)]),
    Op("ctc_empty_target", lambda m, x: _ctc(m, x, [[1, 1], [0, 0]], input_lengths=[5, 4], target_lengths=[2, 0],
                                             reduction="none"), [(6, 2, 3)]),
    Op("ctc_unbatched", lambda m, x: F(m).ctc_loss(x.log_softmax(-1), m.tensor([2, 1, 1]), m.tensor(7), m.tensor(3)),
       [(7, 4)]),
    Op("ctc_tensor_lengths", lambda m, x: _ctc(m, x, [1, 2, 2, 3, 1], input_lengths=m.tensor([6, 5]),
                                               target_lengths=m.tensor([3, 2])), [(6, 2, 4)]),
    Op("ctc_zero_infinity", lambda m, x: _ctc(m, x, [[1, 1, 2], [2, 1, 0]], input_lengths=[2, 5],
                                              zero_infinity=True, reduction="sum"), [(6, 2, 4)]),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_ctc_gradient_of_free_log_probs_is_pytorchs(device):
    # PyTorch returns exp(log_probs) - occupancy for log_probs themselves, not only through log_softmax
    lp = np.log(np.random.default_rng(1).dirichlet(np.ones(5), size=(8, 3)))
    args = ([[1, 2, 3], [4, 4, 0], [2, 0, 0]], [8, 7, 6], [3, 2, 1])
    with on_device(device) as dev:
        e = ember.tensor(lp, device=dev, requires_grad=True)
        # lengths as CPU tensors, as PyTorch allows next to device log_probs
        nn_ops.ctc_loss(e, ember.tensor(args[0]), ember.tensor(args[1], device="cpu"),
                        ember.tensor(args[2], device="cpu")).backward()
        t = torch.tensor(lp, requires_grad=True)
        torch.nn.functional.ctc_loss(t, torch.tensor(args[0]), args[1], args[2]).backward()
        np.testing.assert_allclose(e.grad.cpu().numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_ctc_impossible_alignment_is_infinite_unless_zeroed():
    lp = ember.randn(2, 1, 3).log_softmax(-1)
    args = (ember.tensor([[1, 1]]), [2], [2])     # a repeated label needs a blank between: 3 steps
    assert nn_ops.ctc_loss(lp, *args, reduction="sum").item() == float("inf")
    assert nn_ops.ctc_loss(lp, *args, reduction="sum", zero_infinity=True).item() == 0.0


def test_ctc_errors_are_clear():
    lp = ember.randn(5, 2, 4).log_softmax(-1)
    with pytest.raises(RuntimeError, match=r"input_lengths must be in \[0, 5\]"):
        nn_ops.ctc_loss(lp, ember.tensor([[1, 2], [1, 2]]), [6, 5], [2, 2])
    with pytest.raises(RuntimeError, match="differ from blank"):
        nn_ops.ctc_loss(lp, ember.tensor([[1, 0], [1, 2]]), [5, 5], [2, 2])
    with pytest.raises(RuntimeError, match="target labels must be in"):
        nn_ops.ctc_loss(lp, ember.tensor([[1, 4], [1, 2]]), [5, 5], [2, 2])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        nn_ops.ctc_loss(lp, ember.tensor([[1, 2], [1, 2]]), [5, 5], [2, 2], blank=4)
    with pytest.raises(RuntimeError, match="target_lengths sum to 3"):
        nn_ops.ctc_loss(lp, ember.tensor([1, 2, 3, 1]), [5, 5], [2, 1])
    with pytest.raises(RuntimeError, match="expected input_lengths to have 2 entries"):
        nn_ops.ctc_loss(lp, ember.tensor([[1, 2], [1, 2]]), [5], [2, 2])


def _random_batch(rng, t_max=12, n=6, c=5, s_max=4, blank=0):
    """Log-probabilities and targets of varied lengths: short inputs (some too short for their targets, an infinite
    loss), repeated labels, an empty target, and padding that holds labels which must be ignored."""
    lp = np.log(rng.dirichlet(np.ones(c), size=(t_max, n)))
    labels = [k for k in range(c) if k != blank]
    tlen = rng.integers(0, s_max + 1, n)
    tlen[:4] = s_max, 0, s_max, 3
    targets = rng.choice(labels, size=(n, s_max))
    targets[2, :2] = targets[2, 1]                               # a repeat: it needs a blank between
    ilen = rng.integers(1, t_max + 1, n)
    ilen[0], ilen[3] = t_max, 2                                  # the longest, and one too short for its 3 labels
    return lp, targets, ilen, tlen


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("blank", [0, 2, 4])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_random_batches_match_pytorch(device, reduction, zero_infinity, blank, layout):
    rng = np.random.default_rng(blank * 7 + len(reduction) + zero_infinity)
    lp, targets, ilen, tlen = _random_batch(rng, blank=blank)
    if layout == "concatenated":
        targets = np.concatenate([row[:k] for row, k in zip(targets, tlen)])
    kw = dict(blank=blank, reduction=reduction, zero_infinity=zero_infinity)
    t = torch.tensor(lp, requires_grad=True)
    want = torch.nn.functional.ctc_loss(t, torch.tensor(targets), torch.tensor(ilen), torch.tensor(tlen), **kw)
    seed = np.random.default_rng(1).standard_normal(want.shape)
    want.backward(torch.tensor(seed))
    with on_device(device) as dev:
        e = ember.tensor(lp, device=dev, requires_grad=True)
        got = nn_ops.ctc_loss(e, ember.tensor(targets), ember.tensor(ilen), ember.tensor(tlen), **kw)
        got.backward(ember.tensor(seed, device=dev))
        np.testing.assert_allclose(got.detach().cpu().numpy(), want.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(e.grad.cpu().numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)
    if not zero_infinity and reduction == "none":
        assert np.isinf(want.detach().numpy()).any()             # the case exercises an impossible alignment


@pytest.mark.parametrize("device", DEVICES)
def test_ctc_float32_at_a_realistic_size(device):
    # T=50, N=16, C=20, S=10 (the benchmark's size): float32 values and gradients as PyTorch's
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, 16, 20)).astype(np.float32)
    ilen, tlen = rng.integers(40, 51, 16), rng.integers(5, 11, 16)
    targets = rng.integers(1, 20, (16, 10))
    t = torch.tensor(x, requires_grad=True)
    torch.nn.functional.ctc_loss(t.log_softmax(-1), torch.tensor(targets), torch.tensor(ilen),
                                 torch.tensor(tlen)).backward()
    with on_device(device) as dev:
        e = ember.tensor(x, device=dev, requires_grad=True)
        loss = nn_ops.ctc_loss(e.log_softmax(-1), ember.tensor(targets), ember.tensor(ilen), ember.tensor(tlen))
        loss.backward()
        want = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(-1), torch.tensor(targets),
                                            torch.tensor(ilen), torch.tensor(tlen))
        assert loss.dtype == ember.float32
        np.testing.assert_allclose(loss.item(), want.item(), rtol=1e-5)
        np.testing.assert_allclose(e.grad.cpu().numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)
