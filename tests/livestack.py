"""The whole Campfire stack as real processes, for end-to-end tests of live execution.

uvicorn (web: Django + Channels), the platform's Celery worker (the record tasks) and execution
workers, on a database of their own (a temp SQLite file, or a fresh PostgreSQL database when
DATABASE_URL is PostgreSQL) and the suite's Redis, in a private namespace (Redis key prefix,
queue prefix, kombu key prefix), so nothing here meets another test run's keys or queues.
Tests talk to it the way clients do: HTTP with a bearer token, WebSockets, a browser.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis as redis_lib
from websockets.sync.client import connect as ws_connect

from tests.workers.conftest import BASE_ENV
from workers.protocol import Namespace, decode_event

ROOT = Path(__file__).resolve().parents[1]

# Short limits so the tests of limits finish quickly; everything else as deployed.
STACK_ENV = {
    "CAMPFIRE_CELL_TIMEOUT": "10",
    "CAMPFIRE_WARM_KERNELS": "2",
    "CAMPFIRE_MAX_KERNELS": "8",
    "CAMPFIRE_VISIBILITY_TIMEOUT": "40",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base_url: str, alive, timeout: float = 60) -> bool:
    """Poll `/healthz` until it answers 200 (True), the server exits (`alive()` false) or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if not alive() or time.monotonic() > deadline:
            return False
        time.sleep(0.2)


class Database:
    """A database only this stack uses, removed afterwards."""

    def __init__(self, workdir: Path, prefix: str = "campfire_e2e"):
        base = os.environ.get("DATABASE_URL", "")
        self.admin_url = None
        if base.startswith(("postgres://", "postgresql://")):
            import psycopg

            parsed = urlparse(base)
            self.name = f"{prefix}_{secrets.token_hex(6)}"
            self.admin_url = parsed._replace(path="/postgres").geturl()
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = parsed._replace(path=f"/{self.name}").geturl()
        else:
            self.url = f"sqlite:///{workdir / f'{prefix}.sqlite3'}"

    def drop(self):
        if self.admin_url:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Proc:
    def __init__(self, name: str, cmd: list[str], env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 closed in stop()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name}\n" + "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class LiveStack:
    def __init__(self, workdir: Path | None = None, **env):
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="campfire-live-"))
        self.prefix = f"cfl{uuid.uuid4().hex[:10]}"
        self.ns = Namespace(self.prefix, f"{self.prefix}.")
        self.redis_url = os.environ["REDIS_URL"]
        self.redis = redis_lib.Redis.from_url(self.redis_url, decode_responses=True)
        self.database = Database(self.workdir)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ, **BASE_ENV, **STACK_ENV, **{k: str(v) for k, v in env.items()},
            "DATABASE_URL": self.database.url,
            "CAMPFIRE_VAR_DIR": str(self.workdir / "var"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
            "REDIS_URL": self.redis_url,
            "CAMPFIRE_BROKER_URL": self.redis_url,
            "CAMPFIRE_REDIS_URL": self.redis_url,
            "CAMPFIRE_REDIS_PREFIX": self.prefix,
            "CAMPFIRE_QUEUE_PREFIX": f"{self.prefix}.",
            "CAMPFIRE_BROKER_KEYPREFIX": f"{self.prefix}:",
            "CAMPFIRE_RUNTIME_DIR": str(self.workdir / "run"),
            "CAMPFIRE_EXECUTION_ENABLED": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.procs: dict[str, Proc] = {}
        self.workers: list[str] = []
        self._users: list[tuple[str, str]] = []
        self._worker_count = 0

    # ------------------------------------------------------------------------------ processes
    def _spawn(self, name: str, cmd: list[str], drop: tuple[str, ...] = (), extra: dict | None = None) -> Proc:
        env = {**{key: value for key, value in self.env.items() if key not in drop}, **(extra or {})}
        proc = Proc(name, cmd, env, self.workdir / f"{name}.log")
        self.procs[name] = proc
        return proc

    def start(self, workers: int = 1) -> "LiveStack":
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=self.env, check=True, capture_output=True)
        self._spawn("web", [sys.executable, "-m", "uvicorn", "campfire.asgi:application", "--app-dir", "platform",
                            "--host", "127.0.0.1", "--port", str(self.port), "--ws", "websockets-sansio",
                            "--lifespan", "off", "--no-access-log"])
        self._spawn("platform", [sys.executable, "-m", "celery", "-A", "campfire.celery:app", "worker",
                                 "-Q", self.ns.platform_queue, "--pool", "threads", "--concurrency", "2",
                                 "-n", f"{self.prefix}-platform@test", "--without-mingle", "--without-gossip",
                                 "--without-heartbeat", "-l", "info"])
        for _ in range(workers):
            self.add_worker()
        self.wait_http()
        for name in self.workers:
            self.wait_worker(name)
        return self

    def add_worker(self, wait: bool = False, device: str = "cpu") -> str:
        """A worker of `device` ("gpu" here: the gpu queue and a GPU worker's registry entry, its kernels on the CPU)."""
        self._worker_count += 1
        name = f"{self.prefix}-{device}{self._worker_count}@test"
        # As deployed: execution workers hold broker credentials only.
        self._spawn(name, [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-n", name,
                           "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"],
                    drop=("DATABASE_URL", "SECRET_KEY"), extra={"CAMPFIRE_WORKER_DEVICE": device})
        self.workers.append(name)
        if wait:
            self.wait_worker(name)
        return name

    def kill_worker(self, name: str) -> None:
        self.procs[name].kill()
        self.workers.remove(name)

    def stop_worker(self, name: str) -> None:
        """A clean stop (SIGTERM: its kernels shut down, it leaves the registry)."""
        self.procs.pop(name).stop()
        self.workers.remove(name)

    def wait_http(self, timeout: float = 60) -> None:
        if not wait_healthy(self.base_url, self.procs["web"].alive, timeout):
            raise AssertionError("the web server did not start\n" + self.tails())

    def wait_worker(self, name: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        warm = int(self.env["CAMPFIRE_WARM_KERNELS"])
        while True:
            raw = self.redis.hget(self.ns.worker_info(name), "info")
            info = json.loads(raw) if raw else {}
            if info.get("kernels", {}).get("warm", 0) >= warm:
                return
            if not self.procs[name].alive() or time.monotonic() > deadline:
                raise AssertionError(f"worker {name} not ready\n" + self.tails())
            time.sleep(0.2)

    def tails(self, lines: int = 40) -> str:
        return "\n".join(proc.tail(lines) for proc in self.procs.values())

    def stop(self) -> None:
        for name, proc in reversed(list(self.procs.items())):
            proc.stop()
        keys = [k for pattern in (f"{self.prefix}:*", f"{self.prefix}.*") for k in self.redis.scan_iter(match=pattern, count=1000)]
        for start in range(0, len(keys), 500):
            self.redis.delete(*keys[start:start + 500])
        self.database.drop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---------------------------------------------------------------------------------- users
    def manage(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True)
        if result.returncode:
            raise AssertionError(f"manage.py {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def user(self, staff: bool = False) -> tuple[str, str]:
        """A fresh user (no password: tests use its API token) -> (username, token)."""
        if staff or not self._users:
            script = (
                "import json; from django.contrib.auth import get_user_model; from campfire.accounts import services\n"
                "made = []\n"
                f"for name in {[f'u{secrets.token_hex(4)}' for _ in range(1 if staff else 8)]!r}:\n"
                f"    user = get_user_model().objects.create_user(username=name, is_staff={staff!r})\n"
                "    made.append((name, services.token_create(user=user, name='tests')[1]))\n"
                "print(json.dumps(made))\n"
            )
            made = [tuple(pair) for pair in json.loads(self.manage("shell", "-c", script).strip().splitlines()[-1])]
            if staff:
                return made[0]
            self._users.extend(made)
        return self._users.pop()

    # ------------------------------------------------------------------------------- clients
    def api(self, token: str | None, method: str, path: str, body=None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")

    def ws(self, notebook_id: str, token: str | None = None, after: str | None = None, origin: str | None = None, cookie: str | None = None,
           route: str = "notebooks"):
        """A WebSocket on the notebook's events (route "runs": a clean run's, by its id); raises websockets' InvalidStatus if refused."""
        url = f"ws://127.0.0.1:{self.port}/ws/{route}/{notebook_id}/" + (f"?after={after}" if after else "")
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = cookie
        return ws_connect(url, origin=origin or self.base_url, additional_headers=headers, max_size=None, proxy=None, open_timeout=10, legacy=True)

    def events(self, session: str) -> list[dict]:
        return [decode_event(eid, fields) for eid, fields in self.redis.xrange(self.ns.session_events(session))]


class Listener:
    """Collects a WebSocket's messages (with the time each arrived) until a condition holds."""

    def __init__(self, connection):
        self.connection = connection
        self.messages: list[dict] = []
        self.arrived: list[float] = []

    def until(self, condition, timeout: float = 30.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while not condition(self.messages):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out; received:\n" + "\n".join(json.dumps(m)[:200] for m in self.messages[-30:]))
            try:
                raw = self.connection.recv(timeout=left)
            except TimeoutError:
                continue
            self.messages.append(json.loads(raw))
            self.arrived.append(time.monotonic())
        return self.messages

    def finished(self, execution: str, timeout: float = 30.0) -> dict:
        self.until(lambda ms: any(m.get("type") == "finished" and m.get("execution") == execution for m in ms), timeout)
        return self.of(execution, "finished")[0]

    def of(self, execution: str, kind: str | None = None) -> list[dict]:
        return [m for m in self.messages if "id" in m and m["execution"] == execution and (kind is None or m["type"] == kind)]

    def events(self) -> list[dict]:
        return [m for m in self.messages if "id" in m]

    def close(self) -> None:
        self.connection.close()


class Live:
    """One test's view of the stack: a fresh user, its notebooks, runs; its kernels are shut
    down at the end (the workers' kernel slots are shared by the whole session)."""

    def __init__(self, stack: LiveStack):
        self.stack = stack
        self.username, self.token = stack.user()
        self.notebooks: list[str] = []

    def api(self, method: str, path: str, body=None, expect: int | None = None):
        status, data = self.stack.api(self.token, method, path, body)
        if expect is not None:
            logs = f"\n{self.stack.procs['web'].tail(60)}" if status >= 500 else ""  # the server's traceback
            assert status == expect, f"{method} {path} -> {status}: {data}{logs}"
        return data if expect is not None else (status, data)

    def notebook(self, *sources: str, title: str = "Live") -> dict:
        cells = [{"cell_type": "code", "source": source} for source in sources]
        nb = self.api("POST", "/api/notebooks", {"title": title, "cells": cells}, expect=201)
        self.notebooks.append(nb["id"])
        return nb

    def run(self, nb: dict, index: int = 0, source: str | None = None) -> str:
        body = {} if source is None else {"source": source}
        return self.api("POST", f"/api/notebooks/{nb['id']}/cells/{nb['cells'][index]['id']}/run", body, expect=202)["execution"]

    def listen(self, nb: dict, after: str | None = None) -> Listener:
        listener = Listener(self.stack.ws(nb["id"], self.token, after=after))
        listener.until(lambda ms: any(m["type"] == "caught_up" for m in ms), timeout=10)
        return listener

    def listen_run(self, execution: str) -> Listener:
        """The events of a clean (whole-notebook) run, from its start."""
        listener = Listener(self.stack.ws(execution, self.token, after="0-0", route="runs"))
        listener.until(lambda ms: any(m["type"] == "caught_up" for m in ms), timeout=10)
        return listener

    def recorded(self, execution: str, timeout: float = 30.0) -> dict:
        """GET /api/executions/{id} once its record is stored."""
        deadline = time.monotonic() + timeout
        while True:
            detail = self.api("GET", f"/api/executions/{execution}", expect=200)
            if detail["recorded"]:
                return detail
            if time.monotonic() > deadline:
                raise AssertionError(f"no record for {execution}: {detail}\n{self.stack.tails(20)}")
            time.sleep(0.1)

    def close(self) -> None:
        for notebook_id in self.notebooks:
            self.stack.api(self.token, "POST", f"/api/notebooks/{notebook_id}/shutdown", {})


def text(events: list[dict], name: str = "stdout") -> str:
    return "".join(e["data"]["text"] for e in events if e["type"] == "stream" and e["data"]["name"] == name)


@pytest.fixture(scope="session")
def live_stack():
    """The whole stack, started once per test session (about 10 s) for the tests that need it."""
    stack = LiveStack()
    try:
        stack.start()
    except BaseException:
        stack.stop()
        raise
    yield stack
    stack.stop()


@pytest.fixture
def live(live_stack):
    handle = Live(live_stack)
    yield handle
    handle.close()
