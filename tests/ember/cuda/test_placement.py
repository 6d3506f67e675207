"""Tensors on a GPU: creation, moves between devices, mixing errors, copies. Runs on the fake CUDA backend
(tests/ember/fake_cuda.py: NumPy under CuPy's rules) wherever there is no GPU, and on the real one where there is."""
import copy
import pickle

import numpy as np
import pytest

import ember
from ember.ops.nn_ops import linear
from tests.ember.cuda.conftest import host, need_gpus


def test_factories_create_on_the_requested_gpu(gpu):
    need_gpus(2)
    for make in (lambda d: ember.zeros(2, 3, device=d), lambda d: ember.ones(4, device=d),
                 lambda d: ember.full((2,), 7.0, device=d), lambda d: ember.empty(3, device=d),
                 lambda d: ember.arange(5, device=d), lambda d: ember.arange(0.0, 1.0, 0.25, device=d),
                 lambda d: ember.linspace(0, 1, 5, device=d), lambda d: ember.eye(3, device=d),
                 lambda d: ember.rand(2, 2, device=d), lambda d: ember.randn(3, device=d),
                 lambda d: ember.randint(0, 9, (4,), device=d), lambda d: ember.randperm(6, device=d),
                 lambda d: ember.tensor([[1, 2], [3, 4]], device=d), lambda d: ember.tril_indices(3, 3, device=d)):
        t = make("cuda")
        assert t.device == ember.device("cuda:0") and t.is_cuda and type(t._array) is not np.ndarray
        assert make("cuda:1").device == ember.device("cuda:1")
    assert host(ember.arange(5, device="cuda")).tolist() == [0, 1, 2, 3, 4]
    assert host(ember.eye(2, device="cuda")).tolist() == [[1, 0], [0, 1]]


def test_like_functions_follow_their_input(gpu):
    need_gpus(2)
    x = ember.ones(2, 3, device="cuda:1")
    for t in (ember.zeros_like(x), ember.ones_like(x), ember.empty_like(x), ember.full_like(x, 2.0),
              ember.rand_like(x), ember.randn_like(x), x.new_zeros(4), x.new_tensor([1.0])):
        assert t.device == ember.device("cuda:1")
    assert ember.zeros_like(x, device="cpu").device.type == "cpu"


def test_to_cuda_cpu_round_trip_keeps_values_and_gradients(gpu):
    need_gpus(2)
    a = ember.randn(3, 4, requires_grad=True)
    b = a.to("cuda")
    assert b.device == ember.device("cuda:0") and b.grad_fn.name() == "ToCopyBackward0"
    np.testing.assert_array_equal(host(b), a.detach().numpy())
    (b * b).sum().backward()                      # the gradient flows back across the device boundary
    assert a.grad.device.type == "cpu"
    np.testing.assert_allclose(a.grad.numpy(), 2 * a.detach().numpy(), rtol=1e-6)
    c = b.detach().cpu()
    assert c.device.type == "cpu" and c.cuda().device == ember.device("cuda:0")
    assert b.cuda() is b and a.cpu() is a and b.to("cuda:0") is b
    assert b.cuda(1).device == ember.device("cuda:1")
    d = a.to("cuda", ember.float64)
    assert d.dtype is ember.float64 and d.device.type == "cuda"


@pytest.mark.filterwarnings("ignore:To copy construct from a tensor")     # copying is the point here
def test_tensor_copies_stay_on_their_device_unless_told(gpu):
    need_gpus(2)
    x = ember.arange(4.0, device="cuda:1")
    assert ember.tensor(x).device == ember.device("cuda:1")
    assert ember.tensor(x, device="cpu").device.type == "cpu"
    assert ember.as_tensor(x) is x
    assert ember.as_tensor(x, device="cpu").device.type == "cpu"
    assert ember.as_tensor(np.ones(2), device="cuda").device.type == "cuda"
    assert ember.from_numpy(np.ones(2)).device.type == "cpu"          # shares host memory: always the CPU
    assert ember.tensor([x[0], x[1]]).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("op", [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a @ b,
                                lambda a, b: ember.cat([a, b]), lambda a, b: ember.where(b > 0, a, b),
                                lambda a, b: a.add_(b), lambda a, b: ember.maximum(a, b),
                                lambda a, b: linear(a, b),
                                lambda a, b: ember.einsum("ij,jk->ik", a, b), lambda a, b: a.masked_fill(b > 0, 1.0),
                                lambda a, b: ember.stack([a, b]), lambda a, b: ember.equal(a, b)])
def test_mixing_devices_names_both(gpu, op):
    a = ember.ones(2, 2)
    b = ember.ones(2, 2, device="cuda")
    with pytest.raises(RuntimeError, match="same device.*cpu and cuda:0|same device.*cuda:0 and cpu"):
        op(a, b)
    if ember.cuda.device_count() > 1:
        with pytest.raises(RuntimeError, match="cuda:0 and cuda:1|cuda:1 and cuda:0"):
            op(ember.ones(2, 2, device="cuda:1"), b)


def test_losses_and_layers_refuse_mixed_devices(gpu):
    from ember.ops import nn_ops as F
    x = ember.randn(4, 3, device="cuda")
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        F.cross_entropy(x, ember.tensor([0, 1, 2, 0]))
    with pytest.raises(RuntimeError, match="cuda:0 and cpu"):
        F.layer_norm(x, (3,), weight=ember.ones(3))
    with pytest.raises(RuntimeError, match="cpu and cuda:0|cuda:0 and cpu"):
        F.conv2d(ember.randn(1, 1, 4, 4), ember.randn(1, 1, 2, 2, device="cuda"))


def test_index_tensors_may_live_on_the_cpu_but_not_on_another_gpu(gpu):
    x = ember.arange(6.0, device="cuda").reshape(2, 3)
    assert host(x[ember.tensor([1, 0])]).tolist() == [[3, 4, 5], [0, 1, 2]]
    with pytest.raises(RuntimeError, match="indices should be either on cpu or on the same device"):
        ember.arange(3.0)[ember.tensor([0], device="cuda")]


def test_copy_between_devices(gpu):
    dst = ember.zeros(3, device="cuda")
    dst.copy_(ember.tensor([1.0, 2.0, 3.0]))
    assert host(dst).tolist() == [1, 2, 3]
    back = ember.zeros(3)
    back.copy_(dst)
    assert back.tolist() == [1, 2, 3]


def test_repr_pickle_and_deepcopy_of_gpu_tensors(gpu):
    need_gpus(2)
    x = ember.tensor([1.5, 2.0], device="cuda:1", requires_grad=True)
    assert repr(x) == "tensor([1.5000, 2.0000], device='cuda:1', requires_grad=True)"
    y = pickle.loads(pickle.dumps(x))
    assert y.device == ember.device("cuda:1") and y.requires_grad and host(y).tolist() == [1.5, 2.0]
    z = copy.deepcopy(x)
    assert z.device == ember.device("cuda:1") and z._array is not x._array


def test_numpy_needs_the_cpu_and_item_works_everywhere(gpu):
    x = ember.tensor([[2.5]], device="cuda")
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu"):
        x.numpy()
    with pytest.raises(TypeError):
        np.asarray(x)
    assert x.item() == 2.5 and float(x) == 2.5 and x.tolist() == [[2.5]] and bool(x)


def test_parameters_move_by_data_assignment_with_their_grads(gpu):
    class Parameter(ember.Tensor):
        def __new__(cls, data, requires_grad=True):
            return ember.Tensor._make_subclass(cls, data.detach(), requires_grad)

    p = Parameter(ember.randn(3, 2))
    (p * 3).sum().backward()
    with ember.no_grad():                        # what Module.to does for every parameter
        p.data = p.to("cuda")
        p.grad = p.grad.to("cuda")
    assert isinstance(p, Parameter) and p.device.type == "cuda" and p.grad.device.type == "cuda" and p.is_leaf
    (p * p).sum().backward()                     # accumulates into the moved gradient, on the GPU
    np.testing.assert_allclose(host(p.grad), 3 + 2 * host(p.detach()), rtol=1e-6)
    with ember.no_grad():
        p.add_(p.grad, alpha=-0.1)               # an optimiser step, in place on the GPU
    assert p.device.type == "cuda" and p._version > 0


def test_current_device_decides_where_ops_run(gpu):
    need_gpus(2)
    x = ember.ones(2, device="cuda:1")
    assert ember.cuda.current_device() == 0
    with ember.cuda.device(1):
        assert ember.cuda.current_device() == 1
        y = x * 2
    assert y.device == ember.device("cuda:1") and ember.cuda.current_device() == 0
    with ember.device("cuda:1"):
        assert ember.zeros(1, device="cuda").device == ember.device("cuda:1")
    ember.cuda.set_device(1)
    try:
        assert ember.zeros(1, device="cuda").device == ember.device("cuda:1")
    finally:
        ember.cuda.set_device(0)
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        ember.zeros(1, device="cuda:7")
