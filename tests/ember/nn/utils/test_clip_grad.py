"""clip_grad_norm_ / clip_grad_value_ against PyTorch."""
import math

import numpy as np
import pytest
import torch

import ember
from ember.nn.utils import clip_grad_norm_, clip_grad_value_


def _params(lib, grads):
    ps = []
    for g in grads:
        p = lib.zeros(g.shape, requires_grad=True) if lib is torch else ember.zeros(g.shape, requires_grad=True)
        p.grad = lib.tensor(g)
        ps.append(p)
    return ps


GRADS = [np.random.default_rng(0).standard_normal(s).astype(np.float32) * 3 for s in [(3, 4), (5,), (2, 2, 2)]]


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (2.0, math.inf), (1.0, 3)])
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type):
    ep, tp = _params(ember, GRADS), _params(torch, GRADS)
    en = clip_grad_norm_(ep, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert en.item() == pytest.approx(tn.item(), rel=1e-5)
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_nonfinite_and_empty():
    p = ember.zeros(2, requires_grad=True)
    p.grad = ember.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([ember.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    q = ember.zeros(2, requires_grad=True)
    q.grad = ember.tensor([3.0, 4.0])
    assert clip_grad_norm_(q, 1.0).item() == pytest.approx(5.0)        # a single tensor is accepted


def test_clip_grad_value_matches_pytorch():
    ep, tp = _params(ember, GRADS), _params(torch, GRADS)
    clip_grad_value_(ep, 1.5)
    torch.nn.utils.clip_grad_value_(tp, 1.5)
    for e, t in zip(ep, tp):
        np.testing.assert_array_equal(e.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_get_total_norm_and_clip_grads_with_norm_match_pytorch(norm_type):
    from ember.nn.utils import clip_grads_with_norm_, get_total_norm
    ep, tp = _params(ember, GRADS), _params(torch, GRADS)
    en = get_total_norm([p.grad for p in ep], norm_type)
    tn = torch.nn.utils.get_total_norm([p.grad for p in tp], norm_type)
    assert en.item() == pytest.approx(tn.item(), rel=1e-5) and en.dtype == ember.float32
    clip_grads_with_norm_(ep, 1.0, en)
    torch.nn.utils.clip_grads_with_norm_(tp, 1.0, tn)
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5)
    assert get_total_norm([]).item() == 0.0
