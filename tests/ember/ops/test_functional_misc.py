"""pdist, channel_shuffle, the deprecated upsample aliases (against PyTorch) and gumbel_softmax (statistically, and
its straight-through gradient)."""
import numpy as np
import pytest

import ember
from ember.ops import nn_ops
from tests.ember.harness import DEVICES, Op, nn_functional as F, on_device, op_tests

SPECS = [Op(f"pdist_p{p}", lambda m, x, p=p: F(m).pdist(x, p), [(5, 3), (2, 4), (1, 3)]) for p in (2, 1, 3.5, np.inf)]
SPECS += [
    Op("pdist_p0", lambda m, x: F(m).pdist(x.round(), 0), [(5, 3)], grad=False),
    Op("channel_shuffle", lambda m, x: F(m).channel_shuffle(x, 3), [(2, 6, 3, 2), (1, 3, 4)]),
    Op("upsample_bilinear_mode", lambda m, x: F(m).upsample(x, scale_factor=2, mode="bilinear"), [(1, 2, 3, 3)]),
    Op("upsample_nearest", lambda m, x: F(m).upsample_nearest(x, size=(4, 6)), [(1, 2, 2, 3)]),
    Op("upsample_bilinear", lambda m, x: F(m).upsample_bilinear(x, scale_factor=2), [(1, 2, 3, 3)]),
]

pytestmark = pytest.mark.filterwarnings("ignore:`nn.functional.upsample")
test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


@pytest.mark.parametrize("name", ["upsample", "upsample_nearest", "upsample_bilinear"])
def test_upsample_aliases_warn_and_match_interpolate(name):
    x = ember.randn(1, 1, 2, 2)
    with pytest.warns(UserWarning, match=rf"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate`"):
        out = getattr(nn_ops, name)(x, scale_factor=2)
    kw = {"mode": "bilinear", "align_corners": True} if name == "upsample_bilinear" else {}
    np.testing.assert_array_equal(out.numpy(), nn_ops.interpolate(x, scale_factor=2, **kw).numpy())


def test_pdist_and_channel_shuffle_errors():
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        nn_ops.pdist(ember.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="non-negative p"):
        nn_ops.pdist(ember.randn(3, 4), -1)
    with pytest.raises(RuntimeError, match="Got 5 channels and 2 groups"):
        nn_ops.channel_shuffle(ember.randn(1, 5, 2, 2), 2)


@pytest.mark.parametrize("device", DEVICES)
def test_gumbel_softmax_samples_the_softmax_distribution(device):
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    with on_device(device) as dev:
        ember.manual_seed(0)
        x = ember.tensor(np.tile(logits, (20000, 1)), device=dev)
        soft = nn_ops.gumbel_softmax(x, tau=0.5)
        s = soft.cpu().numpy()
        np.testing.assert_allclose(s.sum(1), 1, rtol=1e-12)
        assert (s > 0).all() and not np.allclose(s, s[0])          # random, not a constant softmax
        freq = np.bincount(s.argmax(1), minlength=4) / len(s)
        np.testing.assert_allclose(freq, [0.5, 0.3, 0.15, 0.05], atol=0.015)   # Gumbel-max: argmax ~ softmax
        hard = nn_ops.gumbel_softmax(x, hard=True, dim=1).cpu().numpy()
        assert set(np.unique(hard)) == {0.0, 1.0} and (hard.sum(1) == 1).all()
        np.testing.assert_allclose(hard.mean(0), [0.5, 0.3, 0.15, 0.05], atol=0.015)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dim", [-1, 0])
def test_gumbel_softmax_hard_is_straight_through(device, dim):
    rng = np.random.default_rng(3)
    logits, w = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    with on_device(device) as dev:
        grads, outs = [], []
        for hard in (False, True):
            ember.manual_seed(7)                                    # the same Gumbel noise for both
            x = ember.tensor(logits, device=dev, requires_grad=True)
            y = nn_ops.gumbel_softmax(x, tau=0.7, hard=hard, dim=dim)
            (y * ember.tensor(w, device=dev)).sum().backward()
            grads.append(x.grad.cpu().numpy())
            outs.append(y.detach().cpu().numpy())
        soft, hard = outs
        onehot = (soft == soft.max(axis=dim, keepdims=True)).astype(float)
        np.testing.assert_array_equal(hard, onehot)                 # forward: the one-hot argmax of the soft sample
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)  # backward: the soft sample's gradient
        assert np.abs(grads[0]).max() > 1e-3
        # the soft sample's gradient is softmax's Jacobian applied to w, scaled by 1 / tau (as PyTorch)
        want = soft * (w - (soft * w).sum(axis=dim, keepdims=True)) / 0.7
        np.testing.assert_allclose(grads[0], want, rtol=1e-9, atol=1e-12)


def test_pdist_of_equal_rows_has_pytorchs_zero_gradient():
    import torch
    rows = [[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]]
    x = ember.tensor(rows, requires_grad=True)
    nn_ops.pdist(x).sum().backward()
    t = torch.tensor(rows, requires_grad=True)
    torch.nn.functional.pdist(t).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
