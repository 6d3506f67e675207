"""Real Redis, real Celery workers (subprocesses), real kernels.

Each `Stack` is an isolated namespace on the shared Redis: its own key prefix, queue prefix and
kombu key prefix (so even the broker's unacked index is private), and it deletes its keys at the
end. The `stack` fixture (two workers on the same pool queue, so routing races and forwarding
happen) is shared by every test that does not need to kill a worker.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import kombu
import pytest
import redis as redis_lib
from celery import Celery

from workers.protocol import (TASK_SHUTDOWN, Namespace, decode_event, submit_execute,
                              submit_session_command)

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CAMPFIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

BASE_ENV = {
    "CAMPFIRE_WARM_KERNELS": "1",
    "CAMPFIRE_MAX_KERNELS": "6",
    "CAMPFIRE_WORKER_CONCURRENCY": "4",
    "CAMPFIRE_INTERRUPT_GRACE": "2",
    "CAMPFIRE_HEARTBEAT_INTERVAL": "0.5",
    "CAMPFIRE_HEARTBEAT_TTL": "2",
    "CAMPFIRE_SWEEP_INTERVAL": "0.5",
    "CAMPFIRE_IDLE_CULL": "0",
    "CAMPFIRE_KERNEL_WAIT": "5",
    "CAMPFIRE_VISIBILITY_TIMEOUT": "8",
    "CAMPFIRE_RESTORE_INTERVAL": "1",
    "CAMPFIRE_SHUTDOWN_GRACE": "2",
}


class WorkerProc:
    def __init__(self, stack: "Stack", name: str, env: dict, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        cmd = [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-n", name,
               "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.stack = stack

    def wait_ready(self, warm: int, timeout: float = 60.0) -> "WorkerProc":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.tail()}")
            info = self.stack.redis.hget(self.stack.ns.worker_info(self.name), "info")
            info = json.loads(info) if info else {}
            if info.get("pid") == self.proc.pid and info["kernels"]["warm"] >= warm:
                return self
            time.sleep(0.1)
        raise AssertionError(f"worker {self.name} not ready in {timeout} s:\n{self.tail()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class Stack:
    def __init__(self, redis, tmp: Path, **env) -> None:
        self.redis = redis
        self.tmp = tmp
        self.prefix = f"cft{uuid.uuid4().hex[:10]}"
        self.ns = Namespace(self.prefix, f"{self.prefix}.")
        self.env = {**os.environ, **BASE_ENV, **env,
                    "PYTHONPATH": str(REPO), "CAMPFIRE_BROKER_URL": REDIS_URL,
                    "CAMPFIRE_REDIS_URL": REDIS_URL, "CAMPFIRE_REDIS_PREFIX": self.prefix,
                    "CAMPFIRE_QUEUE_PREFIX": f"{self.prefix}.",
                    "CAMPFIRE_BROKER_KEYPREFIX": f"{self.prefix}:",
                    "CAMPFIRE_RUNTIME_DIR": str(tmp / "run")}
        # The platform side: sends tasks by name, reads streams, consumes the platform queue.
        self.app = Celery("platform-side", broker=REDIS_URL)
        self.app.conf.update(task_serializer="json", accept_content=["json"],
                             broker_transport_options={"global_keyprefix": f"{self.prefix}:"})
        self.workers: list[WorkerProc] = []
        self._records: dict[str, list[dict]] = {}

    # ------------------------------------------------------------------------------- workers
    def start_worker(self, suffix: str, warm: int | None = None, **env) -> WorkerProc:
        name = f"{self.prefix}-{suffix}@test"
        merged = {**self.env, **{k: str(v) for k, v in env.items()}}
        worker = WorkerProc(self, name, merged, self.tmp / f"{suffix}-{len(self.workers)}.log")
        self.workers.append(worker)
        return worker.wait_ready(int(merged["CAMPFIRE_WARM_KERNELS"]) if warm is None else warm)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        for pattern in (f"{self.prefix}:*", f"{self.prefix}.*"):
            keys = list(self.redis.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 500):
                self.redis.delete(*keys[start:start + 500])

    # ---------------------------------------------------------------------------------- runs
    def run(self, session: str, code: str, cell: str | None = None, **kw) -> str:
        execution = uuid.uuid4().hex
        submit_execute(self.redis, self.app.send_task, execution=execution, session=session,
                       cell=cell or f"c-{execution[:8]}", code=code, ns=self.ns, **kw)
        return execution

    def command(self, task: str, session: str, cancel_queued: bool = False) -> None:
        submit_session_command(self.redis, self.app.send_task, task, session,
                               cancel_queued=cancel_queued, ns=self.ns)

    def events(self, session: str, after: str = "-") -> list[dict]:
        entries = self.redis.xrange(self.ns.session_events(session), min=after)
        return [decode_event(eid, entry) for eid, entry in entries]

    def wait_events(self, session: str, until, timeout: float = 30.0) -> list[dict]:
        """Poll the stream until `until(events)` is true; returns the events."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events(session)
            if until(events):
                return events
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; events so far:\n" + "\n".join(
                    f"{e['type']} {e['cell']} {json.dumps(e['data'])[:150]}" for e in events)
                    + "".join(f"\n--- {w.name}\n{w.tail(30)}" for w in self.workers))
            time.sleep(0.05)

    def finished(self, session: str, execution: str, timeout: float = 30.0) -> dict:
        events = self.wait_events(session, lambda evs: any(
            e["type"] == "finished" and e["execution"] == execution for e in evs), timeout)
        return next(e for e in events if e["type"] == "finished" and e["execution"] == execution)

    def printed(self, session: str, code: str) -> str:
        """Run `code` and return what it printed to stdout."""
        execution = self.run(session, code)
        self.finished(session, execution)
        return "".join(e["data"]["text"] for e in self.of(session, execution, "stream")
                       if e["data"]["name"] == "stdout")

    def of(self, session: str, execution: str, kind: str | None = None) -> list[dict]:
        return [e for e in self.events(session)
                if e["execution"] == execution and (kind is None or e["type"] == kind)]

    # ------------------------------------------------------------------------------- records
    def records(self, execution: str, timeout: float = 20.0, count: int = 1) -> list[dict]:
        """Record tasks sent to the platform queue for `execution` (task name, payload)."""
        queue = self.ns.platform_queue
        deadline = time.monotonic() + timeout
        with self.app.connection_for_read() as conn:
            bound = kombu.Queue(queue, kombu.Exchange(queue, "direct"), routing_key=queue)(
                conn.default_channel)
            while len(self._records.get(execution, [])) < count:
                message = bound.get(no_ack=True, accept=["json"])
                if message is None:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                    continue
                payload = message.decode()[0][0]
                self._records.setdefault(payload["execution"], []).append(
                    {"task": message.headers["task"], **payload})
        return self._records.get(execution, [])


@pytest.fixture(scope="session")
def redis_client():
    client = redis_lib.Redis.from_url(REDIS_URL, decode_responses=True)
    client.ping()
    return client


@pytest.fixture(scope="session")
def stack(redis_client, tmp_path_factory):
    """Two workers consuming the same pool queue."""
    shared = Stack(redis_client, tmp_path_factory.mktemp("stack"))
    try:
        shared.start_worker("a")
        shared.start_worker("b")
        yield shared
    finally:
        shared.close()


@pytest.fixture
def new_stack(redis_client, tmp_path):
    """A private namespace for tests that kill or reconfigure workers."""
    stacks = []

    def make(**env) -> Stack:
        stacks.append(Stack(redis_client, tmp_path, **env))
        return stacks[-1]

    yield make
    for made in stacks:
        made.close()


@pytest.fixture
def session(stack):
    """A fresh notebook session id; its kernel is shut down afterwards (frees the slot)."""
    session_id = f"s-{uuid.uuid4().hex[:12]}"
    yield session_id
    if stack.redis.get(stack.ns.session_owner(session_id)):
        stack.command(TASK_SHUTDOWN, session_id)
        try:
            stack.wait_events(session_id, lambda evs: any(
                e["type"] == "kernel" and e["data"]["state"] == "shutdown" for e in evs), 15)
        except AssertionError:
            pass
