"""Where a GPU step's time goes, ember beside PyTorch (a diagnostic, not a benchmark; needs a GPU).

    python benchmarks/ember_gpu_profile.py [--only mlp8192,adam,cnn] [--steps 20]

For each workload of benchmarks/ember_gpu.py, and each library:
  host      milliseconds per step with one synchronisation at the end (the Python and launch cost when the
            GPU keeps up), beside the synchronised step time the benchmark compares;
  kernels   the GPU kernels of a few steps, from PyTorch's CUDA profiler (CUPTI sees every kernel the
            process launches, CuPy's included), by total GPU time;
  ops       (ember only) ember's own profiler, which synchronises around each op, by self time.
Then (--calls) the host cost of single calls, CuPy beside PyTorch (a step of these workloads is mostly
such calls: when the host is the limit, this is what a step costs).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
import torch  # noqa: E402
from benchmarks import ember_gpu  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402


def _steps(key):
    """(ember step, torch step) with a device synchronisation after each, as the benchmark builds them."""
    if key in ember_gpu.MLP_BATCHES:
        return ember_gpu.mlp(ember_gpu.MLP_BATCHES[key])()
    if key == "adam":
        return ember_gpu.adam(torch_fused=True)[:2]
    if key == "cnn":
        return ember_gpu.cnn()
    raise SystemExit(f"unknown workload {key!r}")


def _per_step(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e3


def _host_ms(step, sync, n):
    """Per step, synchronising only once at the end: what the host needs when the GPU is not the limit."""
    unsynced = getattr(step, "unsynced", None)
    if unsynced is None:
        return float("nan")
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        unsynced()
    sync()
    return (time.perf_counter() - t0) / n * 1e3


def _kernels(fn, n, rows):
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(n):
            fn()
    return prof.key_averages().table(sort_by="cuda_time_total", row_limit=rows, max_name_column_width=70)


def _per_call_us(fn, sync, n=2000, each=False):
    """Microseconds per call over ``n`` calls: the host's rate (``each`` False: the GPU may lag behind until
    the end, so a call whose kernel outlasts its launch shows the GPU's rate instead) or with a
    synchronisation after every call (``each``: launch plus kernel plus the wait)."""
    for _ in range(50):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
        if each:
            sync()
    sync()
    return (time.perf_counter() - t0) / n * 1e6


def call_costs():
    """Microseconds of host time per call (no synchronisation inside the timed loop)."""
    import cupy
    import numpy as np
    from ember.cuda._fused_nn import KERNELS
    from ember.cuda._compile import grid_for
    c_sync, t_sync = cupy.cuda.runtime.deviceSynchronize, torch.cuda.synchronize
    ca, cb = cupy.ones((128, 256), np.float32), cupy.ones((256, 256), np.float32)
    big = cupy.ones((8192, 256), np.float32)
    ta, tb = torch.ones(128, 256, device="cuda"), torch.ones(256, 256, device="cuda")
    tbig = torch.ones(8192, 256, device="cuda")
    out, ones, ones128 = cupy.empty_like(ca), cupy.ones(8192, np.float32), cupy.ones(128, np.float32)
    relu_bwd = KERNELS["relu_backward<float>"]
    rows = [
        ("matmul 128x256 @ 256x256", lambda: cupy.matmul(ca, cb), lambda: torch.mm(ta, tb)),
        ("add 128x256", lambda: ca + ca, lambda: ta + ta),
        ("raw kernel launch (ember relu_backward)",
         lambda: relu_bwd(grid_for(ca.size), 256, (ca, ca, out, np.int64(ca.size))), None),
        ("sum(axis=0) 8192x256", lambda: big.sum(axis=0), lambda: tbig.sum(0)),
        ("ones(8192) @ 8192x256", lambda: cupy.ones(8192, np.float32) @ big, None),
        ("cached ones @ 8192x256", lambda: ones @ big, None),
        ("sum(axis=0) 128x256", lambda: ca.sum(axis=0), lambda: ta.sum(0)),
        ("cached ones @ 128x256 (ember's bias gradient)", lambda: ones128 @ ca, None),
        ("cupy.dot 128x256 . 256x256", lambda: cupy.dot(ca, cb), None),
        ("cupy.cublas.gemm 128x256 . 256x256", lambda: cupy.cublas.gemm("N", "N", ca, cb), None),
        ("read one value to the host", lambda: float(ca[0, 0]), lambda: float(ta[0, 0])),
    ]
    import cupy.cublas
    print("\n######## host cost per call (us)")
    print(f"{'call':42}{'CuPy':>8}{'torch':>8}{'CuPy, synced each':>19}{'torch, synced each':>20}")
    for name, c, t in rows:
        try:
            costs = [_per_call_us(c, c_sync), _per_call_us(t, t_sync) if t else float("nan"),
                     _per_call_us(c, c_sync, 500, each=True),
                     _per_call_us(t, t_sync, 500, each=True) if t else float("nan")]
        except Exception as e:            # a call this CuPy lacks must not hide the other rows
            print(f"{name:42}  {type(e).__name__}: {e}", flush=True)
            continue
        print(f"{name:42}{costs[0]:8.1f}{costs[1]:8.1f}{costs[2]:19.1f}{costs[3]:20.1f}", flush=True)
    print("cupy.cublas.gemm against cupy.matmul, max difference:",
          float(abs(cupy.cublas.gemm("N", "N", ca, cb) - cupy.matmul(ca, cb)).max()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default="mlp8192,adam,cnn")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--rows", type=int, default=14)
    ap.add_argument("--calls", action="store_true", help="also the host cost of single CuPy and PyTorch calls")
    args = ap.parse_args(argv)
    if not (torch.cuda.is_available() and ember.cuda.is_available()):
        print("no GPU for both libraries")
        return 2
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    for key in [k for k in args.only.split(",") if k]:
        e_step, t_step = _steps(key)
        for _ in range(5):
            e_step()
            t_step()
        print(f"\n######## {key}: synchronised step ember {_per_step(e_step, args.steps):.3f} ms, torch "
              f"{_per_step(t_step, args.steps):.3f} ms; host only (one sync at the end) ember "
              f"{_host_ms(e_step, ember.cuda.synchronize, args.steps):.3f} ms, torch "
              f"{_host_ms(t_step, torch.cuda.synchronize, args.steps):.3f} ms", flush=True)
        for name, fn in (("ember", e_step), ("torch", t_step)):
            print(f"--- {key} {name}: GPU kernels over 5 steps", flush=True)
            print(_kernels(fn, 5, args.rows), flush=True)
        with ember.profiler.profile() as prof:
            for _ in range(5):
                e_step()
        print(f"--- {key} ember ops over 5 steps (synchronised around each op)")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows), flush=True)
    if args.calls:
        call_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
