"""Tensor methods of ember/ops/tensor_extra.py against PyTorch (tests/ember/harness.py): in-place forms,
``unfold``, ``sum_to_size``, the complex API on real tensors, sampling methods and legacy helpers."""
import numpy as np
import pytest
import torch

import ember
from ember.ops.tensor_extra import _INPLACE
from tests.ember.harness import DEVICES, Op, on_device, op_tests, positive, unit_interval


def _ip(name, *args):
    return lambda m, x: getattr(x * 1, name + "_")(*args)


UNARY_INPLACE = ["sin", "cos", "tan", "atan", "sinh", "cosh", "asinh", "ceil", "round", "trunc", "fix", "frac",
                 "sign", "square", "expm1", "exp2", "erf", "nan_to_num", "negative", "sgn", "deg2rad", "rad2deg"]

SPECS = [Op(f"{n}_", _ip(n), [(3, 4)],
            grad=n not in ("ceil", "round", "trunc", "fix", "sign", "sgn", "asinh")) for n in
         UNARY_INPLACE] + [
    Op("asin_acos_erfinv_", lambda m, x: (x * 1).asin_() + (x * 1).acos_() + (x * 1).erfinv_(), [(3, 4)],
       domain=unit_interval),
    # PyTorch has no derivative for the in-place inverse hyperbolics: values only
    Op("atanh_acosh_", lambda m, x: [(x * 0.5).atanh_(), (x.abs() + 1.2).acosh_()], [(3, 4)], domain=unit_interval,
       grad=False),
    Op("log_family_", lambda m, x: (x * 1).log1p_() + (x * 1).log2_() + (x * 1).log10_() + (x * 1).rsqrt_() +
       (x * 1).reciprocal_() + (x * 1).digamma_() + (x * 1).lgamma_(), [(3, 4)],
       domain=lambda a, i: np.abs(a) + 1.2, tol={"float64": dict(rtol=2e-8)}),   # PyTorch's trigamma: ~5e-10
    Op("logit_", _ip("logit"), [(3, 4)], domain=lambda a, i: 1 / (1 + np.exp(-a))),
    Op("clip_", _ip("clip", -0.5, 0.5), [(3, 4)]),
    Op("binary_", lambda m, x, y: (x * 1).fmod_(y) + (x * 1).remainder_(y) + (x * 1).atan2_(y) +
       (x * 1).hypot_(y) + (x * 1).copysign_(y) + (x * 1).true_divide_(y) + (x * 1).lerp_(y, 0.25),
       [((3, 4), (3, 4)), ((3, 4), (4,))], domain=lambda a, i: a if i == 0 else np.abs(a) + 0.5, gradcheck=False),
    Op("compare_", lambda m, x, y: [(x * 1).eq_(y), (x * 1).lt_(y), (x * 1).ge_(0.0), (x * 1).ne_(y)],
       [((3, 4), (3, 4))], grad=False),
    Op("cumsum_tril_", lambda m, x: (x * 1).cumsum_(1) + (x * 1).cumprod_(0) + (x * 1).tril_() + (x * 1).triu_(1),
       [(3, 4)]),
    Op("index_add_", lambda m, x, s: (x * 1).index_add_(0, m.tensor([0, 2, 0]), s, alpha=2), [((3, 4), (3, 4))]),
    Op("unfold", lambda m, x: x.unfold(1, 3, 2), [(2, 7), (2, 6, 3)]),
    Op("unfold_dim0", lambda m, x: x.unfold(0, 2, 1), [(5,), (4, 3)]),
    Op("sum_to_size", lambda m, x: x.sum_to_size(1, 4), [(3, 4), (2, 3, 4)]),
    Op("sum_to_size_tuple", lambda m, x: x.sum_to_size((3, 1)), [(3, 4)]),
    Op("complex_api", lambda m, x: [x.conj(), x.resolve_conj(), x.resolve_neg(), x.real, x.H, x.mH, x.adjoint(),
                                    m.conj(x), m.real(x), m.adjoint(x), m.fix(x), m.ger(x[0], x[1]), x[1].ger(x[0])],
       [(3, 3)]),
    Op("prelu_hardshrink_methods", lambda m, x, w: [x.prelu(w.abs()), x.hardshrink(0.3)], [((2, 3, 4), (3,))],
       const_inputs=(1,)),
]

test_forward, test_backward, test_gradcheck, test_gradgrad = op_tests(SPECS)


def test_every_inplace_form_has_its_op():
    for name in _INPLACE:
        assert hasattr(ember.Tensor, name) and hasattr(ember.Tensor, name + "_"), name


@pytest.mark.parametrize("device", DEVICES)
def test_sampling_methods_and_queries(device):
    with on_device(device) as dev:
        ember.manual_seed(0)
        p = ember.tensor([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
        draws = p.multinomial(4, replacement=True)
        assert draws.shape == (2, 4) and draws.dtype == ember.int64 and (draws[0] == 1).all()
        assert ((draws[1] == 0) | (draws[1] == 2)).all()
        b = ember.full((1000,), 0.25).bernoulli()
        assert b.dtype == ember.float32 and 0.18 < b.mean().item() < 0.32
        x = ember.ones(2, 3)
        assert x.get_device() == (-1 if dev == "cpu" else ember.device(dev).index or 0)
        assert x.is_cpu == (dev == "cpu") and x.device.type == ember.device(dev).type
        assert x.new(2).shape == (2,) and x.new().shape == (0,) and x.new([1, 2]).dtype == ember.float32
        assert x.new([1, 2]).device == x.device and x.long().new(3).dtype == ember.int64


def test_queries_and_legacy_helpers_match_torch():
    for m in (ember, torch):
        x = m.tensor([[1.0, -2.0]])
        assert x.is_signed() and not m.tensor([1], dtype=m.uint8).is_signed()
        assert not x.is_complex() and not m.is_complex(x) and not x.is_conj() and not x.is_neg()
        assert m.tensor([3]).is_nonzero() and not m.is_nonzero(m.tensor([0.0]))
        with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
            x.is_nonzero()
        with pytest.raises(RuntimeError, match="imag is not implemented for tensors with non-complex dtypes."):
            x.imag
        with pytest.raises(RuntimeError, match=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D"):
            x[0].H
        assert x.clone().apply_(lambda v: v * 10).tolist() == [[10.0, -20.0]]
        assert x.clone().map_(m.tensor([1.0, 2.0]), lambda a, b: a + b).tolist() == [[2.0, 0.0]]
        assert x.share_memory_() is x and not x.is_inference()
    with pytest.raises(RuntimeError, match="maximum size for tensor at dimension 0 is 3 but size is 4"):
        ember.ones(3).unfold(0, 4, 1)
    with pytest.raises(RuntimeError, match="is not expandable to size"):
        ember.ones(3, 4).sum_to_size(2, 4)
    assert ember.ones(2).pin_memory().tolist() == [1.0, 1.0] and not ember.ones(2).is_pinned()
