"""Channel dropout (dropout1d/2d/3d) and alpha dropout: mask structure, statistics, gradients and eval identity.
PyTorch draws other random numbers, so it is compared through the values its outputs can take."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.ops import nn_ops
from tests.ember.harness import DEVICES, on_device

P = 0.3


def _channel_masks(out, lead):
    """Per-channel kept flags, asserting every channel is wholly kept or wholly dropped."""
    flat = out.reshape(out.shape[:lead] + (-1,))
    kept = flat != 0
    assert (kept.all(-1) | ~kept.any(-1)).all(), "a channel is partly dropped"
    return kept.all(-1)


@pytest.mark.parametrize("fn,shape,lead", [("dropout1d", (40, 50, 3), 2), ("dropout1d", (2000, 5), 1),
                                           ("dropout2d", (40, 50, 2, 3), 2), ("dropout2d", (40, 50, 4), 2),
                                           ("dropout3d", (20, 50, 2, 2, 2), 2), ("dropout3d", (2000, 2, 1, 3), 1)])
def test_channel_dropout_drops_whole_channels_and_scales_the_rest(fn, shape, lead):
    ember.manual_seed(0)
    x = ember.ones(*shape, dtype=ember.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # 3-D input to dropout2d warns, as in PyTorch
        y = getattr(nn_ops, fn)(x, P)
    out = y.detach().numpy()
    kept = _channel_masks(out, lead)
    assert abs(1 - kept.mean() - P) < 5 * np.sqrt(P * (1 - P) / kept.size)        # five standard deviations
    np.testing.assert_allclose(out[out != 0], 1 / (1 - P), rtol=1e-12)
    y.backward(ember.ones(*shape, dtype=ember.float64))
    np.testing.assert_array_equal(x.grad.numpy(), out)        # d(out)/dx is the scaled mask


@pytest.mark.parametrize("fn", ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"])
def test_identity_when_not_training_or_p_zero_and_bad_p(fn):
    x = ember.randn(2, 3, 4, 5)
    f = getattr(nn_ops, fn)
    if fn != "dropout1d":
        assert f(x, 0.5, training=False) is x and f(x, 0.0, training=True) is x
    else:
        x3 = ember.randn(2, 3, 4)
        assert f(x3, 0.5, training=False) is x3 and f(x3, 0.0) is x3
    with pytest.raises(ValueError, match="between 0 and 1"):
        f(x, 1.5, training=True)


def test_dropout_p_one_inplace_and_generator():
    x = ember.randn(4, 3, 5)
    assert not nn_ops.dropout1d(x, 1.0).numpy().any()
    h = ember.ones(6, 4, 2, 2)
    assert nn_ops.dropout2d(h, 0.5, inplace=True) is h
    _channel_masks(h.numpy(), 2)
    a = nn_ops.dropout1d(ember.ones(30, 8, 2), 0.5, generator=ember.Generator().manual_seed(5))
    b = nn_ops.dropout1d(ember.ones(30, 8, 2), 0.5, generator=ember.Generator().manual_seed(5))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dimension_errors_and_warnings_match_pytorch():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        nn_ops.dropout1d(ember.ones(2, 3, 4, 5))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        nn_ops.dropout2d(ember.ones(2, 3, 4))
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout3d"):
        nn_ops.dropout3d(ember.ones(2, 3))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        nn_ops.feature_alpha_dropout(ember.ones(5), 0.5, training=True)


def _values(out):
    return np.unique(np.round(out, 10))


@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_takes_pytorchs_two_values_and_keeps_mean_and_variance(feature):
    name = "feature_alpha_dropout" if feature else "alpha_dropout"
    ember.manual_seed(2)
    shape = (300, 400, 1) if feature else (300, 400)
    zeros = np.zeros(shape)
    got = getattr(nn_ops, name)(ember.tensor(zeros), P, True).numpy()
    want = getattr(torch.nn.functional, name)(torch.tensor(zeros), P, True).numpy()
    np.testing.assert_allclose(_values(got), _values(want), rtol=1e-9)     # dropped and kept outputs of 0
    assert abs((got == got.min()).mean() - P) < 0.01                     # the lower value is the dropped one
    if feature:
        _channel_masks(got - got.max(), 2)
    x = ember.randn(*shape, dtype=ember.float64, requires_grad=True)      # SELU's fixed point: N(0, 1)
    y = getattr(nn_ops, name)(x, P, True)
    out = y.detach().numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    y.sum().backward()
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * P + 1) * (1 - P))
    kept = np.abs(x.grad.numpy()) > 0
    np.testing.assert_allclose(x.grad.numpy()[kept], a, rtol=1e-12)      # gradient: a where kept, 0 where dropped
    assert abs(1 - kept.mean() - P) < 0.01


def test_alpha_dropout_inplace_and_p_one():
    h = ember.zeros(50, 40)
    assert nn_ops.alpha_dropout(h, 0.5, True, True) is h
    assert len(_values(h.numpy())) == 2
    assert not nn_ops.alpha_dropout(ember.randn(3, 4), 1.0, True).numpy().any()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("call", [lambda x: nn_ops.dropout2d(x, P), lambda x: nn_ops.dropout1d(x[0], P),
                                  lambda x: nn_ops.alpha_dropout(x, P, True),
                                  lambda x: nn_ops.feature_alpha_dropout(x, P, True, True),
                                  lambda x: nn_ops.rrelu(x, training=True)], ids=range(5))
def test_random_ops_run_on_every_device(device, call):
    with on_device(device) as dev:
        x = ember.randn(8, 6, 3, 2, device=dev, requires_grad=True)
        y = call(x * 1)
        assert y.device == x.device and y.dtype == x.dtype
        y.sum().backward()
        assert x.grad is not None and x.grad.device == x.device
