"""The per-parameter update kernels: in place, no allocation in the hot loop, and replaceable per array module."""
import numpy as np
import pytest

import ember
from ember.optim import _functional as Fo


def test_sgd_kernel_updates_in_place_and_reuses_the_workspace():
    ws = Fo.Workspace()
    p = np.ones(6, np.float32)
    g = np.full(6, 2.0, np.float32)
    ptr = p.ctypes.data
    work = ws.bind(p, ember.device("cpu"))
    buf = Fo.sgd_update(np, p, g, None, work, lr=0.1, momentum=0.0, dampening=0.0, nesterov=False,
                        weight_decay=0.0, maximize=False)
    assert buf is None and p.ctypes.data == ptr and np.allclose(p, 0.8)
    scratch = work(1)
    work2 = ws.bind(np.zeros((2, 3), np.float32), ember.device("cpu"))
    assert work2(1).base is scratch.base                     # one flat buffer per (device, dtype, slot)
    assert not np.shares_memory(work(0), work(1))


def test_adam_step_allocates_no_param_sized_arrays():
    import tracemalloc
    p = ember.nn.Parameter(ember.randn(256, 256))
    opt = ember.optim.Adam([p], lr=1e-3)
    p.grad = ember.randn(256, 256)
    opt.step()                                               # first step creates the state and the workspace
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[1]
    for _ in range(3):
        opt.step()
    peak = tracemalloc.get_traced_memory()[1] - before
    tracemalloc.stop()
    assert peak < 256 * 256 * 4 / 4, peak                    # well under one parameter-sized temporary


def test_registered_kernel_replaces_the_default_for_its_array_module():
    calls = []

    def fake_sgd(xp, param, grad, buf, work, **kw):
        calls.append(kw["lr"])
        param -= 1
        return buf
    Fo.register_kernel("sgd", np, fake_sgd)
    try:
        p = ember.nn.Parameter(ember.zeros(2))
        p.grad = ember.ones(2)
        ember.optim.SGD([p], lr=0.3).step()
        assert calls == [0.3] and p.tolist() == [-1.0, -1.0]
    finally:
        Fo._REGISTERED.clear()
    assert Fo.get_kernel("sgd", np) is Fo.sgd_update
    with pytest.raises(KeyError, match="unknown optimiser kernel"):
        Fo.register_kernel("lion", np, fake_sgd)


def test_step_records_no_graph_and_bumps_the_parameter_version():
    p = ember.nn.Parameter(ember.ones(2))
    y = p * p                                                # saves p for backward
    p.grad = ember.ones(2)
    ember.optim.SGD([p], lr=0.1).step()
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()
