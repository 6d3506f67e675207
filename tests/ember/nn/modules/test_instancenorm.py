"""InstanceNorm1d/2d/3d, RMSNorm and LocalResponseNorm against PyTorch (state dicts, outputs, gradients, reprs)."""
import numpy as np
import pytest
import torch

import ember
import ember.nn as nn
from tests.ember.nn.parity import run_both

RNG = np.random.default_rng(11)
SHAPES = {"InstanceNorm1d": [(4, 3, 6), (3, 6)], "InstanceNorm2d": [(2, 3, 4, 5), (3, 4, 5)],
          "InstanceNorm3d": [(2, 3, 2, 3, 2), (3, 2, 2, 3)]}


@pytest.mark.parametrize("name", list(SHAPES))
@pytest.mark.parametrize("kw", [dict(), dict(affine=True), dict(affine=True, track_running_stats=True, momentum=0.3),
                                dict(track_running_stats=True, momentum=None), dict(affine=True, bias=False)])
def test_instancenorm_matches_pytorch_in_train_and_eval(name, kw):
    e, t = getattr(nn, name)(3, **kw), getattr(torch.nn, name)(3, **kw)
    assert repr(e) == repr(t)
    if kw.get("affine"):
        with torch.no_grad():                  # non-trivial affine parameters, loaded into ember by run_both
            t.weight.uniform_(0.5, 1.5)
            if t.bias is not None:
                t.bias.uniform_(-1, 1)
    for shape in SHAPES[name]:
        x = RNG.standard_normal(shape) * 2 + 1
        run_both(e, t, [x], train=True)         # also compares running_mean/var and num_batches_tracked
        run_both(e, t, [x], train=False)


def test_instancenorm_checks_dims_and_features():
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(ember.ones(2, 3))
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm1d(4, affine=True)(ember.randn(2, 3, 5))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(4)(ember.randn(2, 3, 5))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,kw", [(4, dict()), ((3, 4), dict(eps=1e-3)), ([4], dict(elementwise_affine=False))])
def test_rmsnorm_matches_pytorch(dtype, shape, kw):
    e, t = nn.RMSNorm(shape, **kw), torch.nn.RMSNorm(shape, **kw)
    assert repr(e) == repr(t)
    if t.weight is not None:
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
    run_both(e, t, [RNG.standard_normal((2, 3, 4))], dtype)


@pytest.mark.parametrize("size,kw,shape", [(3, dict(), (2, 5, 4)), (2, dict(alpha=0.5, beta=0.5, k=2.0), (2, 4, 3, 3)),
                                           (5, dict(alpha=0.1), (1, 6, 2, 2, 2))])
def test_local_response_norm_matches_pytorch(size, kw, shape):
    e, t = nn.LocalResponseNorm(size, **kw), torch.nn.LocalResponseNorm(size, **kw)
    assert repr(e) == repr(t)
    run_both(e, t, [RNG.standard_normal(shape) * 2])
