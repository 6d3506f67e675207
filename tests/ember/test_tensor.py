"""Tensor attributes, conversion, Python protocols and repr, compared with PyTorch where it has them."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember

REPR_CASES = ["[[1., 2.]]", "[1.5, 2.25]", "[1e-5, 1.]", "[1e10, 1.]", "[]", "[[1, 2], [3, 4]]", "[True, False]",
              "3.5", "7", "np.arange(2000.).reshape(40, 50)", "np.arange(12.).reshape(2, 3, 2)",
              "[float('nan'), float('inf'), 1.]", "[-0.0001234, 123.5]", "np.linspace(0, 1, 30)", "np.zeros((0, 3))",
              "np.zeros((2, 0, 3), dtype=np.int64)", "[1.123456789, 2.]", "np.arange(1500)",
              "np.random.default_rng(0).standard_normal((3, 40))"]


@pytest.mark.parametrize("data", REPR_CASES)
@pytest.mark.parametrize("kw", [{}, {"dtype": "float64"}, {"dtype": "float16"}, {"requires_grad": True}])
def test_repr_matches_torch(data, kw):
    v = eval(data)
    kind = np.asarray(v).dtype.kind
    if kw and kind != "f":
        pytest.skip("dtype/requires_grad variants apply to float data")
    t = torch.tensor(v, dtype=getattr(torch, kw["dtype"]) if "dtype" in kw else None,
                     requires_grad=kw.get("requires_grad", False))
    e = ember.tensor(v, dtype=getattr(ember, kw["dtype"]) if "dtype" in kw else None,
                     requires_grad=kw.get("requires_grad", False))
    assert repr(e) == repr(t).replace("torch.", "ember.")


def test_repr_suffixes():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    assert repr(a * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr((a * 2).sum()) == "tensor(6., grad_fn=<SumBackward0>)"
    assert repr(ember.tensor([1, 2], dtype=ember.int32)) == "tensor([1, 2], dtype=ember.int32)"
    assert str(ember.ones(1)) == "tensor([1.])"


def test_attributes():
    t = ember.zeros(2, 3)
    assert t.shape == (2, 3) and isinstance(t.shape, ember.Size) and repr(t.shape) == "ember.Size([2, 3])"
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3 and t.shape.numel() == 6
    assert t.ndim == t.dim() == 2 and t.numel() == 6 and t.dtype is ember.float32 and t.device.type == "cpu"
    assert t.element_size() == 4 and t.is_leaf and not t.requires_grad and t.grad is None and t.grad_fn is None
    assert t.T.shape == (3, 2) and t.is_contiguous() and not t.T.is_contiguous()
    assert t.stride() == (3, 1) and t.T.stride() == (1, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        t.size(2)


def test_conversion():
    t = ember.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]] and ember.tensor(3.5).item() == 3.5 and t[0, 0].item() == 1.5
    assert t.long().dtype is ember.int64 and t.long().tolist() == [[1, 2]]
    assert t.double().dtype is ember.float64 and t.half().dtype is ember.float16 and t.int().dtype is ember.int32
    assert t.bool().dtype is ember.bool and t.float() is t
    assert t.to(ember.float64).dtype is ember.float64 and t.to("cpu") is t and t.to(t) is t
    assert t.to("cpu", ember.int64).dtype is ember.int64 and t.to(dtype=ember.float16).dtype is ember.float16
    assert t.type() == "ember.FloatTensor" and t.type(ember.int64).dtype is ember.int64
    assert t.type_as(ember.ones(1, dtype=ember.float64)).dtype is ember.float64
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        t.item()


def test_numpy_shares_memory_and_refuses_requires_grad():
    t = ember.zeros(3)
    t.numpy()[0] = 5
    assert t[0].item() == 5
    a = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        a.numpy()
    with pytest.raises(RuntimeError, match="requires grad"):
        np.asarray(a)
    assert np.asarray(ember.ones(2)).tolist() == [1.0, 1.0]
    assert np.asarray(ember.ones(2), dtype=np.float64).dtype == np.float64


def test_to_is_differentiable():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = a.to(ember.float64) * 2
    assert b.dtype is ember.float64
    b.sum().backward()
    assert a.grad.dtype is ember.float32 and a.grad.tolist() == [2.0, 2.0]


def test_python_protocols():
    t = ember.tensor([[1, 2], [3, 4]])
    assert len(t) == 2 and [r.tolist() for r in t] == [[1, 2], [3, 4]]
    assert bool(ember.tensor([1])) and not bool(ember.tensor(0.0))
    assert float(ember.tensor(2.5)) == 2.5 and int(ember.tensor([7])) == 7
    assert [10, 20, 30][ember.tensor(1)] == 20
    assert 3 in t and 5 not in t and ember.tensor(4) in t
    assert f"{ember.tensor(3.14159):.2f}" == "3.14"
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))
    with pytest.raises(TypeError):
        [1, 2][ember.tensor(1.0)]


def test_hash_and_equality_with_other_objects():
    a, b = ember.ones(1), ember.ones(1)
    assert len({a, b}) == 2 and a in {a: 1}
    assert (a == None) is False and (a != None) is True  # noqa: E711
    assert (a == b).dtype is ember.bool


def test_numpy_array_on_the_left_defers_to_tensor():
    r = np.ones(2) * ember.ones(2, dtype=ember.float64)
    assert isinstance(r, ember.Tensor)
    r = np.ones(2) + ember.ones(2, requires_grad=True, dtype=ember.float64)
    assert isinstance(r, ember.Tensor) and r.requires_grad


def test_clone_detach_data():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    c = a.clone()
    assert c.grad_fn.name() == "CloneBackward0" and not np.shares_memory(c.detach().numpy(), a.detach().numpy())
    d = a.detach()
    assert np.shares_memory(d.numpy(), a.detach().numpy()) and not d.requires_grad
    a.data.mul_(2)                      # .data changes go unnoticed by autograd, as in PyTorch
    assert a.tolist() == [2.0, 4.0] and a._version == 0
    a.data = ember.tensor([5.0])
    assert a.shape == (1,) and a.requires_grad


def test_grad_assignment_is_checked():
    a = ember.ones(2, requires_grad=True)
    a.grad = ember.zeros(2)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        a.grad = ember.zeros(3)
    with pytest.raises(RuntimeError, match="different type"):
        a.grad = ember.zeros(2, dtype=ember.float64)
    a.grad = None


def test_deepcopy_and_pickle_of_leaves():
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    (a * 2).sum().backward()
    b = copy.deepcopy(a)
    assert b.requires_grad and b.grad.tolist() == [2.0, 2.0] and not np.shares_memory(b.detach().numpy(),
                                                                                       a.detach().numpy())
    c = pickle.loads(pickle.dumps(a))
    assert c.tolist() == [1.0, 2.0] and c.requires_grad
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(a * 2)


def test_make_subclass_shares_storage():
    class Param(ember.Tensor):
        pass

    base = ember.zeros(3)
    p = ember.Tensor._make_subclass(Param, base, True)
    assert isinstance(p, Param) and p.requires_grad and p.is_leaf
    base.add_(1)
    assert p.tolist() == [1.0, 1.0, 1.0] and "requires_grad=True" in repr(p)
    (p * 2).sum().backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


def test_legacy_constructor():
    assert ember.Tensor([1, 2]).dtype is ember.float32 and ember.Tensor(2, 3).shape == (2, 3)


def test_view_requires_compatible_strides():
    t = ember.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError, match=r"view size is not compatible.*Use .reshape\(...\) instead"):
        t.t().view(6)
    assert t.t().reshape(6).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    v = t.view(3, 2)
    v[0, 0] = 100.0
    assert t[0, 0].item() == 100.0 and t._version == 1
    with pytest.raises(RuntimeError, match="shape '\\[4, 2\\]' is invalid for input of size 6"):
        t.reshape(4, 2)


def test_documented_parameter_recipe():
    # docs/ember/core.md: how ember.nn.Parameter is built
    class Parameter(ember.Tensor):
        def __new__(cls, data=None, requires_grad=True):
            data = ember.empty(0) if data is None else data
            return ember.Tensor._make_subclass(cls, data.detach(), requires_grad)

    p = Parameter(ember.randn(3, 2))
    assert isinstance(p, Parameter) and p.requires_grad and p.is_leaf and p.grad_fn is None
    (p * p).sum().backward()
    assert p.grad.shape == (3, 2)
    q = copy.deepcopy(p)
    assert isinstance(q, Parameter) and q.requires_grad and q.grad is not None
    assert not Parameter(ember.ones(2), requires_grad=False).requires_grad
    with ember.no_grad():
        p.add_(p.grad, alpha=-0.1)
    assert p._version == 1


@pytest.mark.parametrize("view", ["x[1]", "x[1:, 2:]", "x.t()[1]", "x.view(-1)[5:]", "x[:, 1][1:]", "x"])
def test_storage_offset_matches_torch(view):
    e = eval(view, {"x": ember.arange(12.0).reshape(3, 4)})
    t = eval(view, {"x": torch.arange(12.0).reshape(3, 4)})
    assert e.storage_offset() == t.storage_offset()


def test_format_of_a_zero_dim_tensor_is_its_number():
    loss = ember.tensor(2.5, requires_grad=True) * 1
    for spec in ("", ".3f", ">8"):
        assert format(loss, spec) == format(torch.tensor(2.5, requires_grad=True) * 1, spec)
    assert f"{ember.tensor(3)}" == "3"
    assert f"{ember.tensor([1, 2])}" == "tensor([1, 2])"
    assert f"{ember.nn.Parameter(ember.tensor(1.0))}".startswith("Parameter containing")


def test_number_conversion_of_many_elements_is_a_value_error():
    for fn in (float, int):
        with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
            fn(ember.ones(3))
    with pytest.raises(RuntimeError, match="a Tensor with 3 elements cannot be converted to Scalar"):
        ember.ones(3).item()


def test_reading_grad_of_a_non_leaf_warns_as_pytorch():
    import warnings
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"):
        assert y.grad is None
    z = x * 3
    z.retain_grad()
    z.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert x.grad is not None and z.grad.tolist() == [1.0, 1.0] and ember.ones(1).grad is None


def test_copy_constructing_from_a_tensor_warns_as_pytorch():
    x = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match=r"rather than ember.tensor\(sourceTensor\)"):
        c = ember.tensor(x)
    assert not c.requires_grad and c.tolist() == [1.0, 1.0]
    with pytest.warns(UserWarning, match=r"rather than tensor.new_tensor\(sourceTensor\)"):
        assert x.new_tensor(ember.tensor([1, 2], dtype=ember.int32)).dtype == ember.float32     # self.dtype wins
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.tensor([ember.tensor(1.0), ember.tensor(2.0)])
        assert x.new_tensor([1, 2]).dtype == ember.float32


@pytest.mark.parametrize("opts", [dict(precision=2, sci_mode=False), dict(sci_mode=True), dict(precision=6),
                                  dict(threshold=5, edgeitems=2), dict(linewidth=40), dict(profile="short"),
                                  dict(profile="full")])
@pytest.mark.parametrize("data", ["[1e-5, 1234.5678, 0.5]", "[123456.0, 0.001]", "[1., 2.]", "np.arange(30.)",
                                  "np.arange(20).reshape(4, 5)", "[-1e-5, 12.5]"])
def test_print_options_match_torch(opts, data):
    v = eval(data)
    try:
        torch.set_printoptions(**opts)
        ember.set_printoptions(**opts)
        assert repr(ember.tensor(v)) == repr(torch.tensor(v)).replace("torch.", "ember.")
    finally:
        torch.set_printoptions(profile="default", sci_mode=None)
        ember.set_printoptions(profile="default", sci_mode=None)
