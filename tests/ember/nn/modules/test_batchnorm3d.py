"""BatchNorm3d against PyTorch: training steps update the same running statistics, eval mode, repr, dims."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(7)


@pytest.mark.parametrize("kw", [dict(), dict(momentum=None), dict(affine=False), dict(track_running_stats=False),
                                dict(eps=1e-3, momentum=0.3)])
def test_batchnorm3d_matches_pytorch(kw):
    e, t = nn.BatchNorm3d(3, **kw), torch.nn.BatchNorm3d(3, **kw)
    assert repr(e) == repr(t)
    run_both(e, t, [RNG.standard_normal((2, 3, 3, 4, 2)) * 2 + 1])        # loads PyTorch's state, trains a step
    t.zero_grad()
    e.zero_grad()
    x = RNG.standard_normal((2, 3, 2, 3, 4))
    for mode in (True, False):                                            # a second training step, then eval
        e.train(mode)
        t.train(mode)
        np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-9, atol=1e-11)
    for (name, b), (_, tb) in zip(e.named_buffers(), t.named_buffers()):
        np.testing.assert_allclose(b.numpy(), tb.numpy(), rtol=1e-10, err_msg=name)


def test_batchnorm3d_wants_5d_input():
    with pytest.raises(ValueError, match="expected 5D input"):
        nn.BatchNorm3d(3)(ember.ones(2, 3, 4, 4))
