"""Models and optimisers on a GPU: ``Module.to``, training steps that match the CPU, optimiser state on the
GPU, gradient clipping, saving and loading with ``map_location``, and the profiler's device sync."""
import io

import numpy as np
import pytest

import ember
from ember import nn, optim
from tests.ember.cuda.conftest import host


def _mlp():
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 4))


def _cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 3))


def _train(model, x, y, opt_cls, device, steps=3, **opt_kw):
    model = model.to(device)
    opt = opt_cls(model.parameters(), **opt_kw)
    x, y = x.to(device), y.to(device)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
    return model, opt, losses


@pytest.mark.parametrize("opt_cls,kw", [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
                                        (optim.Adam, dict(lr=1e-2, amsgrad=True)),
                                        (optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
                                        (optim.RMSprop, dict(lr=1e-2, momentum=0.5, centered=True))])
@pytest.mark.parametrize("net", ["mlp", "cnn"])
def test_training_on_the_gpu_matches_the_cpu(gpu, opt_cls, kw, net):
    rng = np.random.default_rng(0)
    shape = (8, 12) if net == "mlp" else (8, 1, 8, 8)
    x = ember.tensor(rng.standard_normal(shape).astype(np.float32))
    y = ember.tensor(rng.integers(0, 3, 8))
    ember.manual_seed(0)
    cpu_model = _mlp() if net == "mlp" else _cnn()
    ember.manual_seed(0)
    gpu_model = _mlp() if net == "mlp" else _cnn()
    _, _, cpu_losses = _train(cpu_model, x, y, opt_cls, "cpu", **kw)
    gpu_model, opt, gpu_losses = _train(gpu_model, x, y, opt_cls, "cuda", **kw)
    np.testing.assert_allclose(gpu_losses, cpu_losses, rtol=2e-5, atol=1e-6)
    for (name, p), q in zip(gpu_model.named_parameters(), cpu_model.parameters()):
        assert p.device.type == "cuda" and p.grad.device.type == "cuda", name
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    for state in opt.state.values():
        for key, value in state.items():
            if key != "step":                      # step counts stay on the CPU, as in PyTorch
                assert value.device.type == "cuda", key


def test_module_moves_and_back(gpu):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    assert model.cuda() is model
    for t in list(model.parameters()) + list(model.buffers()):
        assert t.device.type == "cuda"
    model.cpu()
    assert all(t.device.type == "cpu" for t in model.parameters())


def test_state_dict_round_trip_with_map_location(gpu):
    model = _mlp().to("cuda")
    buf = io.BytesIO()
    ember.save(model.state_dict(), buf)
    buf.seek(0)
    on_cpu = ember.load(buf, map_location="cpu")
    assert all(t.device.type == "cpu" for t in on_cpu.values())
    buf.seek(0)
    back = ember.load(buf)                         # saved on cuda:0: comes back there
    assert all(t.device == ember.device("cuda:0") for t in back.values())
    fresh = _mlp()
    fresh.load_state_dict(on_cpu)
    for a, b in zip(fresh.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), host(b))


def test_profiler_synchronises_around_gpu_ops(gpu):
    from tests.ember.fake_cuda import FakeCudaBackend
    if gpu != "fake":
        pytest.skip("the sync count is observable on the fake GPU")
    x = ember.randn(4, 4, device="cuda", requires_grad=True)
    before = FakeCudaBackend.syncs
    with ember.profiler.profile() as prof:
        (x @ x).relu().sum().backward()
    assert FakeCudaBackend.syncs - before >= 8          # before and after each forward op and backward node
    assert {"ember::matmul", "MmBackward0"} <= {e.key for e in prof.key_averages()}


def test_profiler_counts_memory_of_copies_between_devices(gpu):
    x = ember.randn(4, 4)
    with ember.profiler.profile(profile_memory=True) as prof:
        y = x.to("cuda")
        y.cpu()
    assert "ember::to" in {e.key for e in prof.key_averages()} or "ember::cuda" in {e.key for e in
                                                                                    prof.key_averages()}
