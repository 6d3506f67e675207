"""Cell runs through real workers and kernels: streaming, state, order, outputs, records."""
from __future__ import annotations

import json
import time
import uuid

from workers.protocol import TASK_EXECUTE, ExecuteRequest


def stream_text(outputs: list[dict], name: str = "stdout") -> str:
    return "".join(o.get("text", "") for o in outputs
                   if o["output_type"] == "stream" and o["name"] == name)


def test_output_streams_before_the_cell_finishes(stack, session):
    code = "import time\nfor i in range(3):\n    print(f'line {i}', flush=True)\n    time.sleep(0.5)"
    execution = stack.run(session, code)
    seen_first = stack.wait_events(session, lambda evs: any(
        e["type"] == "stream" and e["execution"] == execution for e in evs))
    assert not any(e["type"] == "finished" and e["execution"] == execution for e in seen_first), \
        "the first line must be readable while the cell still runs"
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "ok"
    streams = stack.of(session, execution, "stream")
    assert [s["data"]["text"] for s in streams] == ["line 0\n", "line 1\n", "line 2\n"]
    first_ms = int(streams[0]["id"].split("-")[0])
    end_ms = int(finished["id"].split("-")[0])
    assert end_ms - first_ms >= 900  # the first line was appended ~1 s before the end
    kinds = [e["type"] for e in stack.of(session, execution)]
    assert kinds[:2] == ["queued", "started"] and kinds[-1] == "finished"


def test_kernels_come_warm_with_numpy_and_a_clean_environment(stack, session):
    code = ("import sys, os, importlib.util\n"
            "print('numpy' in sys.modules, "
            "('ember' in sys.modules) == (importlib.util.find_spec('ember') is not None), "
            "'_campfire_preimport' in globals(), "
            "sorted(k for k in os.environ if 'CAMPFIRE' in k or 'REDIS' in k))")
    assert stack.printed(session, code) == "True True False []\n"


def test_state_persists_within_a_session_and_sessions_are_isolated(stack, session):
    other = f"s-{uuid.uuid4().hex[:12]}"
    try:
        stack.finished(session, stack.run(session, "secret = 'alice-only'"))
        stack.finished(other, stack.run(other, "secret = 'bob'"))
        mine = stack.run(session, "print(secret)")
        theirs = stack.run(other, "print(secret)")
        assert stack.finished(session, mine)["data"]["status"] == "ok"
        assert stack.finished(other, theirs)["data"]["status"] == "ok"
        assert stack.of(session, mine, "stream")[0]["data"]["text"] == "alice-only\n"
        assert stack.of(other, theirs, "stream")[0]["data"]["text"] == "bob\n"
        assert all(e["execution"] != mine for e in stack.events(other))
        assert all(e["execution"] != theirs for e in stack.events(session))
    finally:
        stack.command("workers.shutdown", other)


def test_twenty_cells_sent_at_once_run_in_order(stack, session):
    executions = [stack.run(session, f"order = globals().get('order', []) + [{i}]")
                  for i in range(20)]
    last = stack.run(session, "print(order)")
    assert stack.finished(session, last, timeout=60)["data"]["status"] == "ok"
    assert stack.of(session, last, "stream")[0]["data"]["text"] == f"{list(range(20))}\n"
    started = [e["execution"] for e in stack.events(session) if e["type"] == "started"]
    assert started == executions + [last]


def test_order_holds_when_a_session_races_across_workers(stack, session):
    """All 20 runs go to the shared queue before anyone owns the session (the routing race):
    both workers take some; the one that does not own the session forwards them."""
    executions = []
    for i in range(20):
        execution = uuid.uuid4().hex
        seq = int(stack.redis.incr(stack.ns.session_seq(session)))
        payload = ExecuteRequest(execution=execution, session=session, cell=f"c{i}",
                                 code=f"order = globals().get('order', []) + [{i}]", seq=seq)
        stack.app.send_task(TASK_EXECUTE, args=[payload.to_dict()],
                            queue=stack.ns.pool_queue("cpu"), task_id=execution)
        executions.append(execution)
    last = stack.run(session, "print(order)")
    assert stack.finished(session, last, timeout=60)["data"]["status"] == "ok"
    assert stack.of(session, last, "stream")[0]["data"]["text"] == f"{list(range(20))}\n"
    started = [e["execution"] for e in stack.events(session) if e["type"] == "started"]
    assert started == executions + [last]
    owners = {e["data"]["worker"] for e in stack.events(session) if e["type"] == "queued"}
    assert len(owners) == 1  # one kernel, on one worker


def test_interrupt_stops_an_endless_loop_within_two_seconds(stack, session):
    stack.finished(session, stack.run(session, "kept = 7"))
    execution = stack.run(session, "while True: pass")
    stack.wait_events(session, lambda evs: any(
        e["type"] == "started" and e["execution"] == execution for e in evs))
    asked = time.monotonic()
    stack.command("workers.interrupt", session)
    finished = stack.finished(session, execution, timeout=5)
    assert time.monotonic() - asked < 2.0
    assert finished["data"]["status"] == "interrupted"
    assert stack.printed(session, "print(kept)") == "7\n"


def test_interrupt_can_cancel_the_runs_queued_behind(stack, session):
    running = stack.run(session, "while True: pass")
    queued = stack.run(session, "print('should not run')")
    stack.wait_events(session, lambda evs: any(
        e["type"] == "started" and e["execution"] == running for e in evs))
    stack.command("workers.interrupt", session, cancel_queued=True)
    assert stack.finished(session, running, timeout=5)["data"]["status"] == "interrupted"
    cancelled = stack.finished(session, queued)
    assert cancelled["data"]["status"] == "interrupted"
    assert "not run" in cancelled["data"]["message"]
    assert stack.of(session, queued, "started") == []
    later = stack.run(session, "print('runs')")
    assert stack.finished(session, later)["data"]["status"] == "ok"


def test_restart_clears_state(stack, session):
    stack.finished(session, stack.run(session, "x = 1"))
    stack.command("workers.restart", session)
    stack.wait_events(session, lambda evs: any(
        e["type"] == "kernel" and e["data"]["state"] == "restarted" for e in evs))
    after = stack.run(session, "x")
    finished = stack.finished(session, after)
    assert finished["data"]["status"] == "error"
    assert stack.of(session, after, "error")[0]["data"]["ename"] == "NameError"
    assert finished["data"]["execution_count"] == 1


def test_a_fresh_kernel_run_stops_what_runs_skips_what_waits_and_starts_clean(stack, session):
    """Restart & run all: the first run of the batch carries fresh_kernel."""
    stack.finished(session, stack.run(session, "kept = 1"))
    running = stack.run(session, "import time\nwhile True: time.sleep(0.05)")
    waiting = stack.run(session, "print('should not run')")
    stack.wait_events(session, lambda evs: any(e["type"] == "started" and e["execution"] == running for e in evs))
    first = stack.run(session, "print('kept' in globals())", fresh_kernel=True)
    second = stack.run(session, "print('second')")
    assert stack.finished(session, running, timeout=15)["data"]["status"] == "interrupted"
    assert stack.finished(session, waiting)["data"]["status"] == "interrupted"
    assert stack.of(session, waiting, "started") == []
    assert stack.finished(session, first)["data"]["status"] == "ok"
    assert stack.of(session, first, "stream")[0]["data"]["text"] == "False\n"
    assert stack.finished(session, first)["data"]["execution_count"] == 1
    assert stack.finished(session, second)["data"]["status"] == "ok"
    assert stack.of(session, second, "stream")[0]["data"]["text"] == "second\n"
    restarts = [e for e in stack.events(session) if e["type"] == "kernel" and e["data"]["state"] == "restarted"]
    assert len(restarts) == 1       # stopped the running cell and replaced the kernel once, not twice


def test_a_fresh_kernel_run_replaces_a_used_idle_kernel_but_not_a_new_one(stack, session):
    first = stack.run(session, "kept = 1", fresh_kernel=True)       # the session's first run: its kernel is new
    stack.finished(session, first)
    again = stack.run(session, "print('kept' in globals())", fresh_kernel=True)
    assert stack.finished(session, again)["data"]["status"] == "ok"
    assert stack.of(session, again, "stream")[0]["data"]["text"] == "False\n"
    states = [e["data"]["state"] for e in stack.events(session) if e["type"] == "kernel"]
    assert states == ["ready", "restarted", "ready"], states


def test_cell_time_limit_interrupts_and_keeps_the_kernel(stack, session):
    stack.finished(session, stack.run(session, "kept = 'still here'"))
    execution = stack.run(session, "while True: pass", limits={"timeout": 1})
    finished = stack.finished(session, execution, timeout=10)
    assert finished["data"]["status"] == "timed_out"
    assert 1.0 <= finished["data"]["duration"] < 2.5
    assert stack.printed(session, "print(kept)") == "still here\n"


def test_cell_that_ignores_the_interrupt_gets_a_new_kernel(stack, session):
    stack.finished(session, stack.run(session, "kept = 1"))
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                "    except KeyboardInterrupt:\n        pass")
    execution = stack.run(session, stubborn, limits={"timeout": 1})
    finished = stack.finished(session, execution, timeout=15)
    assert finished["data"]["status"] == "timed_out"
    assert "kernel restarted" in finished["data"]["message"]
    assert 3.0 <= finished["data"]["duration"] < 5.0   # 1 s limit + 2 s interrupt grace
    assert stack.printed(session, "print('kept' in globals())") == "False\n"


def test_output_cap_truncates_a_100_mb_print_and_the_kernel_stays_usable(stack, session):
    stack.finished(session, stack.run(session, "kept = 3"))
    execution = stack.run(session, "print('x' * 100_000_000)\nprint('after the flood')")
    finished = stack.finished(session, execution, timeout=60)
    assert finished["data"]["status"] == "ok"
    assert finished["data"]["truncated"] is True
    record = stack.records(execution)[0]
    stdout = stream_text(record["outputs"])
    assert len(stdout.encode()) <= 5_000_000 and stdout.startswith("xxxx")
    assert "after the flood" not in stdout
    notice = stream_text(record["outputs"], "stderr")
    assert "output truncated: the cell printed more than 5 MB" in notice
    streamed = sum(len(e["data"]["text"]) for e in stack.of(session, execution, "stream"))
    assert streamed <= 5_000_000 + len(notice)
    assert stack.printed(session, "print(kept)") == "3\n"


def test_a_redraw_loop_is_never_truncated_the_cap_counts_what_the_cell_keeps(stack, session):
    # 6 MB printed in all, 100 kB kept: over the 5 MB cap when it counted every byte sent (the
    # kernel stopped printing at 5 MB and the worker cut the cell), within it now
    code = ("from IPython.display import clear_output\n"
            "for i in range(60):\n"
            "    clear_output(wait=True)\n"
            "    print(f'frame {i:02d} ' + 'x' * 100_000)")
    execution = stack.run(session, code)
    finished = stack.finished(session, execution, timeout=60)
    assert finished["data"]["status"] == "ok" and finished["data"]["truncated"] is False
    assert stream_text(stack.records(execution)[0]["outputs"]).startswith("frame 59 xxx")
    # print() writes the text and its newline separately: a flush between them sends the newline alone
    frames = [t[:8] for t in (e["data"]["text"] for e in stack.of(session, execution, "stream")) if t.strip()]
    assert len(frames) == 60 and frames[-1] == "frame 59"


def test_past_the_live_limit_output_pauses_and_the_final_frame_is_sent_at_the_end(stack, session):
    # keep 20 kB, so 200 kB may go live: about 195 of 300 frames of ~1 kB, then a pause notice;
    # at the end one resync (a clear, then the outputs the cell keeps) before `finished`
    code = ("from IPython.display import display, clear_output\n"
            "for i in range(300):\n"
            "    clear_output(wait=True)\n"
            "    display(f'{i:03d} ' + 'x' * 1000)\n"
            "print('done')")
    execution = stack.run(session, code, limits={"output_bytes": 20_000})
    finished = stack.finished(session, execution, timeout=60)
    assert finished["data"]["status"] == "ok" and finished["data"]["truncated"] is False
    record = stack.records(execution)[0]["outputs"]
    assert [o["output_type"] for o in record] == ["display_data", "stream"]
    assert record[0]["data"]["text/plain"].startswith("'299 ") and record[1]["text"] == "done\n"
    events = stack.of(session, execution)
    shown = [e for e in events if e["type"] == "display_data"]
    assert 150 < len(shown) < 300 and shown[-1]["data"]["data"]["text/plain"].startswith("'299 ")
    paused = [e for e in events if e["type"] == "stream" and "live output paused" in e["data"]["text"]]
    assert len(paused) == 1
    tail = [e["type"] for e in events[events.index(paused[0]) + 1:]]
    assert tail == ["clear_output", "display_data", "stream", "finished"], tail
    assert events[-2]["data"]["text"] == "done\n"


def test_a_paused_cell_still_shows_a_snapshot_every_few_seconds(stack, session):
    # past the live limit quickly, then frames for ~7 s more: at least one snapshot (a clear and the
    # frame of that moment) between the pause notice and the final resync
    code = ("import time\n"
            "from IPython.display import display, clear_output\n"
            "for i in range(260):\n"
            "    clear_output(wait=True)\n"
            "    display(f'{i:03d} ' + 'x' * 1000)\n"
            "    if i > 200:\n"
            "        time.sleep(0.12)\n")
    execution = stack.run(session, code, limits={"output_bytes": 20_000})
    assert stack.finished(session, execution, timeout=60)["data"]["status"] == "ok"
    events = stack.of(session, execution)
    paused = next(i for i, e in enumerate(events) if e["type"] == "stream" and "live output paused" in e["data"]["text"])
    after = events[paused + 1:]
    clears = [i for i, e in enumerate(after) if e["type"] == "clear_output"]
    assert len(clears) >= 2, [e["type"] for e in after]                   # snapshot(s), then the final resync
    snapshot = after[clears[0] + 1]["data"]["data"]["text/plain"]
    assert snapshot[:4] != "'259" and int(snapshot[1:4]) > 200           # a frame from the middle
    assert after[-2]["data"]["data"]["text/plain"].startswith("'259 ") and after[-1]["type"] == "finished"
    assert len(after) < 20                                                 # snapshots, not every frame


def test_killed_kernel_is_reported_and_the_next_run_gets_a_fresh_one(stack, session):
    stack.finished(session, stack.run(session, "kept = 1"))
    execution = stack.run(session, "import os\nos.kill(os.getpid(), 9)")
    finished = stack.finished(session, execution, timeout=15)
    assert finished["data"]["status"] == "kernel_died"
    assert "kernel died unexpectedly (signal 9" in finished["data"]["message"]
    # The `died` kernel event follows the run's `finished` (the record first, then the new kernel).
    events = stack.wait_events(session, lambda evs: any(e["type"] == "kernel" and e["data"]["state"] == "died" for e in evs), timeout=15)
    died = [e for e in events if e["type"] == "kernel" and e["data"]["state"] == "died"]
    assert "signal 9" in died[0]["data"]["message"]
    after = stack.run(session, "print('kept' in globals())")
    assert stack.finished(session, after)["data"]["execution_count"] == 1
    assert stack.of(session, after, "stream")[0]["data"]["text"] == "False\n"


def test_clear_output_and_update_display_end_up_in_the_recorded_outputs(stack, session):
    code = """
from IPython.display import display, clear_output
for i in range(3):
    clear_output(wait=True)
    print(f'progress {i}')
handle = display('first', display_id=True)
handle.update('second')
print('done')
"""
    execution = stack.run(session, code)
    stack.finished(session, execution)
    record = stack.records(execution)[0]
    assert record["task"] == "campfire.record_execution"
    kinds = [(o["output_type"], o.get("text") or o.get("data", {}).get("text/plain"))
             for o in record["outputs"]]
    assert kinds == [("stream", "progress 2\n"), ("display_data", "'second'"),
                     ("stream", "done\n")]
    assert all("transient" not in o for o in record["outputs"])
    update = stack.of(session, execution, "update_display_data")[0]["data"]
    assert update["data"]["text/plain"] == "'second'" and update["transient"]["display_id"]
    assert len(stack.of(session, execution, "clear_output")) == 3


def test_a_display_updated_by_a_later_cell_is_in_both_records(stack, session):
    first = stack.run(session, "from IPython.display import display\nprint('x')\nh = display('0%', display_id='bar')")
    second = stack.run(session, "h.update('100%')\nprint('updated')")
    stack.finished(session, second)
    shown = stack.records(first)[0]
    assert shown["displays"] == {"bar": [1]} and shown["display_updates"] == {}
    updater = stack.records(second)[0]
    assert updater["displays"] == {} and updater["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "updated\n"}]
    assert updater["display_updates"]["bar"]["data"]["text/plain"] == "'100%'"
    live = stack.of(session, second, "update_display_data")[0]["data"]      # the page updates it live
    assert live["transient"] == {"display_id": "bar"}


def test_matplotlib_figure_arrives_as_png_display_data(stack, session):
    code = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"
    execution = stack.run(session, code)
    assert stack.finished(session, execution)["data"]["status"] == "ok"
    displays = stack.of(session, execution, "display_data")
    assert displays and displays[0]["data"]["data"]["image/png"].startswith("iVBORw0KGgo")


def test_record_task_reaches_the_platform_queue_with_the_run(stack, session):
    execution = stack.run(session, "print('hi')\n6 * 7", cell="cell-42")
    finished = stack.finished(session, execution)
    records = stack.records(execution)
    assert len(records) == 1
    record = records[0]
    assert record["task"] == "campfire.record_execution"
    assert record["session"] == session and record["cell"] == "cell-42"
    assert record["status"] == "ok" and record["seq"] >= 1
    assert record["execution_count"] == finished["data"]["execution_count"]
    assert record["outputs"] == [
        {"output_type": "stream", "name": "stdout", "text": "hi\n"},
        {"output_type": "execute_result", "metadata": {}, "data": {"text/plain": "42"},
         "execution_count": record["execution_count"]}]
    assert record["worker"] in {w.name for w in stack.workers}
    assert record["started"] <= record["finished"] and record["duration"] >= 0


def test_the_same_run_delivered_twice_runs_once(stack, session):
    stack.finished(session, stack.run(session, "count = 0"))
    execution = uuid.uuid4().hex
    seq = int(stack.redis.incr(stack.ns.session_seq(session)))
    payload = ExecuteRequest(execution=execution, session=session, cell="dup",
                             code="count += 1\nprint(count)", seq=seq).to_dict()
    for _ in range(2):  # as a broker redelivery would
        stack.app.send_task(TASK_EXECUTE, args=[payload], queue=stack.ns.pool_queue("cpu"),
                            task_id=execution)
    stack.finished(session, execution)
    check = stack.run(session, "print(count)")
    stack.finished(session, check)
    assert stack.of(session, check, "stream")[0]["data"]["text"] == "1\n"
    assert len(stack.of(session, execution, "started")) == 1
    assert len(stack.of(session, execution, "finished")) == 1


def test_redelivered_run_already_started_by_a_dead_worker_is_lost_not_rerun(stack, session):
    execution = uuid.uuid4().hex
    seq = int(stack.redis.incr(stack.ns.session_seq(session)))
    # What a worker SIGKILLed mid-run leaves behind: the start marker, no final marker.
    stack.redis.set(stack.ns.execution_start(execution), "ghost@gone", ex=600)
    payload = ExecuteRequest(execution=execution, session=session, cell="c",
                             code="print('ran again')", seq=seq).to_dict()
    stack.app.send_task(TASK_EXECUTE, args=[payload], queue=stack.ns.pool_queue("cpu"),
                        task_id=execution)
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "lost"
    assert stack.of(session, execution, "started") == []
    assert stack.records(execution)[0]["status"] == "lost"


def test_malformed_payload_is_dropped_and_the_worker_keeps_serving(stack, session):
    stack.app.send_task(TASK_EXECUTE, args=[{"execution": "x", "session": "../../etc"}],
                        queue=stack.ns.pool_queue("cpu"))
    stack.app.send_task(TASK_EXECUTE, args=["not a dict"], queue=stack.ns.pool_queue("cpu"))
    execution = stack.run(session, "1 + 1")
    assert stack.finished(session, execution)["data"]["status"] == "ok"


def test_registry_lists_live_workers_with_their_kernels(stack):
    from workers.protocol import list_workers

    workers = {w["name"]: w for w in list_workers(stack.redis, stack.ns)}
    assert set(workers) == {w.name for w in stack.workers}
    for info in workers.values():
        assert info["alive"] is True
        assert info["kernels"]["max"] == 6 and "warm" in info["kernels"]
        assert stack.ns.worker_queue(info["name"]) in info["queues"]
        assert time.time() - info["heartbeat"] < 5
        assert json.dumps(info)  # plain JSON for the staff page


def test_forged_iopub_messages_from_user_code_are_dropped(stack, session):
    code = '''
k = get_ipython().kernel
send = lambda kind, content: k.session.send(k.iopub_socket, kind, content, parent=k.get_parent())
send("display_data", "[1, 2]")
send("display_data", {"metadata": {}})
send("display_data", {"data": {"text/plain": "x"}, "metadata": {}, "transient": {"display_id": [1]}})
send("update_display_data", {"data": 5, "metadata": {}, "transient": {"display_id": "d"}})
send("execute_input", {"execution_count": "many", "code": ""})
send("stream", {"name": "stdout"})
print("still fine")
'''
    execution = stack.run(session, code)
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "ok" and finished["data"]["execution_count"] == 1
    record = stack.records(execution)[0]
    assert record["outputs"][-1] == {"output_type": "stream", "name": "stdout",
                                     "text": "still fine\n"}
    assert stack.printed(session, "print('next')") == "next\n"
