"""The hostile suite: attacks run as cells through a real sandboxed worker, the production path.

One worker (`hostile`) serves every attack, each in a fresh session, with small limits so that
limits are reached in seconds. A `bystander` session of another user lives through the whole
suite; after each attack it must still answer with its state intact. Every attack adds a row
(attack, outcome, seconds until contained, seconds until the worker served the next run) to a
table printed at the end of the run (and written to $CAMPFIRE_SANDBOX_REPORT when set).
"""
from __future__ import annotations

import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.workers.conftest import Stack

LIMITS = {
    "CAMPFIRE_SANDBOX": "on",
    "CAMPFIRE_SANDBOX_MEMORY": "512",
    "CAMPFIRE_SANDBOX_DISK": "64",
    "CAMPFIRE_SANDBOX_CPU_TIME": "4",
    "CAMPFIRE_SANDBOX_PROCESSES": "96",
    "CAMPFIRE_SANDBOX_OPEN_FILES": "256",
    "CAMPFIRE_CELL_TIMEOUT": "4",
    "CAMPFIRE_INTERRUPT_GRACE": "2",
    "CAMPFIRE_WARM_KERNELS": "2",
    "CAMPFIRE_MAX_KERNELS": "6",
}
# Planted in the worker's environment and files: no cell may ever print them.
SECRETS = {"SECRET_KEY": f"sk-{uuid.uuid4().hex}",
           "DATABASE_URL": f"postgres://campfire:pw-{uuid.uuid4().hex[:8]}@127.0.0.1/campfire",
           "AWS_SECRET_ACCESS_KEY": f"aws-{uuid.uuid4().hex}"}
DB_SECRET = f"db-row-{uuid.uuid4().hex}"
CONTAINED_WITHIN = 10.0

_rows: list[dict] = []


@dataclass
class Outcome:
    session: str
    execution: str
    finished: dict          # the `finished` event's data
    text: str               # everything the cell printed (stdout, stderr, error)
    contained: float        # seconds from the run request to its end
    next_run: float = 0.0   # seconds from its end until the attacker's session answered again

    @property
    def status(self) -> str:
        return self.finished["status"]

    @property
    def message(self) -> str:
        return self.finished.get("message") or ""


class Hostile:
    def __init__(self, stack: Stack, var_dir: Path) -> None:
        self.stack = stack
        self.var_dir = var_dir
        self.worker = stack.workers[0]
        self.bystander = f"s-bystander-{uuid.uuid4().hex[:8]}"
        self.on_session = None  # called with each attack's session id before it runs

    def new_session(self) -> str:
        return f"s-{uuid.uuid4().hex[:12]}"

    def cell(self, session: str, code: str, timeout: float = 30.0) -> Outcome:
        began = time.monotonic()
        execution = self.stack.run(session, code)
        finished = self.stack.finished(session, execution, timeout)
        contained = time.monotonic() - began
        return Outcome(session, execution, finished["data"], self.text(session, execution),
                       round(contained, 2))

    def text(self, session: str, execution: str) -> str:
        parts = []
        for event in self.stack.of(session, execution):
            data = event["data"]
            if event["type"] == "stream":
                parts.append(data["text"])
            elif event["type"] == "error":
                parts.append(f"{data['ename']}: {data['evalue']}\n")
            elif event["type"] in ("execute_result", "display_data"):
                parts.append(str(data.get("data", {}).get("text/plain", "")))
        return "".join(parts)

    def attack(self, name: str, code: str, timeout: float = 30.0, after=None) -> Outcome:
        """Run `code` in a fresh session (then `after(session, outcome)`), then prove the
        worker, the attacker's session and the bystander all answer. The caller asserts the
        attack failed and records the row."""
        session = self.new_session()
        if self.on_session is not None:
            self.on_session(session)
        try:
            outcome = self.cell(session, code, timeout)
            assert outcome.contained < CONTAINED_WITHIN, (name, outcome)
            if after is not None:
                after(session, outcome)
            after = time.monotonic()
            again = self.cell(session, "print('still here')")
            assert again.status == "ok" and again.text == "still here\n", (name, again)
            outcome.next_run = round(time.monotonic() - after, 2)
            self.check_bystander()
            assert self.worker.proc.poll() is None, "the worker died"
            return outcome
        finally:
            self.stack.command("workers.shutdown", session)

    def restart(self, session: str, timeout: float = 15.0) -> None:
        """Restart the session's kernel and wait for the new one."""
        before = len(self.stack.events(session))
        self.stack.command("workers.restart", session)
        self.stack.wait_events(session, lambda evs: any(
            e["type"] == "kernel" and e["data"]["state"] == "ready" for e in evs[before:]),
            timeout)

    def check_bystander(self) -> None:
        answer = self.cell(self.bystander, "print(bystander_state)")
        assert answer.status == "ok" and answer.text == "42\n", answer

    def kernel_of(self, session: str) -> str:
        ready = [e for e in self.stack.events(session)
                 if e["type"] == "kernel" and e["data"]["state"] == "ready"]
        return ready[-1]["data"]["kernel"]

    def worker_cgroup(self, controller: str) -> Path:
        """The worker's own cgroup directory for its kernels in `controller`."""
        pid = self.worker.proc.pid
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if controller in controllers.split(","):
                return Path("/sys/fs/cgroup", controller, path.lstrip("/"), f"campfire-{pid}")
        raise AssertionError(f"no {controller} cgroup for the worker")

    def kernel_dir(self, kernel: str) -> Path:
        found = list((self.stack.tmp / "run").glob(f"*/{kernel}"))
        assert len(found) == 1, found
        return found[0]

    def record(self, name: str, outcome: Outcome, result: str) -> None:
        _rows.append({"attack": name, "outcome": result, "status": outcome.status,
                      "contained_s": outcome.contained, "next_run_s": outcome.next_run})


def assert_no_secret(text: str) -> None:
    for value in (*SECRETS.values(), DB_SECRET):
        assert value not in text, f"secret leaked: {value}"


@pytest.fixture(scope="session")
def hostile(redis_client, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    var_dir = tmp / "var"  # the platform's data dir: database and secret key, world-readable
    var_dir.mkdir(mode=0o755)
    (var_dir / "db.sqlite3").write_text(DB_SECRET)
    (var_dir / "db.sqlite3").chmod(0o644)
    stack = Stack(redis_client, tmp, **LIMITS, **SECRETS, CAMPFIRE_VAR_DIR=str(var_dir))
    try:
        stack.start_worker("hostile")
        suite = Hostile(stack, var_dir)
        set_up = suite.cell(suite.bystander, "bystander_state = 42")
        assert set_up.status == "ok", set_up
        yield suite
        suite.check_bystander()
    finally:
        stack.close()


def pytest_terminal_summary(terminalreporter):
    if not _rows:
        return
    lines = ["| attack | outcome | status | contained (s) | next run served (s) |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {r['attack']} | {r['outcome']} | {r['status']} | {r['contained_s']:.2f} | "
              f"{r['next_run_s']:.2f} |" for r in _rows]
    # A row is recorded only after every assertion of its attack held: an escape is a failure.
    terminalreporter.write_sep("=", f"sandbox attacks contained: {len(_rows)}")
    terminalreporter.write_line("\n".join(lines))
    report = os.environ.get("CAMPFIRE_SANDBOX_REPORT")
    if report:
        Path(report).write_text(json.dumps(_rows, indent=1))
