"""A bias's gradient over many rows is a ones-vector product on the GPU (``ops._util.column_sums``): the
same values as the CPU's reduction, for ``linear`` and for a broadcast add."""
import numpy as np
import pytest

import ember
from ember.nn import functional as F
from tests.ember.cuda.conftest import host


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("rows", [1, 100, 3000])         # below and above the product's threshold
def test_linear_and_broadcast_add_bias_gradients_match_the_cpu(gpu, dtype, rows):
    rng = np.random.default_rng(rows)
    arrays = [rng.standard_normal(s) for s in ((rows, 7), (5, 7), (5,), (rows, 2, 5))]
    grads = []
    for device in ("cpu", "cuda"):
        x, w, b, y = (ember.tensor(a, dtype=dtype, device=device, requires_grad=True) for a in arrays)
        out = F.linear(x, w, b)
        # (rows, 2, 5) + (5,): two leading axes summed; (rows, 5) * linspace weights every row differently
        ((out * ember.linspace(-1, 1, rows * 5, device=device, dtype=dtype).reshape(rows, 5)).sum()
         + ((y + b) ** 2).sum()).backward()
        grads.append([host(t.grad) for t in (x, w, b, y)])
    tol = dict(rtol=1e-5, atol=1e-4) if dtype is ember.float32 else dict(rtol=1e-12, atol=1e-10)
    for cpu, dev in zip(*grads):
        np.testing.assert_allclose(dev, cpu, **tol)
    assert grads[1][2].dtype == np.dtype(str(dtype).split(".")[1])


def test_empty_and_scalar_shaped_reductions(gpu):
    g = ember.zeros(0, 3, device="cuda", requires_grad=True)
    (g + ember.ones(3, device="cuda")).sum().backward()
    assert host(g.grad).shape == (0, 3)
    b = ember.tensor([[2.0]], device="cuda", requires_grad=True)
    (ember.ones(2048, 3, device="cuda") * b).sum().backward()
    assert host(b.grad).tolist() == [[6144.0]]


def test_the_ones_vector_is_made_once_per_shape_and_freed_by_empty_cache(gpu):
    from ember.ops import _util
    ember.cuda.empty_cache()
    x = ember.ones(2048, 4, device="cuda")
    b = ember.zeros(4, device="cuda", requires_grad=True)
    (x + b).sum().backward()
    (ones,) = _util._ones_cache.values()
    held = ember.cuda.memory_allocated()
    for _ in range(2):
        b.grad = None
        (x * 2 + b).sum().backward()
        assert host(b.grad).tolist() == [2048.0] * 4
    assert list(_util._ones_cache.values()) == [ones]       # the same array, not a new one per call
    del ones
    ember.cuda.empty_cache()
    assert _util._ones_cache == {}
    assert ember.cuda.memory_allocated() <= held - 2048 * 4
