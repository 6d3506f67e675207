"""A quick GPU smoke check for ember that needs only ember, NumPy and CuPy (no pytest): the first step of
scripts/gpu_check.sh, and the whole test step where pytest is missing.

Each check compares the GPU with the CPU, or ember's fused kernels with its unfused array code, and prints
one line: ``ok`` or ``FAIL`` with the largest relative error. Exit status 1 if any check fails.
"""
import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import ember  # noqa: E402
from ember.nn import functional as F  # noqa: E402

_failed = []


def _host(t):
    return t.detach().cpu().numpy()


def check(name, got, want, rtol=1e-5):
    """Relative error ``||got - want|| / ||want||`` (float32 arithmetic lands far under 1e-3)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    ok = got.shape == want.shape and not np.isnan(got).any()
    err = float(np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-30)) if ok and got.size else 0.0
    ok = ok and err <= rtol
    print(f"  {'ok  ' if ok else 'FAIL'} {name:52} rel err {err:.1e} (tolerance {rtol:g})", flush=True)
    if not ok:
        _failed.append(name)


def run(name, fn):
    t0 = time.perf_counter()
    try:
        fn()
    except Exception:
        print(f"  FAIL {name}: exception\n" + traceback.format_exc(), flush=True)
        _failed.append(name)
    print(f"       ({name}: {time.perf_counter() - t0:.2f} s)", flush=True)


def _fused_and_not(fn):
    out = []
    for flag in (True, False):
        prev = ember.cuda.set_fused(flag)
        try:
            ember.manual_seed(0)
            out.append(fn())
        finally:
            ember.cuda.set_fused(prev)
    return out


def ops_vs_cpu():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((64, 33)).astype(np.float32), rng.standard_normal((33, 17)).astype(np.float32)
    for name, fn in [("matmul", lambda m, x, y: m(x) @ m(y)), ("softmax", lambda m, x, y: ember.softmax(m(x), 1)),
                     ("sum/mean/max", lambda m, x, y: m(x).sum(0) + m(x).mean(0) + m(x).amax(0)),
                     ("index/gather", lambda m, x, y: m(x)[ember.tensor([3, 1, 3], device=m(x).device)])]:
        cpu = fn(lambda v: ember.tensor(v), a, b)
        gpu = fn(lambda v: ember.tensor(v, device="cuda"), a, b)
        assert gpu.is_cuda
        check(f"{name}: GPU vs CPU", _host(gpu), _host(cpu))


def training_vs_cpu():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((32, 20)).astype(np.float32), rng.integers(0, 5, 32)
    losses = {}
    for dev in ("cpu", "cuda"):
        ember.manual_seed(3)
        model = ember.nn.Sequential(ember.nn.Linear(20, 32), ember.nn.GELU(), ember.nn.Linear(32, 5)).to(dev)
        opt = ember.optim.Adam(model.parameters(), lr=1e-2)
        xs, ys = ember.tensor(x, device=dev), ember.tensor(y, device=dev)
        losses[dev] = []
        for _ in range(5):
            opt.zero_grad()
            loss = F.cross_entropy(model(xs), ys)
            loss.backward()
            opt.step()
            losses[dev].append(loss.item())
    check("MLP + Adam, 5 steps: GPU vs CPU losses", losses["cuda"], losses["cpu"])


def fused_kernels():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((256, 40)).astype(np.float32)
    t = rng.integers(0, 40, 256)
    for name, fn in [("gelu", lambda v: F.gelu(v)), ("gelu tanh", lambda v: F.gelu(v, approximate="tanh")),
                     ("silu", lambda v: F.silu(v)),
                     ("cross_entropy", lambda v: F.cross_entropy(v, ember.tensor(t, device="cuda"),
                                                                 label_smoothing=0.1)),
                     ("dropout", lambda v: F.dropout(v, 0.25))]:
        def step():
            v = ember.tensor(x, device="cuda", requires_grad=True)
            out = fn(v)
            (out * out).sum().backward()
            return _host(out), _host(v.grad)
        (fo, fg), (uo, ug) = _fused_and_not(step)
        check(f"fused {name} vs unfused: forward", fo, uo)
        check(f"fused {name} vs unfused: gradient", fg, ug)
    for opt_name, make in [("SGD momentum", lambda p: ember.optim.SGD(p, lr=0.1, momentum=0.9)),
                           ("Adam", lambda p: ember.optim.Adam(p, lr=1e-2)),
                           ("AdamW", lambda p: ember.optim.AdamW(p, lr=1e-2))]:
        def steps():
            ember.manual_seed(4)
            model = ember.nn.Linear(40, 8).cuda()
            opt = make(model.parameters())
            for _ in range(3):
                opt.zero_grad()
                model(ember.tensor(x, device="cuda")).pow(2).mean().backward()
                opt.step()
            return _host(model.weight)
        fused, plain = _fused_and_not(steps)
        check(f"fused {opt_name} step vs unfused", fused, plain)


def conv_paths():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    results = {}
    algorithms = ["im2col"] + (["cudnn"] if ember.cuda.cudnn_available() else [])
    for alg in algorithms:
        prev = ember.cuda.set_conv_algorithm(alg)
        try:
            xt = ember.tensor(x, device="cuda", requires_grad=True)
            out = F.conv2d(xt, ember.tensor(w, device="cuda"), padding=1, stride=2)
            out.sum().backward()
            results[alg] = (_host(out), _host(xt.grad))
        finally:
            ember.cuda.set_conv_algorithm(prev)
    cpu_x = ember.tensor(x, requires_grad=True)
    out = F.conv2d(cpu_x, ember.tensor(w), padding=1, stride=2)
    out.sum().backward()
    for alg, (o, g) in results.items():
        check(f"conv2d ({alg}) vs CPU: forward", o, _host(out))
        check(f"conv2d ({alg}) vs CPU: input gradient", g, _host(cpu_x.grad))
    if "cudnn" not in results:
        print("       (cuDNN: not available to this CuPy; im2col only)")


def main():
    if not ember.cuda.is_available():
        try:
            ember.zeros(1, device="cuda")
        except RuntimeError as e:
            print(f"no GPU for ember: {e}")
        return 2
    print(f"ember smoke check on {ember.cuda.get_device_name()} ({ember.cuda.device_count()} GPU(s)), fused kernels "
          f"{'on' if ember.cuda.fused_enabled() else 'off'}", flush=True)
    for name, fn in [("ops vs CPU", ops_vs_cpu), ("training vs CPU", training_vs_cpu),
                     ("fused kernels", fused_kernels), ("convolutions", conv_paths)]:
        run(name, fn)
    print(f"smoke: {'all ok' if not _failed else 'FAILED: ' + ', '.join(_failed)}")
    return 1 if _failed else 0


if __name__ == "__main__":
    sys.exit(main())
