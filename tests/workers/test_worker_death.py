"""A worker SIGKILLed mid-run: nothing stays `running`, nothing runs twice, nothing is dropped.

The rule (docs/EXECUTION.md): runs the dead worker had accepted end `lost` (their kernel is gone);
runs it had not accepted (still in its own queue, or delivered but unacked) run exactly once on
another worker.
"""
from __future__ import annotations

import time
import uuid

from workers.protocol import TASK_EXECUTE, ExecuteRequest


def new_session() -> str:
    return f"s-{uuid.uuid4().hex[:12]}"


def test_sigkill_mid_run_loses_accepted_runs_and_reruns_the_rest_exactly_once(new_stack):
    stack = new_stack(CAMPFIRE_MAX_KERNELS="1", CAMPFIRE_KERNEL_WAIT="4",
                      CAMPFIRE_VISIBILITY_TIMEOUT="5")
    doomed = stack.start_worker("doomed")
    busy, waiting = new_session(), new_session()

    stack.finished(busy, stack.run(busy, "x = 1"))
    running = stack.run(busy, "import time\nprint('sleeping', flush=True)\ntime.sleep(60)")
    stack.wait_events(busy, lambda evs: any(e["type"] == "stream" for e in evs))
    accepted = stack.run(busy, "print('second')")
    stack.wait_events(busy, lambda evs: any(
        e["type"] == "queued" and e["execution"] == accepted for e in evs))
    # A new session while the only kernel slot is taken: the worker holds the message unacked.
    held = stack.run(waiting, "print('held ran')")
    stack.wait_events(waiting, lambda evs: any(
        e["type"] == "queued" and e["data"].get("waiting") for e in evs))

    doomed.kill()
    killed = time.monotonic()
    # A run routed to the dead worker's own queue just before anyone noticed its death.
    late = uuid.uuid4().hex
    late_seq = int(stack.redis.incr(stack.ns.session_seq(busy)))
    stack.app.send_task(TASK_EXECUTE, args=[ExecuteRequest(
        execution=late, session=busy, cell="late", seq=late_seq,
        code="print('late ran', 'x' in globals())").to_dict()],
        queue=stack.ns.worker_queue(doomed.name), task_id=late)

    stack.start_worker("rescuer", CAMPFIRE_MAX_KERNELS="3")

    lost = stack.finished(busy, running, timeout=30)
    assert lost["data"]["status"] == "lost"
    assert time.monotonic() - killed < 15  # bounded: heartbeat TTL + a sweep + a worker start
    assert "while the cell ran" in lost["data"]["message"]
    kernel_lost = [e for e in stack.events(busy) if e["type"] == "kernel"
                   and e["data"]["state"] == "lost"]
    assert kernel_lost and kernel_lost[0]["data"]["message"] == "kernel lost: its worker stopped"
    second = stack.finished(busy, accepted)
    assert second["data"]["status"] == "lost" and "before the cell ran" in second["data"]["message"]

    # Never accepted by the dead worker: each runs exactly once, on a fresh kernel.
    assert stack.finished(busy, late, timeout=30)["data"]["status"] == "ok"
    assert stack.of(busy, late, "stream")[0]["data"]["text"] == "late ran False\n"
    assert stack.finished(waiting, held, timeout=30)["data"]["status"] == "ok"
    assert [e["data"]["text"] for e in stack.of(waiting, held, "stream")] == ["held ran\n"]

    time.sleep(2)  # let any duplicate surface
    for session, execution in ((busy, running), (busy, accepted), (busy, late),
                               (waiting, held)):
        assert len(stack.of(session, execution, "finished")) == 1
        assert len(stack.of(session, execution, "started")) <= 1
    assert len(stack.of(waiting, held, "started")) == 1
    statuses = {execution: [r["status"] for r in stack.records(execution, timeout=3, count=2)]
                for execution in (running, accepted, late, held)}
    assert statuses == {running: ["lost"], accepted: ["lost"], late: ["ok"], held: ["ok"]}
    # The lost run's record keeps what it printed before the worker died.
    assert stack.records(running)[0]["outputs"][0]["text"] == "sleeping\n"


def test_sigterm_ends_running_cells_as_lost_and_deregisters(new_stack):
    stack = new_stack()
    worker = stack.start_worker("leaving")
    session = new_session()
    running = stack.run(session, "import time\ntime.sleep(60)")
    stack.wait_events(session, lambda evs: any(
        e["type"] == "started" and e["execution"] == running for e in evs))
    worker.stop()  # SIGTERM: warm shutdown, 2 s grace for running cells
    assert stack.finished(session, running, timeout=5)["data"]["status"] == "lost"
    states = [e["data"]["state"] for e in stack.events(session) if e["type"] == "kernel"]
    assert states[-1] == "lost"
    assert not stack.redis.exists(stack.ns.worker_alive(worker.name))
    assert stack.redis.get(stack.ns.session_owner(session)) is None


def test_worker_restarted_under_the_same_name_reports_its_previous_life(new_stack):
    stack = new_stack()
    first = stack.start_worker("phoenix")
    session = new_session()
    stack.finished(session, stack.run(session, "x = 1"))
    running = stack.run(session, "import time\ntime.sleep(60)")
    stack.wait_events(session, lambda evs: any(
        e["type"] == "started" and e["execution"] == running for e in evs))
    first.kill()
    stack.start_worker("phoenix")  # same node name, before any sweeper noticed the death
    assert stack.finished(session, running, timeout=10)["data"]["status"] == "lost"
    assert any(e["type"] == "kernel" and e["data"]["state"] == "lost"
               for e in stack.events(session))
    assert stack.printed(session, "print('x' in globals())") == "False\n"
