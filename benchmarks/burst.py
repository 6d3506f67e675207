"""A workshop's first minute: N learners, each with their own notebook and kernel, press Run at once.

    python benchmarks/burst.py [--learners 12] [--warm 2] [--web-processes 1] [--database-url postgres://...]

stack:  the whole platform as `make run` starts it (one CPU worker with its defaults: 2 warm kernels,
        8 task threads; CAMPFIRE_MAX_KERNELS=N so every learner gets a kernel), N users each with a
        notebook `1+1` and an open WebSocket. All POST /run at the same moment (a barrier); each
        learner's time runs from its POST to its first output (`execute_result`) on its WebSocket.
        "first" is the first cell (a kernel per learner: 2 warm, the rest started on demand),
        "next" is everyone running the cell again on the kernels they now have. Each time is split
        by the run's events (Redis stream ids are the server's clock in ms): web (POST until the
        `queued` event), to worker (until `started`), kernel (until `execute_result`), to page
        (until the WebSocket delivers it).
raw:    the same N kernels with no platform: started at once by the workers' own launcher
        (sandboxed, identical to the pool's), each timed from its start to the end of `1+1` over
        jupyter_client ("first"), then N concurrent `1+1` on them ("next").
The stack runs first, then the raw kernels (never both at once); compare the ratios.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roundtrip import Stack  # noqa: E402
from roundtrip_raw import raw_roundtrip  # noqa: E402
from workers.config import WorkerConfig  # noqa: E402
from workers.kernel import Kernel  # noqa: E402
from workers.launcher import KernelLauncher  # noqa: E402


def together(n: int, work) -> list[float]:
    """Runs work(i) in n threads released at the same moment; each one's seconds, in order."""
    barrier, seconds, errors = threading.Barrier(n), [0.0] * n, []

    def one(i: int) -> None:
        try:
            barrier.wait()
            began = time.perf_counter()
            work(i)
            seconds[i] = time.perf_counter() - began
        except BaseException as exc:  # reported after the join: one failure fails the run
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return seconds


class Learner:
    def __init__(self, stack: Stack, token: str) -> None:
        self.stack, self.token, self.http = stack, token, stack.connection()
        self.nb = stack.notebook("1+1", token=token)
        self.ws = stack.socket(self.nb["id"], token=token)
        self.phases: list[dict] = []

    def run(self) -> None:
        """POST, then read events until `finished`; keeps when each phase ended (stream ids are Redis's ms)."""
        path = f"/api/notebooks/{self.nb['id']}/cells/{self.nb['cells'][0]['id']}/run"
        posted = time.time() * 1000
        execution = self.stack.call("POST", path, {}, token=self.token, conn=self.http)["execution"]
        seen = {}
        while "finished" not in seen:               # the next burst starts on an idle kernel
            event = json.loads(self.ws.recv(timeout=60))
            if event.get("execution") == execution and event["type"] not in seen:
                seen[event["type"]] = int(event["id"].split("-")[0])
                if event["type"] == "execute_result":
                    arrived = time.time() * 1000
        self.phases.append({"web": seen["queued"] - posted, "to worker": seen["started"] - seen["queued"],
                            "kernel": seen["execute_result"] - seen["started"],
                            "to page": arrived - seen["execute_result"]})

    def close(self) -> None:
        self.stack.call("POST", f"/api/notebooks/{self.nb['id']}/shutdown", {}, token=self.token, conn=self.http)
        self.ws.close()


def stack_burst(var: Path, n: int, web_processes: int, database: str | None, warm: int) -> tuple[list[float], list[float], list[dict]]:
    # WEB_CONCURRENCY is uvicorn's own default for --workers
    settings = {"CAMPFIRE_MAX_KERNELS": str(n), "CAMPFIRE_IDLE_CULL": "0", "WEB_CONCURRENCY": str(web_processes),
                "CAMPFIRE_WARM_KERNELS": str(warm)}
    if database:
        settings["DATABASE_URL"] = database
    stack = Stack(var, **settings)
    try:
        learners = [Learner(stack, token) for token in stack.users([f"learner{i}" for i in range(n)])]
        deadline = time.monotonic() + 120
        while stack.warm_kernels() < warm and time.monotonic() < deadline:
            time.sleep(0.1)
        first = together(n, lambda i: learners[i].run())
        time.sleep(1.0)                             # the pool's refills settle
        again = together(n, lambda i: learners[i].run())
        for learner in learners:
            learner.close()
        return first, again, [learner.phases for learner in learners]
    except BaseException:
        print(stack.tail(400), file=sys.stderr)
        raise
    finally:
        stack.stop()


def raw_burst(tmp: str, n: int) -> tuple[list[float], list[float]]:
    launcher = KernelLauncher(WorkerConfig.from_env({"CAMPFIRE_RUNTIME_DIR": tmp}), Path(tmp) / "raw")
    kernels: list[Kernel | None] = [None] * n

    def start_and_run(i: int) -> None:
        kernels[i] = Kernel(launcher).start(120)
        raw_roundtrip(kernels[i])

    try:
        first = together(n, start_and_run)
        again = together(n, lambda i: raw_roundtrip(kernels[i]))
        return first, again
    finally:
        for kernel in kernels:
            if kernel is not None:
                kernel.shutdown(now=True)


def line(name: str, seconds: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in seconds)
    p50, top = statistics.median(ms), ms[-1]
    print(f"  {name:<28} p50 {p50:8.1f} ms   p90 {ms[int(0.9 * (len(ms) - 1))]:8.1f} ms   max {top:8.1f} ms")
    return p50, top


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--web-processes", type=int, default=1, help="uvicorn worker processes (WEB_CONCURRENCY)")
    parser.add_argument("--database-url", help="an empty database instead of make run's SQLite (e.g. PostgreSQL)")
    parser.add_argument("--warm", type=int, default=2, help="CAMPFIRE_WARM_KERNELS (make run's default: 2)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cfburst") as tmp:
        stack_first, stack_next, phases = stack_burst(Path(tmp) / "var", args.learners, args.web_processes,
                                                        args.database_url, args.warm)
        raw_first, raw_next = raw_burst(tmp, args.learners)
    print(f"{args.learners} learners at once, {args.warm} warm kernels, {args.web_processes} web process(es), "
          f"{'PostgreSQL' if (args.database_url or '').startswith('postgres') else 'SQLite'}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} CPUs")
    figures = {}
    for round_, (label, stack_s, raw_s) in enumerate((("first cell", stack_first, raw_first),
                                                      ("next cell", stack_next, raw_next))):
        print(f"{label}:")
        s50, smax = line("stack: POST -> first output", stack_s)
        for phase in ("web", "to worker", "kernel", "to page"):
            line(f"  of which {phase}", [p[round_][phase] / 1000 for p in phases])
        r50, rmax = line("raw: kernel + 1+1" if label == "first cell" else "raw: 1+1", raw_s)
        print(f"  ratio stack/raw: p50 {s50 / r50:.2f}, max {smax / rmax:.2f}")
        figures[label] = {"stack_ms": [round(s * 1000, 1) for s in stack_s], "raw_ms": [round(s * 1000, 1) for s in raw_s]}
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
