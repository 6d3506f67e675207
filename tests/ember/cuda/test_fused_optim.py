"""Fused optimiser kernels against the unfused array code, on the GPU (real, or the fake one running the same
CUDA source through the CPU emulator): per-parameter kernels and the multi-tensor ones."""
import numpy as np
import pytest

import ember
from ember.cuda import _fused_optim as fo
from ember.optim import _functional as unfused
from tests.ember.cuda.conftest import host

TOL = {np.float32: dict(rtol=2e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-14)}


@pytest.fixture
def xp(gpu):
    if not getattr(ember.backend.cuda_backend(), "compiles_kernels", True):
        pytest.skip("this fake GPU cannot run kernels (no C++ compiler for the emulator)")
    return ember.device("cuda").xp


def _arrays(xp, rng, n, dtype, k):
    return [xp.asarray(rng.standard_normal(n).astype(dtype)) for _ in range(k)]


def _copies(arrays):
    return [None if a is None else a.copy() for a in arrays]


def _work(xp, like):
    cache = {}

    def work(i):
        if i not in cache:
            cache[i] = xp.empty_like(like)
        return cache[i]
    return work


SGD = [dict(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0, maximize=False),
       dict(momentum=0.9, dampening=0.0, nesterov=True, weight_decay=1e-2, maximize=False),
       dict(momentum=0.8, dampening=0.3, nesterov=False, weight_decay=0.0, maximize=True),
       dict(momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.1, maximize=True)]
ADAM = [dict(weight_decay=0.0, amsgrad=False, maximize=False, decoupled_weight_decay=False),
        dict(weight_decay=1e-2, amsgrad=True, maximize=False, decoupled_weight_decay=False),
        dict(weight_decay=1e-2, amsgrad=False, maximize=True, decoupled_weight_decay=True),
        dict(weight_decay=0.0, amsgrad=True, maximize=True, decoupled_weight_decay=True)]
RMS = [dict(weight_decay=0.0, momentum=0.0, centered=False, maximize=False),
       dict(weight_decay=1e-2, momentum=0.9, centered=True, maximize=False),
       dict(weight_decay=0.0, momentum=0.5, centered=False, maximize=True)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opts", SGD)
def test_sgd(xp, dtype, opts):
    rng = np.random.default_rng(1)
    p, = _arrays(xp, rng, 1000, dtype, 1)
    q = p.copy()
    bufs = [None, None]
    for _ in range(5):
        g, = _arrays(xp, rng, 1000, dtype, 1)
        bufs[0] = fo.sgd_update(xp, p, g, bufs[0], None, lr=0.05, **opts)
        bufs[1] = unfused.sgd_update(xp, q, g, bufs[1], _work(xp, q), lr=0.05, **opts)
    np.testing.assert_allclose(host_a(p), host_a(q), **TOL[dtype])
    if opts["momentum"]:
        np.testing.assert_allclose(host_a(bufs[0]), host_a(bufs[1]), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opts", ADAM)
def test_adam(xp, dtype, opts):
    rng = np.random.default_rng(2)
    fused = _arrays(xp, rng, 777, dtype, 1) + [xp.zeros(777, dtype) for _ in range(3)]
    plain = _copies(fused)
    for step in range(1, 8):
        g, = _arrays(xp, rng, 777, dtype, 1)
        kw = dict(step=step, lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, **opts)
        fo.adam_update(xp, fused[0], g, *fused[1:], None, **kw)
        unfused.adam_update(xp, plain[0], g, *plain[1:], _work(xp, plain[0]), **kw)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(host_a(a), host_a(b), **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("opts", RMS)
def test_rmsprop(xp, dtype, opts):
    rng = np.random.default_rng(3)
    fused = _arrays(xp, rng, 500, dtype, 1) + [xp.zeros(500, dtype) for _ in range(3)]
    plain = _copies(fused)
    for _ in range(6):
        g, = _arrays(xp, rng, 500, dtype, 1)
        fo.rmsprop_update(xp, fused[0], g, *fused[1:], None, lr=1e-2, alpha=0.9, eps=1e-8, **opts)
        unfused.rmsprop_update(xp, plain[0], g, *plain[1:], _work(xp, plain[0]), lr=1e-2, alpha=0.9, eps=1e-8,
                               **opts)
    for a, b in zip(fused, plain):
        np.testing.assert_allclose(host_a(a), host_a(b), **TOL[dtype])


@pytest.mark.parametrize("offset", [0, 1], ids=["aligned", "unaligned"])
@pytest.mark.parametrize("opts", ADAM)
def test_adam_multi_tensor_matches_per_parameter(xp, opts, offset):
    # aligned arrays take the kernel's 16-byte loads (and a scalar tail), views one element in its other loop
    rng = np.random.default_rng(4)
    sizes = [3, fo.CHUNK, fo.CHUNK * 2 + 5, 1, 0, 70]        # chunk edges, a single element and an empty tensor

    def array(values):
        buf = xp.zeros(values.size + offset, np.float32)
        buf[offset:] = xp.asarray(values.astype(np.float32))
        return buf[offset:]
    sets = []
    for _ in range(2):
        sets.append([[array(rng.standard_normal(n)) for n in sizes]] +
                    [[array(np.zeros(n)) for n in sizes] for _ in range(3)])
    for k in range(4):
        sets[1][k] = _copies(sets[0][k])
    steps = [1, 2, 5, 1, 1, 3]                                # per-parameter step counts may differ
    grads = [xp.asarray(rng.standard_normal(n).astype(np.float32)) for n in sizes]
    kw = dict(lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, **opts)
    assert fo.adam_multi(xp, sets[0][0], grads, sets[0][1], sets[0][2], sets[0][3], steps, **kw)
    for i, n in enumerate(sizes):
        fo.adam_update(xp, sets[1][0][i], grads[i], sets[1][1][i], sets[1][2][i], sets[1][3][i], None, step=steps[i],
                       **kw)
    for a_list, b_list in zip(sets[0], sets[1]):
        for a, b in zip(a_list, b_list):
            np.testing.assert_allclose(host_a(a), host_a(b), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("opts", SGD)
def test_sgd_multi_tensor_matches_per_parameter(xp, opts):
    rng = np.random.default_rng(5)
    sizes = [5, fo.CHUNK + 1, 0, 33]
    ps = [xp.asarray(rng.standard_normal(n).astype(np.float32)) for n in sizes]
    qs = _copies(ps)
    multi_bufs, single_bufs = [None] * len(sizes), [None] * len(sizes)
    for _ in range(3):
        grads = [xp.asarray(rng.standard_normal(n).astype(np.float32)) for n in sizes]
        multi_bufs = fo.sgd_multi(xp, ps, grads, multi_bufs, lr=0.1, **opts)
        single_bufs = [fo.sgd_update(xp, q, g, b, None, lr=0.1, **opts) for q, g, b in zip(qs, grads, single_bufs)]
    for a, b in zip(ps, qs):
        np.testing.assert_allclose(host_a(a), host_a(b), rtol=1e-6, atol=1e-7)


def test_kernels_decline_what_they_do_not_cover(xp):
    half = xp.ones(4, np.float16)
    assert fo.adam_multi(xp, [half], [half], [half], [half], [half], [1], lr=0.1, beta1=0.9, beta2=0.9, eps=1e-8,
                         weight_decay=0, amsgrad=False, maximize=False, decoupled_weight_decay=False) is False
    p = xp.ones(8, np.float32)[::2]                 # not contiguous: the unfused function does the step
    fo.sgd_update(xp, p, xp.ones(4, np.float32), None, lambda i: xp.empty(4, np.float32), lr=0.5, momentum=0,
                  dampening=0, nesterov=False, weight_decay=0, maximize=False)
    assert host_a(p).tolist() == [0.5] * 4


def test_optimizers_use_the_fused_kernels_and_can_turn_them_off(xp):
    from ember.optim import _functional
    assert _functional.get_kernel("adam", xp).__name__ == "fused_adam_update"
    calls = []

    class Spy:
        def __getitem__(self, name):
            calls.append(name)
            return real[name]
    real, fo.KERNELS = fo.KERNELS, Spy()
    try:
        model = ember.nn.Linear(4, 3).to("cuda")
        opt = ember.optim.Adam(model.parameters(), foreach=False)       # one kernel per parameter
        model(ember.randn(2, 4, device="cuda")).sum().backward()
        opt.step()
        assert calls == ["adam_step<float>"] * 2
        prev = ember.cuda.set_fused(False)
        try:
            opt.step()
        finally:
            ember.cuda.set_fused(prev)
        assert len(calls) == 2
    finally:
        fo.KERNELS = real


def host_a(a):
    return ember.backend.to_host(a)


@pytest.mark.parametrize("opt_cls,kw,kernel", [
    (ember.optim.Adam, dict(lr=1e-2, amsgrad=True), "adam_multi<float>"),
    (ember.optim.AdamW, dict(lr=1e-2), "adam_multi<float>"),
    (ember.optim.SGD, dict(lr=0.1, momentum=0.9), "sgd_multi<float>"),
    (ember.optim.SGD, dict(lr=0.1), "sgd_multi<float>")])
def test_optimizers_step_whole_groups_in_one_launch(xp, opt_cls, kw, kernel):
    calls = []

    class Spy:
        def __getitem__(self, name):
            calls.append(name)
            return real[name]

    def run(fused):
        ember.manual_seed(0)
        model = ember.nn.Sequential(ember.nn.Linear(6, 5), ember.nn.Tanh(), ember.nn.Linear(5, 2)).to("cuda")
        opt = opt_cls(model.parameters(), **kw)
        prev = ember.cuda.set_fused(fused)
        try:
            for i in range(3):
                opt.zero_grad()
                model(ember.randn(4, 6, device="cuda")).pow(2).sum().backward()
                opt.step()
        finally:
            ember.cuda.set_fused(prev)
        return model, opt

    real, fo.KERNELS = fo.KERNELS, Spy()
    try:
        fused_model, fused_opt = run(True)
        assert calls == [kernel] * 3                      # one launch per step for the whole group
        plain_model, plain_opt = run(False)
        assert len(calls) == 3
    finally:
        fo.KERNELS = real
    for a, b in zip(fused_model.parameters(), plain_model.parameters()):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-5, atol=1e-6)
    for p in fused_model.parameters():
        assert float(fused_opt.state[p].get("step", ember.tensor(3.0))) == 3.0
    no_foreach = opt_cls(fused_model.parameters(), foreach=False, **kw)
    real, fo.KERNELS = fo.KERNELS, Spy()
    try:
        fused_model(ember.randn(4, 6, device="cuda")).sum().backward()
        no_foreach.step()
        assert not any("multi" in c for c in calls[3:])   # foreach=False: one kernel per parameter
    finally:
        fo.KERNELS = real


def test_multi_tensor_tables_are_sent_once_while_the_arrays_stay(xp):
    fo._uploaded.clear()
    params = [xp.ones(10, np.float32), xp.ones(5000, np.float32)]
    grads = [xp.ones(10, np.float32), xp.ones(5000, np.float32)]
    state = [[xp.zeros(10, np.float32), xp.zeros(5000, np.float32)] for _ in range(3)]
    kw = dict(lr=1e-2, beta1=0.9, beta2=0.99, eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
              decoupled_weight_decay=False)
    for step in (1, 2, 3):
        fo.adam_multi(xp, params, grads, *state, [step, step], **kw)
    assert len(fo._uploaded) == 1                      # steps change, pointers don't: one table
    fo.adam_multi(xp, params, grads, *state, [4, 1], **kw)
    assert len(fo._uploaded) == 2                      # differing step counts travel in the table
