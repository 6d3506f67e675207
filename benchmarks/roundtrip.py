"""Live execution round trip through the whole stack, against the raw kernel round trip.

    python benchmarks/roundtrip.py [--runs 200] [--new-sessions 10]

Starts the stack exactly as `make run` does (scripts/run.py: a private Redis, SQLite under a temp
var/ directory, uvicorn web + platform worker + CPU worker from the Procfile), signs a user in
with an API token, and measures, interleaved run by run in this one process:

stack:  `1+1` on a warm kernel: HTTP POST /api/notebooks/{id}/cells/{cell}/run (keep-alive
        connection) until its `finished` event arrives on the notebook's WebSocket;
raw:    jupyter_client's execute of `1+1` on a kernel started by the workers' own launcher
        (identical to the pool's kernels) until the reply and the idle status are in;
new session: a notebook never run before, with a warm kernel waiting in the pool: POST until the
        first output (`execute_result`) arrives on the WebSocket.
completion: Tab on `pri` in that warm kernel: POST /api/notebooks/{id}/complete until its answer,
        against jupyter_client's complete_request on the raw kernel until its reply.
The machine is shared: compare the ratio (same moments, same load), not absolute numbers alone.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import redis as redis_lib  # noqa: E402
from websockets.sync.client import connect as ws_connect  # noqa: E402

from roundtrip_raw import raw_complete, raw_roundtrip, summary  # noqa: E402
from workers.config import WorkerConfig  # noqa: E402
from workers.kernel import Kernel  # noqa: E402
from workers.launcher import KernelLauncher  # noqa: E402
from workers.protocol import Namespace  # noqa: E402

MAKE_USERS = """
import json
from django.contrib.auth import get_user_model
from campfire.accounts import services
tokens = []
for name in {names!r}:
    user = get_user_model().objects.create_user(username=name)
    tokens.append(services.token_create(user=user, name="bench")[1])
print(json.dumps(tokens))
"""


class Stack:
    """scripts/run.py in a temp var/ directory, on a free port."""

    def __init__(self, var: Path, **settings: str) -> None:
        self.var = var
        var.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "CAMPFIRE_VAR_DIR": str(var), "CAMPFIRE_PORT": str(_free_port()), "PYTHONUNBUFFERED": "1"}
        for name in ("REDIS_URL", "DATABASE_URL", "CAMPFIRE_REDIS_PREFIX", "CAMPFIRE_QUEUE_PREFIX", "CAMPFIRE_BROKER_KEYPREFIX"):
            self.env.pop(name, None)  # everything as `make run` sets it up, but for the settings asked for
        self.env.update(settings)
        self.log = open(var / "stack.log", "w+")  # noqa: SIM115 closed in stop()
        self.proc = subprocess.Popen([sys.executable, "scripts/run.py"], cwd=REPO, env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.env['CAMPFIRE_PORT']}"
        self.redis_url = self._wait_for(r"Started a private Redis at (\S+)", 120)
        self._wait_healthy()
        self.redis = redis_lib.Redis.from_url(self.redis_url, decode_responses=True)
        self.ns = Namespace()
        self.token = self.users(["bench"])[0]
        self.http = self.connection()

    def _wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.log.seek(0)
            found = re.search(pattern, self.log.read())
            if found:
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise SystemExit(f"the stack did not start:\n{self.tail()}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the web server did not answer:\n{self.tail()}")

    def users(self, names: list[str]) -> list[str]:
        """Creates the users; their API tokens, in order."""
        env = {**self.env, "SECRET_KEY": (self.var / "secret_key").read_text().strip(), "REDIS_URL": self.redis_url}
        out = subprocess.run([sys.executable, "manage.py", "shell", "-c", MAKE_USERS.format(names=names)], cwd=REPO,
                             env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", int(self.env["CAMPFIRE_PORT"]), timeout=60)

    def warm_kernels(self) -> int:
        workers = [w for w in self.redis.smembers(self.ns.workers)]
        infos = [json.loads(self.redis.hget(self.ns.worker_info(w), "info") or "{}") for w in workers]
        return sum(i.get("kernels", {}).get("warm", 0) for i in infos)

    def call(self, method: str, path: str, body=None, token: str | None = None, conn=None) -> dict:
        """One API call (keep-alive): as the bench user, or as `token` on connection `conn`."""
        conn = conn or self.http
        for attempt in (1, 2):          # uvicorn closes a keep-alive connection idle for 5 s: reconnect once
            try:
                conn.request(method, path, body=None if body is None else json.dumps(body),
                             headers={"Authorization": f"Bearer {token or self.token}", "Content-Type": "application/json"})
                response = conn.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                conn.close()
                if attempt == 2:
                    raise
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path} -> {response.status}: {data[:300]!r}")
        return json.loads(data) if data else {}

    def notebook(self, source: str, token: str | None = None) -> dict:
        return self.call("POST", "/api/notebooks", {"title": "bench", "cells": [{"cell_type": "code", "source": source}]},
                         token=token)

    def socket(self, notebook_id: str, token: str | None = None):
        url = f"ws://127.0.0.1:{self.env['CAMPFIRE_PORT']}/ws/notebooks/{notebook_id}/"
        ws = ws_connect(url, origin=self.base, additional_headers={"Authorization": f"Bearer {token or self.token}"},
                        max_size=None, proxy=None, legacy=True)
        while json.loads(ws.recv(timeout=10))["type"] != "caught_up":
            pass
        return ws

    def tail(self, lines: int = 40) -> str:
        self.log.seek(0)
        return "\n".join(self.log.read().splitlines()[-lines:])

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def until(ws, execution: str, kind: str) -> None:
    while True:
        event = json.loads(ws.recv(timeout=30))
        if event.get("execution") == execution and event["type"] == kind:
            return


def stack_roundtrip(stack: Stack, ws, nb: dict, until_kind: str = "finished") -> float:
    path = f"/api/notebooks/{nb['id']}/cells/{nb['cells'][0]['id']}/run"
    began = time.perf_counter()
    execution = stack.call("POST", path, {})["execution"]
    until(ws, execution, until_kind)
    return time.perf_counter() - began


COMPLETE = "pri"


def stack_complete(stack: Stack, nb: dict) -> float:
    began = time.perf_counter()
    answer = stack.call("POST", f"/api/notebooks/{nb['id']}/complete", {"code": COMPLETE, "cursor_pos": len(COMPLETE)})
    seconds = time.perf_counter() - began
    if answer["status"] != "ok" or "print" not in [m["text"] for m in answer["matches"]]:
        raise SystemExit(f"completion did not answer: {answer}")
    return seconds


def new_session_first_output(stack: Stack) -> float:
    while stack.warm_kernels() < 1:
        time.sleep(0.05)
    nb = stack.notebook("1+1")
    ws = stack.socket(nb["id"])
    try:
        seconds = stack_roundtrip(stack, ws, nb, "execute_result")
        stack.call("POST", f"/api/notebooks/{nb['id']}/shutdown", {})
        while True:  # the slot is free again once the kernel is shut down
            event = json.loads(ws.recv(timeout=30))
            if event["type"] == "kernel" and event["data"]["state"] == "shutdown":
                break
    finally:
        ws.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--new-sessions", type=int, default=10)
    parser.add_argument("--completions", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cfbench") as tmp:
        config = WorkerConfig.from_env({"CAMPFIRE_RUNTIME_DIR": tmp})
        kernel = Kernel(KernelLauncher(config, Path(tmp) / "raw")).start(60)
        stack = Stack(Path(tmp) / "var")
        try:
            nb = stack.notebook("1+1")
            ws = stack.socket(nb["id"])
            for _ in range(10):  # warm both paths (the first run takes a kernel from the pool)
                raw_roundtrip(kernel)
                stack_roundtrip(stack, ws, nb)
            raw, through = [], []
            for _ in range(args.runs):
                raw.append(raw_roundtrip(kernel))
                through.append(stack_roundtrip(stack, ws, nb))
            ws.close()
            raw_tab, stack_tab = [], []
            for _ in range(args.completions):
                raw_tab.append(raw_complete(kernel, COMPLETE))
                stack_tab.append(stack_complete(stack, nb))
            fresh = [new_session_first_output(stack) for _ in range(args.new_sessions)]
        except BaseException:
            print(stack.tail(), file=sys.stderr)
            raise
        finally:
            stack.stop()
            kernel.shutdown(now=True)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    raw_p50, _ = summary("raw jupyter_client       ", raw)
    stack_p50, _ = summary("POST -> finished over WS ", through)
    print(f"   ratio: stack p50 / raw p50 = {stack_p50 / raw_p50:.2f}")
    if raw_tab:
        raw_tab_p50, _ = summary("raw complete_request     ", raw_tab)
        stack_tab_p50, _ = summary("POST /complete -> answer ", stack_tab)
        print(f"   ratio: completion p50 / raw p50 = {stack_tab_p50 / raw_tab_p50:.2f}")
    if fresh:
        summary("new session first output ", fresh)


if __name__ == "__main__":
    main()
