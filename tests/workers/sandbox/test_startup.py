"""A worker never runs kernels unconfined by accident: it refuses to start where the sandbox
cannot work, and CAMPFIRE_SANDBOX=off is loud and visible in the registry."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.workers.conftest import REPO


def _start(new_stack, **env):
    stack = new_stack(**env)
    name = f"{stack.prefix}-w@test"
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "workers.celery_app", "worker", "-n", name,
         "--without-mingle", "--without-gossip", "--without-heartbeat", "-l", "info"],
        cwd=REPO, env={**stack.env, **env}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    return stack, name, proc


def test_worker_refuses_to_start_when_the_kernel_interpreter_is_unusable(new_stack, tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    stack, name, proc = _start(new_stack, CAMPFIRE_KERNEL_PYTHON=str(fake))
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode != 0
    assert "campfire worker could not set up" in output
    assert f"the kernel interpreter {fake}" in output
    assert "CAMPFIRE_SANDBOX=off" in output  # says what to change
    assert not stack.redis.exists(stack.ns.worker_info(name))  # it never registered


def test_unreadable_interpreter_is_refused_with_what_to_change(new_stack):
    # A 0700 directory that no sandbox rule covers (so nothing is bound back through it), like
    # a checkout under a private directory: the kernel's uid cannot reach the interpreter.
    private = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="campfire-test-"))
    (private / "venv").symlink_to(Path(sys.prefix).resolve())  # the test's own environment
    python = private / "venv" / "bin" / "python"
    stack, name, proc = _start(new_stack, CAMPFIRE_KERNEL_PYTHON=str(python))
    try:
        output, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
        shutil.rmtree(private)
    assert proc.returncode != 0
    assert "cannot run as an unprivileged sandbox user" in output, output[-2000:]
    assert "CAMPFIRE_KERNEL_PYTHON" in output and "chmod o+rx" in output


def test_sandbox_off_is_logged_loudly_and_shown_in_the_registry(new_stack):
    stack, name, proc = _start(new_stack, CAMPFIRE_SANDBOX="off", CAMPFIRE_WARM_KERNELS="0")
    try:
        deadline = time.monotonic() + 60
        info = None
        while time.monotonic() < deadline and proc.poll() is None:
            raw = stack.redis.hget(stack.ns.worker_info(name), "info")
            if raw:
                info = json.loads(raw)
                break
            time.sleep(0.1)
        assert info is not None, "the worker did not register"
        assert info["sandbox"] == {"enabled": False}
    finally:
        proc.terminate()
        output, _ = proc.communicate(timeout=30)
    assert "ERROR sandbox.OFF" in output and "UNSANDBOXED" in output
