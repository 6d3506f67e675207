"""In-place ops outside the graph: they return self, write through views and bump versions."""
import numpy as np
import pytest

import ember


@pytest.mark.parametrize("op,expected", [
    (lambda t: t.add_(2), [3.0, 4.0]), (lambda t: t.add_(ember.tensor([1.0, 1.0]), alpha=-2), [-1.0, 0.0]),
    (lambda t: t.sub_(1), [0.0, 1.0]), (lambda t: t.mul_(3), [3.0, 6.0]), (lambda t: t.div_(2), [0.5, 1.0]),
    (lambda t: t.pow_(2), [1.0, 4.0]), (lambda t: t.clamp_(1.5, 1.8), [1.5, 1.8]), (lambda t: t.zero_(), [0.0, 0.0]),
    (lambda t: t.fill_(7), [7.0, 7.0]), (lambda t: t.copy_(ember.tensor([5, 6])), [5.0, 6.0]),
    (lambda t: t.neg_(), [-1.0, -2.0]), (lambda t: t.masked_fill_(t > 1, 0.5), [1.0, 0.5]),
    (lambda t: t.addcmul_(t, t, value=0.5), [1.5, 4.0])])
def test_inplace_returns_self_and_bumps_version(op, expected):
    t = ember.tensor([1.0, 2.0])
    assert op(t) is t
    assert t.tolist() == pytest.approx(expected) and t._version >= 1


def test_inplace_writes_through_views():
    base = ember.zeros(2, 3)
    row = base[1]
    row.add_(1)
    base.t()[0].fill_(9)
    assert base.tolist() == [[9.0, 0.0, 0.0], [9.0, 1.0, 1.0]]
    assert base._version == row._version == 2


def test_sgd_style_update_under_no_grad():
    w = ember.ones(3, requires_grad=True)
    (w * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    with ember.no_grad():
        w.add_(w.grad, alpha=-0.1)
    assert np.allclose(w.detach().numpy(), [0.9, 0.8, 0.7]) and w.is_leaf and w.requires_grad


def test_operators_in_place():
    t = ember.tensor([1.0, 2.0])
    ident = id(t)
    t += 1
    t *= 2
    t -= 1
    t /= 2
    assert id(t) == ident and t.tolist() == [1.5, 2.5]


def test_fill_int_rejects_fraction():
    with pytest.raises(RuntimeError, match="without overflow"):
        ember.zeros(2, dtype=ember.int64).fill_(1.5)
