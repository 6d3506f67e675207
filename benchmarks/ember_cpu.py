"""ember vs PyTorch on the CPU: four workloads, one process, interleaved, ratios printed (not a test).

    python benchmarks/ember_cpu.py [--threads N] [--repeats 25] [--only a,b,c,d]

(a) forward+backward of ``(a*b + a).sum()`` on 100 floats (per-op overhead)
(b) MLP 784-256-256-10, batch 128: forward, cross entropy, backward, SGD step
(c) CNN conv 1->8 3x3, ReLU, max-pool 2, linear -> 10 on 64x1x28x28: forward, backward, SGD step
(d) ``(A @ B).sum()`` forward+backward with 512x512 float32 matrices

Both libraries get the same initial values and the same thread count (PyTorch is pinned to NumPy's BLAS
thread count, or both to ``--threads``). (b) and (c) are written once for both libraries: an
``nn.Sequential`` model, ``nn.CrossEntropyLoss``, ``optim.SGD`` and ``zero_grad``/``backward``/``step``. Each repeat times a block of steps of each
library back to back; the medians of >= 20 repeats after a warm-up are compared. Minor page faults
per step (``ru_minflt``) are printed too: they, not BLAS, decide (b)-(d) (benchmarks/RESULTS.md).
Columns: medians per step, ``ratio`` = median ember / median torch (the target), ``best`` = ratio of the
fastest repeats, ``(range)`` = spread of the per-repeat ratios. Exit status 1 if a target is missed.
"""
import argparse
import datetime
import os
import platform
import resource
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
import torch  # noqa: E402

TARGETS = {"a": 1.0, "b": 0.95, "c": 2.0, "d": 1.05}


def _params(shapes, seed):
    rng = np.random.default_rng(seed)
    out = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        bound = 1 / np.sqrt(fan_in)
        out.append(rng.uniform(-bound, bound, shape).astype(np.float32))
    return out


def _both(arrays, requires_grad=True):
    e = [ember.tensor(a, requires_grad=requires_grad) for a in arrays]
    t = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return e, t


# ---- workloads: each returns (ember_step, torch_step) -------------------------------------------------------

def tiny():
    (ea, eb), (ta, tb) = _both(_params([(100,), (100,)], 0))

    def step(a, b):
        a.grad = None
        b.grad = None
        (a * b + a).sum().backward()
    return (lambda: step(ea, eb)), (lambda: step(ta, tb))


def _twin_models(build, seed):
    """The same architecture built by ``build(lib)`` in both libraries, with identical initial weights."""
    tm = build(torch)
    torch_params = list(tm.parameters())
    for p, a in zip(torch_params, _params([tuple(p.shape) for p in torch_params], seed)):
        with torch.no_grad():
            p.copy_(torch.from_numpy(a))
    em = build(ember)
    em.load_state_dict({k: ember.tensor(v.numpy().copy()) for k, v in tm.state_dict().items()})
    return em, tm


def _trainer(lib, model, x, y):
    """One training step written the same way for both libraries (nn modules, optimiser, loss module)."""
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = lib.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


def _workload(build, seed, xshape, data_seed):
    em, tm = _twin_models(build, seed)
    rng = np.random.default_rng(data_seed)
    x = rng.standard_normal(xshape).astype(np.float32)
    y = rng.integers(0, 10, xshape[0])
    return (_trainer(ember, em, ember.tensor(x), ember.tensor(y)),
            _trainer(torch, tm, torch.tensor(x), torch.tensor(y)))


def _mlp_model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def _cnn_model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10))


def mlp():
    return _workload(_mlp_model, 1, (128, 784), 2)


def cnn():
    return _workload(_cnn_model, 3, (64, 1, 28, 28), 4)


def matmul():
    (ea, eb), (ta, tb) = _both([np.random.default_rng(5).standard_normal((512, 512)).astype(np.float32)
                                for _ in range(2)])

    def step(a, b):
        a.grad = None
        b.grad = None
        (a @ b).sum().backward()
    return (lambda: step(ea, eb)), (lambda: step(ta, tb))


WORKLOADS = {"a": ("(a*b + a).sum() fwd+bwd, 100 floats", tiny, "us", 1e6),
             "b": ("MLP 784-256-256-10 b128 SGD step", mlp, "ms", 1e3),
             "c": ("CNN conv3x3/relu/pool/linear b64 step", cnn, "ms", 1e3),
             "d": ("(A@B).sum() fwd+bwd, 512x512", matmul, "ms", 1e3)}


# ---- timing ------------------------------------------------------------------------------------------------

def _block(fn, n):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    dt = time.perf_counter() - t0
    return dt / n, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / n


def _inner(fn, budget=0.01):
    """Steps per timed block so that one block takes about ``budget`` seconds."""
    t, _ = _block(fn, 3)
    return max(1, int(budget / max(t, 1e-9)))


def compare(e_step, t_step, repeats):
    for _ in range(5):          # warm-up: caches, allocator, BLAS threads
        e_step()
        t_step()
    n = min(_inner(e_step), _inner(t_step))
    e_times, t_times, e_faults, t_faults, ratios = [], [], [], [], []
    for _ in range(repeats):
        et, ef = _block(e_step, n)
        tt, tf = _block(t_step, n)
        e_times.append(et)
        t_times.append(tt)
        e_faults.append(ef)
        t_faults.append(tf)
        ratios.append(et / tt)
    return dict(ember=statistics.median(e_times), torch=statistics.median(t_times),
                ratio=statistics.median(e_times) / statistics.median(t_times),
                ratio_best=min(e_times) / min(t_times), ratio_lo=min(ratios), ratio_hi=max(ratios),
                e_faults=statistics.median(e_faults), t_faults=statistics.median(t_faults), steps=n)


def _threads(requested):
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        threadpool_info = threadpool_limits = None
    if requested:
        if threadpool_limits is not None:
            threadpool_limits(requested, user_api="blas")
        torch.set_num_threads(requested)
        return requested, "--threads"
    if threadpool_info is not None:
        blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        if blas:
            torch.set_num_threads(blas[0])
            return blas[0], "NumPy's BLAS (threadpoolctl)"
    n = int(os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    torch.set_num_threads(n)
    return n, "environment / cpu count"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=0, help="threads for both (default: NumPy's BLAS count)")
    ap.add_argument("--repeats", type=int, default=25, help="timed repeats per workload (>= 20)")
    ap.add_argument("--only", default="abcd", help="workloads to run, e.g. 'ad'")
    args = ap.parse_args(argv)
    threads, source = _threads(args.threads)
    load = os.getloadavg()
    print(f"# ember {ember.__version__} vs torch {torch.__version__}, numpy {np.__version__}; {threads} thread(s) "
          f"({source}); malloc tuning {'on' if ember._malloc.MALLOC_TUNED else 'off'}")
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    print(f"{'':2}{'workload':42}{'ember':>10}{'torch':>10}{'ratio':>7}{'best':>6}{'(range)':>14}{'target':>8}"
          f"{'faults e/t':>14}")
    ok = True
    for key in args.only:
        title, make, unit, scale = WORKLOADS[key]
        r = compare(*make(), max(args.repeats, 20))
        passed = r["ratio"] <= TARGETS[key]
        ok &= passed
        print(f"{key:2}{title:42}{r['ember'] * scale:8.2f}{unit}{r['torch'] * scale:8.2f}{unit}{r['ratio']:7.2f}"
              f"{r['ratio_best']:6.2f}  ({r['ratio_lo']:.2f}-{r['ratio_hi']:.2f}){'<=' + str(TARGETS[key]):>8} "
              f"{r['e_faults']:6.0f}/{r['t_faults']:<6.0f}{'' if passed else '  MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
