"""``ember.autocast`` casts as PyTorch's: the CPU policy against PyTorch itself, the GPU policy (PyTorch's
documented op lists) on the GPU or the fake GPU backend."""
import warnings

import numpy as np
import pytest
import torch

import ember
from tests.ember.harness import DEVICES, on_device

OPS = {
    "matmul": lambda m, x: x @ x.T, "mm": lambda m, x: m.mm(x, x.T), "bmm": lambda m, x: m.bmm(x[None], x.T[None]),
    "linear": lambda m, x: m.nn.functional.linear(x, m.ones(4, 3)),
    "conv1d": lambda m, x: m.nn.functional.conv1d(x[None], m.ones(1, 2, 1)),
    "addmm": lambda m, x: m.addmm(m.zeros(2, 2), x, x.T), "einsum": lambda m, x: m.einsum("ij,kj->ik", x, x),
    "sum": lambda m, x: x.sum(), "softmax": lambda m, x: x.softmax(1), "exp": lambda m, x: x.exp(),
    "pow": lambda m, x: x ** 2, "relu": lambda m, x: x.relu(), "add": lambda m, x: x + m.ones(2, 3),
    "layer_norm": lambda m, x: m.nn.functional.layer_norm(x, (3,)),
    "cross_entropy": lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 1])),
    "mse_loss": lambda m, x: m.nn.functional.mse_loss(x, x.detach()),
    "bce_logits": lambda m, x: m.nn.functional.binary_cross_entropy_with_logits(x, x.detach().sigmoid()),
    "prod": lambda m, x: x.prod(), "cdist": lambda m, x: m.cdist(x, x),
    "module": lambda m, x: m.nn.Linear(3, 2)(x), "conv_module": lambda m, x: m.nn.Conv1d(2, 1, 1)(x[None]),
}


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_cpu_policy_matches_torch(op, dtype):
    got, want = [], []
    for m, out in ((ember, got), (torch, want)):
        x = m.full((2, 3), 0.5, dtype=getattr(m, dtype), requires_grad=True)
        with m.autocast("cpu", dtype=m.float16):
            y = OPS[op](m, x)
        out.append(str(y.dtype).split(".")[1])
        y.float().sum().backward()
        out.append(str(x.grad.dtype).split(".")[1])
    assert got == want


# PyTorch's CUDA lists: products and convolutions in float16, these in float32, binary_cross_entropy refused
GPU_FP16 = ["matmul", "mm", "bmm", "linear", "conv1d", "addmm", "einsum", "module", "conv_module"]
GPU_FP32 = ["sum", "softmax", "exp", "pow", "layer_norm", "cross_entropy", "mse_loss", "bce_logits", "prod", "cdist"]


@pytest.mark.parametrize("device", [d for d in DEVICES if d.values[0] != "cpu"])
def test_gpu_policy(device):
    with on_device(device):
        for op in OPS:
            for dtype in (ember.float16, ember.float32):
                x = ember.full((2, 3), 0.5, dtype=dtype, requires_grad=True)
                with ember.autocast("cuda", dtype=ember.float16):
                    y = OPS[op](ember, x)
                want = ember.float16 if op in GPU_FP16 else ember.float32 if op in GPU_FP32 else \
                    ember.promote_types(dtype, ember.float32) if op == "add" else dtype
                assert y.dtype is want, (op, dtype)
                y.float().sum().backward()
                assert x.grad.dtype is dtype
        with ember.autocast("cuda", dtype=ember.float16):
            with pytest.raises(RuntimeError, match="binary_cross_entropy and ember.nn.BCELoss are unsafe to autocast"):
                ember.nn.functional.binary_cross_entropy(ember.full((2,), 0.5), ember.ones(2))
            x = ember.ones(2, 2)
            assert (x @ x).dtype is ember.float16 and ember.is_autocast_enabled()
            with ember.autocast("cuda", enabled=False):
                assert (x @ x).dtype is ember.float32 and not ember.is_autocast_enabled()
            cpu = ember.ones(2, 2, device="cpu")
            assert (cpu @ cpu).dtype is ember.float32          # a CUDA region leaves CPU tensors alone


def test_mixed_precision_training_step_on_cpu():
    model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3))
    opt = ember.optim.SGD(model.parameters(), lr=0.1)
    x, y = ember.randn(5, 4), ember.tensor([0, 1, 2, 0, 1])
    with ember.autocast(device_type="cpu", dtype=ember.float16):
        out = model(x)
        loss = ember.nn.functional.cross_entropy(out, y)
    assert out.dtype is ember.float16 and loss.dtype is ember.float32
    loss.backward()
    assert all(p.grad.dtype is ember.float32 for p in model.parameters())
    opt.step()


def test_wrappers_exist_only_inside_regions():
    before = (ember.matmul, ember.Tensor.sum, ember.nn.functional.linear)
    with ember.autocast("cpu", dtype=ember.float16):
        assert ember.matmul is not before[0]
        with ember.autocast("cpu", dtype=ember.float16):
            pass
        assert ember.matmul is not before[0]
    assert (ember.matmul, ember.Tensor.sum, ember.nn.functional.linear) == before

    @ember.autocast("cpu", dtype=ember.float16)
    def f(x):
        return x @ x
    assert f(ember.ones(2, 2)).dtype is ember.float16 and ember.matmul is before[0]


def test_unsupported_settings_are_refused_and_missing_gpu_disables():
    with pytest.raises(RuntimeError, match="ember has no bfloat16"):
        ember.autocast("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'mps'"):
        ember.autocast("mps")
    assert ember.autocast("cpu", enabled=False) is not None
    if not ember.cuda.is_available():
        with pytest.warns(UserWarning, match="Disabling autocast"):
            region = ember.autocast("cuda", dtype=ember.float16)
        with region:
            assert not ember.is_autocast_enabled("cuda")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert not ember.cuda.amp.GradScaler().is_enabled()
