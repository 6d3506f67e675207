"""Idle culling (with the workshop no-cull mark) and the worker health check."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid

from pathlib import Path

from workers.protocol import set_no_cull

REPO = Path(__file__).resolve().parents[2]


def test_idle_kernels_are_culled_unless_marked_no_cull(new_stack):
    stack = new_stack(CAMPFIRE_IDLE_CULL="1.5", CAMPFIRE_CULL_INTERVAL="0.3")
    stack.start_worker("culler")
    idle, workshop = f"s-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    set_no_cull(stack.redis, workshop, 60, stack.ns)
    for session in (idle, workshop):
        stack.finished(session, stack.run(session, "x = 1"))
    culled = stack.wait_events(idle, lambda evs: any(
        e["type"] == "kernel" and e["data"]["state"] == "culled" for e in evs), timeout=10)
    assert "idle" in [e for e in culled if e["type"] == "kernel"][-1]["data"]["message"]
    time.sleep(1)
    assert not any(e["type"] == "kernel" and e["data"]["state"] == "culled"
                   for e in stack.events(workshop))
    assert stack.printed(workshop, "print(x)") == "1\n"
    assert stack.printed(idle, "print('x' in globals())") == "False\n"  # a fresh kernel


def health(stack, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workers.health", *args], cwd=REPO,
                          env=stack.env, capture_output=True, text=True, timeout=60)


def test_health_check_passes_for_a_live_worker_and_fails_otherwise(stack):
    ok = health(stack, "--worker", stack.workers[0].name)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert stack.workers[0].name in ok.stdout
    missing = health(stack, "--worker", "nobody@nowhere", "--timeout", "1")
    assert missing.returncode == 1 and "no fresh heartbeat" in missing.stdout


def test_a_new_session_waits_for_a_free_kernel_and_then_runs_once(new_stack):
    stack = new_stack(CAMPFIRE_MAX_KERNELS="1", CAMPFIRE_KERNEL_WAIT="1",
                      CAMPFIRE_VISIBILITY_TIMEOUT="5")
    stack.start_worker("full")
    first, second = f"s-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    stack.finished(first, stack.run(first, "x = 1"))
    waiting = stack.run(second, "print('second ran')")
    stack.wait_events(second, lambda evs: any(
        e["type"] == "queued" and e["data"].get("waiting") for e in evs))
    time.sleep(2.5)  # longer than the kernel wait: the run went back to its queue, maybe twice
    assert stack.of(second, waiting, "started") == []
    stack.command("workers.shutdown", first)  # frees the only slot
    assert stack.finished(second, waiting, timeout=15)["data"]["status"] == "ok"
    assert len(stack.of(second, waiting, "started")) == 1
    assert [e["data"]["text"] for e in stack.of(second, waiting, "stream")] == ["second ran\n"]
