"""``out=`` (the tensors tutorial's ``torch.matmul(a, b, out=c)``) against PyTorch, on every device."""
import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, Op, on_device, op_tests


def _into(m, fn, *args, shape=None, **kwargs):
    """``fn(*args, out=o)``: ``o`` empty (resized, silently) or of the result's ``shape``; returns ``o``."""
    ref = args[0][0] if isinstance(args[0], (list, tuple)) else args[0]
    o = m.empty(0, dtype=ref.dtype) if shape is None else m.full(shape, 7.0, dtype=ref.dtype)
    r = fn(*args, out=o, **kwargs)
    assert r is o
    return o


SPECS = [
    Op("matmul_out", lambda m, x, y: _into(m, m.matmul, x, y), [((3, 4), (4, 2)), ((2, 3, 4), (4,))], grad=False),
    Op("matmul_out_same_shape", lambda m, x, y: _into(m, m.matmul, x, y, shape=(3, 2)), [((3, 4), (4, 2))],
       grad=False),
    Op("mm_out", lambda m, x, y: _into(m, m.mm, x, y), [((3, 4), (4, 2))], grad=False),
    Op("bmm_out", lambda m, x, y: _into(m, m.bmm, x, y), [((2, 3, 4), (2, 4, 5))], grad=False),
    Op("mul_out", lambda m, x, y: _into(m, m.mul, x, y, shape=(3, 4)), [((3, 4), (4,))], grad=False),
    Op("add_out", lambda m, x, y: _into(m, m.add, x, y, alpha=2), [((3, 4), (3, 4))], grad=False),
    Op("sub_out", lambda m, x, y: _into(m, m.sub, x, y), [((3, 4), (1, 4))], grad=False),
    Op("div_out", lambda m, x, y: _into(m, m.div, x, y, rounding_mode="floor"), [((3, 4), (3, 4))], grad=False,
       domain=lambda a, i: a if i == 0 else np.abs(a) + 0.5),
    Op("cat_out", lambda m, x, y: _into(m, m.cat, [x, y], dim=1), [((3, 4), (3, 2))], grad=False),
    Op("stack_out", lambda m, x, y: _into(m, m.stack, [x, y]), [((3, 4), (3, 4))], grad=False),
]

test_forward, _, _, _ = op_tests(SPECS)


@pytest.mark.parametrize("device", DEVICES)
def test_out_refuses_what_pytorch_refuses(device):
    with on_device(device):
        a = ember.ones(2, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=\.\.\. arguments don't support automatic "
                                               r"differentiation, but one of the arguments requires grad\."):
            ember.mul(a, a, out=ember.empty(0))
        with ember.no_grad():
            assert ember.mul(a, a, out=ember.empty(0)).tolist() == [[1.0, 1.0], [1.0, 1.0]]
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
            ember.add(ember.ones(2), ember.ones(2), out=ember.zeros(2, dtype=ember.int64))
        o = ember.zeros(2)
        ember.add(ember.ones(2, dtype=ember.int64), 1, out=o)      # integer results may go into float outputs
        assert o.tolist() == [2.0, 2.0] and o.dtype == ember.float32
        with pytest.raises(TypeError, match="argument 'out' must be Tensor, not list"):
            ember.matmul(ember.ones(2, 2), ember.ones(2, 2), out=[])


def test_out_resizes_a_nonempty_tensor_with_pytorch_warning():
    o, t = ember.zeros(5), torch.zeros(5)
    with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape \[5\]"):
        ember.matmul(ember.ones(2, 3), ember.ones(3, 2), out=o)
    with pytest.warns(UserWarning, match=r"An output with one or more elements was resized since it had shape \[5\]"):
        torch.matmul(torch.ones(2, 3), torch.ones(3, 2), out=t)
    assert o.shape == (2, 2) and o.tolist() == t.tolist()
    v = o._vc[0]
    ember.mul(o, 2, out=o)                      # the output may be an input, and its version moves on
    assert o.tolist() == [[6.0, 6.0], [6.0, 6.0]] and o._vc[0] > v
