"""Round trip of `1+1` on a warm kernel: raw jupyter_client vs. through a Campfire worker.

    python benchmarks/roundtrip_raw.py [--runs 200]

raw:    BlockingKernelClient.execute on a kernel started by the workers' own launcher, until the
        kernel is idle and the reply is in.
worker: submit_execute (seq INCR + send_task) -> Celery worker -> session thread -> kernel ->
        `finished` event read back from the session's Redis stream (XREAD BLOCK).
new session: the first output of a session's first run, a warm kernel waiting in the pool.
Both are measured in the same process, interleaved run by run (the machine is shared: compare the
ratio, not the absolute numbers). Starts its own worker in a private Redis namespace.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import redis as redis_lib  # noqa: E402
from celery import Celery  # noqa: E402

from workers.config import WorkerConfig  # noqa: E402
from workers.kernel import Kernel  # noqa: E402
from workers.launcher import KernelLauncher  # noqa: E402
from workers.protocol import (Namespace, decode_event, submit_execute,  # noqa: E402
                              submit_session_command)

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def raw_roundtrip(kernel: Kernel) -> float:
    began = time.perf_counter()
    msg_id = kernel.client.execute("1+1", store_history=True, allow_stdin=False)
    while True:
        msg = kernel.client.get_iopub_msg(timeout=10)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    while kernel.client.get_shell_msg(timeout=10)["parent_header"].get("msg_id") != msg_id:
        pass
    return time.perf_counter() - began


def raw_complete(kernel: Kernel, code: str) -> float:
    """A complete_request at the end of `code`, until its reply."""
    began = time.perf_counter()
    msg_id = kernel.client.complete(code, len(code))
    while kernel.client.get_shell_msg(timeout=10)["parent_header"].get("msg_id") != msg_id:
        pass
    return time.perf_counter() - began


class WorkerPath:
    def __init__(self, tmp: str) -> None:
        self.prefix = f"bench{uuid.uuid4().hex[:8]}"
        self.ns = Namespace(self.prefix, f"{self.prefix}.")
        self.redis = redis_lib.Redis.from_url(REDIS_URL, decode_responses=True)
        env = {**os.environ, "PYTHONPATH": str(REPO), "CAMPFIRE_BROKER_URL": REDIS_URL,
               "CAMPFIRE_REDIS_PREFIX": self.prefix, "CAMPFIRE_QUEUE_PREFIX": f"{self.prefix}.",
               "CAMPFIRE_BROKER_KEYPREFIX": f"{self.prefix}:", "CAMPFIRE_RUNTIME_DIR": tmp,
               "CAMPFIRE_WARM_KERNELS": "2", "CAMPFIRE_IDLE_CULL": "0"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-n",
             f"{self.prefix}@bench", "--without-mingle", "--without-gossip",
             "--without-heartbeat", "-l", "warning"], cwd=REPO, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.app = Celery("bench", broker=REDIS_URL)
        self.app.conf.update(task_serializer="json", accept_content=["json"],
                             broker_transport_options={"global_keyprefix": f"{self.prefix}:"})
        self.session = f"s-{uuid.uuid4().hex[:8]}"
        self.last = "0-0"
        deadline = time.monotonic() + 60
        while not self.redis.exists(self.ns.worker_alive(f"{self.prefix}@bench")):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("the worker did not start")
            time.sleep(0.1)

    def roundtrip(self, session: str | None = None, until: str = "finished") -> float:
        """Seconds from submitting `1+1` to its `until` event on the stream."""
        session = session or self.session
        began = time.perf_counter()
        execution = uuid.uuid4().hex
        submit_execute(self.redis, self.app.send_task, execution=execution,
                       session=session, cell="bench", code="1+1", ns=self.ns)
        key, last = self.ns.session_events(session), self.last if session == self.session \
            else "0-0"
        while True:
            for _key, entries in self.redis.xread({key: last}, block=10_000) or []:
                for eid, entry in entries:
                    last = eid
                    event = decode_event(eid, entry)
                    if event["type"] == until and event["execution"] == execution:
                        if session == self.session:
                            self.last = last
                        return time.perf_counter() - began

    def first_output_of_new_session(self) -> float:
        """A new session's first output (its execute_result) with a warm kernel waiting."""
        worker = f"{self.prefix}@bench"
        while json.loads(self.redis.hget(self.ns.worker_info(worker), "info"))[
                "kernels"]["warm"] < 1:
            time.sleep(0.05)
        session = f"s-{uuid.uuid4().hex[:8]}"
        seconds = self.roundtrip(session, until="execute_result")
        submit_session_command(self.redis, self.app.send_task, "workers.shutdown", session,
                               ns=self.ns)
        return seconds

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)
        keys = [k for p in (f"{self.prefix}:*", f"{self.prefix}.*")
                for k in self.redis.scan_iter(match=p, count=1000)]
        for start in range(0, len(keys), 500):
            self.redis.delete(*keys[start:start + 500])


def summary(name: str, samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(f"{name}: p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   ({len(samples)} runs)")
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--new-sessions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cfbench") as tmp:
        config = WorkerConfig.from_env({"CAMPFIRE_RUNTIME_DIR": tmp})
        kernel = Kernel(KernelLauncher(config, Path(tmp) / "raw")).start(60)
        worker = WorkerPath(tmp)
        try:
            for _ in range(10):  # warm both paths (first cell of the session takes the kernel)
                raw_roundtrip(kernel)
                worker.roundtrip()
            raw, through = [], []
            for _ in range(args.runs):
                raw.append(raw_roundtrip(kernel))
                through.append(worker.roundtrip())
            fresh = [worker.first_output_of_new_session() for _ in range(args.new_sessions)]
        finally:
            worker.close()
            kernel.shutdown(now=True)
    raw_p50, _ = summary("raw     ", raw)
    worker_p50, _ = summary("worker  ", through)
    print(f"   ratio: worker p50 / raw p50 = {worker_p50 / raw_p50:.2f}")
    summary("new session first output", fresh)


if __name__ == "__main__":
    try:
        main()
    except queue.Empty:
        raise SystemExit("a kernel did not answer")
