"""BatchNorm1d/2d (running statistics, momentum, eval mode, num_batches_tracked), LayerNorm and GroupNorm."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both, to_ember_state

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("affine,track", [(True, True), (False, True), (True, False)])
def test_batchnorm2d_training_steps_and_eval_match_pytorch(momentum, affine, track):
    e = nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track)
    t = torch.nn.BatchNorm2d(3, momentum=momentum, affine=affine, track_running_stats=track).double()
    e.double()
    for step in range(3):                 # running stats (and the cumulative average) evolve step by step
        x = RNG.standard_normal((4, 3, 5, 5)) * (step + 1) + step
        e.zero_grad()
        t.zero_grad()
        if step == 0:
            run_both(e, t, [x], train=True)
        else:
            out = e(ember.tensor(x))
            tout = t(torch.tensor(x))
            np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    for (name, b), (_, tb) in zip(e.named_buffers(), t.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-10, err_msg=name)
    if track:
        assert e.num_batches_tracked.item() == 3
    x = RNG.standard_normal((2, 3, 5, 5))
    e.eval()
    t.eval()
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-9,
                               atol=1e-11)


@pytest.mark.parametrize("shape,bias", [((6, 4), True), ((6, 4, 3), True), ((6, 4), False)])
def test_batchnorm1d_matches_pytorch_in_train_and_eval(shape, bias):
    x = RNG.standard_normal(shape)
    e, t = nn.BatchNorm1d(4, bias=bias), torch.nn.BatchNorm1d(4, bias=bias)
    assert repr(e) == repr(t)
    run_both(e, t, [x], train=True)
    t.double()
    run_both(e, t, [x], train=False)


def test_batchnorm_checks_dims_and_repr():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.ones(2, 3, 4, 4))
    assert repr(nn.BatchNorm2d(8)) == repr(torch.nn.BatchNorm2d(8))
    assert repr(nn.BatchNorm1d(8, momentum=None, affine=False)) == repr(torch.nn.BatchNorm1d(8, momentum=None,
                                                                                            affine=False))


def test_batchnorm_loads_state_without_num_batches_tracked():
    t = torch.nn.BatchNorm1d(3)
    t(torch.randn(5, 3))
    sd = to_ember_state(t)
    del sd["num_batches_tracked"]                     # older checkpoints lack it
    e = nn.BatchNorm1d(3)
    assert e.load_state_dict(sd).missing_keys == []
    np.testing.assert_allclose(e.running_mean.numpy(), t.running_mean.numpy())
    assert e.num_batches_tracked.item() == 0


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kw", [dict(), dict(elementwise_affine=False), dict(bias=False), dict(eps=1e-3)])
def test_layernorm_matches_pytorch(dtype, kw):
    run_both(nn.LayerNorm((3, 4), **kw), torch.nn.LayerNorm((3, 4), **kw), [RNG.standard_normal((2, 3, 4))], dtype)
    assert repr(nn.LayerNorm(10, **kw)) == repr(torch.nn.LayerNorm(10, **kw))


@pytest.mark.parametrize("kw", [dict(), dict(affine=False), dict(bias=False)])
def test_groupnorm_matches_pytorch(kw):
    run_both(nn.GroupNorm(2, 4, **kw), torch.nn.GroupNorm(2, 4, **kw), [RNG.standard_normal((3, 4, 5))])
    assert repr(nn.GroupNorm(2, 4, **kw)) == repr(torch.nn.GroupNorm(2, 4, **kw))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("make", [lambda lib: lib.nn.BatchNorm2d(5), lambda lib: lib.nn.BatchNorm1d(3, affine=False),
                                  lambda lib: lib.nn.LayerNorm((2, 3)), lambda lib: lib.nn.GroupNorm(2, 6)])
def test_fresh_state_equals_pytorchs(make):
    e, t = make(ember).state_dict(), make(torch).state_dict()
    assert list(e) == list(t)
    for k in t:
        np.testing.assert_array_equal(e[k].numpy(), t[k].numpy(), err_msg=k)
