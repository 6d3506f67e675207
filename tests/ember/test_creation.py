"""Creation functions: values and dtypes as PyTorch infers them; memory sharing where PyTorch shares."""
import numpy as np
import pytest
import torch

import ember


@pytest.mark.parametrize("data", ["[1, 2]", "[1., 2]", "True", "[[True, False]]", "3", "2.5", "[]",
                                  "np.arange(3, dtype=np.int32)", "np.ones(2)", "np.ones(2, np.float16)",
                                  "[np.float32(1.5)]", "np.array(5, np.uint8)"])
def test_tensor_infers_dtype_like_torch(data):
    v = eval(data)
    e, t = ember.tensor(v), torch.tensor(v)
    assert e.dtype.name == str(t.dtype).split(".")[1] and e.tolist() == t.tolist()


def test_tensor_copies_and_accepts_tensors():
    a = np.ones(2)
    t = ember.tensor(a)
    a[0] = 5
    assert t.tolist() == [1.0, 1.0]
    assert ember.tensor([ember.tensor(1.0), ember.tensor(2.0)]).tolist() == [1.0, 2.0]
    assert ember.tensor([1, 2], dtype=ember.float64).dtype is ember.float64
    with pytest.raises(ValueError, match=r"expected sequence of length 2 at dim 1 \(got 1\)"):
        ember.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        ember.tensor(["a"])


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3, np.float32)
    t = ember.from_numpy(a)
    a[1] = 7
    assert t.tolist() == [0.0, 7.0, 0.0] and t.dtype is ember.float32
    assert np.shares_memory(ember.as_tensor(a).numpy(), a)
    assert ember.as_tensor(t) is t
    with pytest.raises(TypeError, match="expected np.ndarray"):
        ember.from_numpy([1, 2])


@pytest.mark.parametrize("call", [
    "zeros(2, 3)", "ones((2, 3))", "empty(4).shape", "full((2, 2), 7)", "full((2,), 1.5)", "full((2,), True)",
    "zeros(2, dtype={m}.int64)", "arange(5)", "arange(1, 4, 0.5)", "arange(0, 1, 0.1)", "arange(5.0)",
    "arange(10, 0, -3)", "linspace(0, 1, 5)", "linspace(-1, 1, 1)", "eye(3)", "eye(2, 4)",
    "zeros_like({m}.ones(2, dtype={m}.int32))", "ones_like({m}.ones(2))", "full_like({m}.ones(3), 2)",
    "tril_indices(3, 3)", "logspace(0, 2, 3)",
])
def test_filled_and_ranges_match_torch(call):
    def run(m):
        return eval("m." + call.format(m="m"), {"m": m})
    e, t = run(ember), run(torch)
    if isinstance(t, torch.Size):
        assert tuple(e) == tuple(t)
        return
    assert e.dtype.name == str(t.dtype).split(".")[1]
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)


def test_creation_options():
    t = ember.zeros(2, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert ember.ones(2, 2).new_zeros(3).dtype is ember.float32
    assert ember.ones(1, dtype=ember.float64).new_tensor([1, 2]).dtype is ember.float64
    assert ember.ones(1).new_full((2,), 3.0).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="negative dimension"):
        ember.zeros(-1)
    with pytest.raises(TypeError, match="must be a tuple of ints"):
        ember.zeros(2.5)
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ember.arange(0, 1, 0)


def test_random_shapes_dtypes_and_ranges():
    ember.manual_seed(0)
    assert ember.rand(2, 3).dtype is ember.float32 and ember.randn(4, dtype=ember.float64).dtype is ember.float64
    u = ember.rand(1000)
    assert 0 <= u.min().item() and u.max().item() < 1
    r = ember.randint(3, 7, (1000,))
    assert r.dtype is ember.int64 and set(r.tolist()) == {3, 4, 5, 6}
    assert ember.randint(5, (2, 2)).shape == (2, 2)
    assert sorted(ember.randperm(10).tolist()) == list(range(10))
    n = ember.randn(20000)
    assert abs(n.mean().item()) < 0.05 and abs(n.std().item() - 1) < 0.05
    assert ember.normal(2.0, 3.0, (5,)).shape == (5,)
    assert ember.normal(ember.zeros(3), ember.ones(3)).shape == (3,)
    b = ember.bernoulli(ember.full((1000,), 0.3))
    assert set(b.tolist()) <= {0.0, 1.0} and 0.2 < b.mean().item() < 0.4
    m = ember.multinomial(ember.tensor([0.0, 1.0, 3.0]), 2)
    assert sorted(m.tolist()) == [1, 2]
    m = ember.multinomial(ember.tensor([[0.0, 1.0], [1.0, 0.0]]), 5, replacement=True)
    assert m.tolist() == [[1] * 5, [0] * 5]
    assert ember.randn_like(ember.ones(2, dtype=ember.float64)).dtype is ember.float64
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        ember.randint(5, 5, (2,))


@pytest.mark.parametrize("data", [1 / 3, [1 / 3, 2 / 3], [[0.1], [1e-300]], 2**53 + 1])
def test_explicit_dtype_keeps_python_number_precision(data):
    for name in ("float64", "int64"):
        if name == "int64" and not isinstance(data, int):
            continue
        ours = ember.tensor(data, dtype=getattr(ember, name)).tolist()
        assert ours == torch.tensor(data, dtype=getattr(torch, name)).tolist()


@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1], [2, 3]], [[[1, 2], [3, 4]], [[1, 2], [3]]]])
def test_ragged_lists_get_pytorchs_message(data):
    import torch
    with pytest.raises(ValueError) as want:
        torch.tensor(data)
    with pytest.raises(ValueError) as got:
        ember.tensor(data)
    assert str(got.value) == str(want.value)
    with pytest.raises(ValueError, match="expected a rectangular nested sequence"):
        ember.tensor([[1, 2], 3])
