"""Interrupt, restart, limits and failures, end to end through the API and the WebSocket."""

import time

from tests.livestack import text


def test_interrupt_stops_an_endless_loop_within_two_seconds_and_drops_queued_cells(live):
    nb = live.notebook("while True: pass", "print('never')", "1 + 1")
    listener = live.listen(nb)
    looping, queued = live.run(nb, 0), live.run(nb, 1)
    listener.until(lambda ms: any(m["type"] == "started" and m["execution"] == looping for m in ms))
    began = time.monotonic()
    kernel = live.api("POST", f"/api/notebooks/{nb['id']}/interrupt", {}, expect=202)
    assert kernel["session"]
    stopped = listener.finished(looping, timeout=5)
    assert time.monotonic() - began < 2.0
    assert stopped["data"]["status"] == "interrupted"
    assert listener.finished(queued)["data"]["status"] == "interrupted"
    assert live.recorded(queued)["message"].startswith("not run")
    assert live.recorded(live.run(nb, 2))["outputs"][0]["data"]["text/plain"] == "2"  # the kernel kept going
    listener.close()


def test_restart_clears_state(live):
    nb = live.notebook("y = 5", "y")
    live.recorded(live.run(nb, 0))
    listener = live.listen(nb)
    live.api("POST", f"/api/notebooks/{nb['id']}/restart", {}, expect=202)
    listener.until(lambda ms: [m["data"].get("state") for m in ms if m["type"] == "kernel"][-2:] == ["restarted", "ready"])
    after = live.recorded(live.run(nb, 1))
    assert after["status"] == "error" and after["outputs"][0]["ename"] == "NameError"
    listener.close()


def test_restart_and_run_all_runs_the_notebook_from_the_top_on_a_new_kernel(live):
    nb = live.notebook("count = globals().get('count', 0) + 1", "import time\nwhile True: time.sleep(0.05)", "count")
    live.recorded(live.run(nb, 0))
    live.recorded(live.run(nb, 0))                          # count is 2 in this kernel
    listener = live.listen(nb)
    stuck = live.run(nb, 1)
    listener.until(lambda ms: any(m["type"] == "started" and m["execution"] == stuck for m in ms))
    body = {"cells": [nb["cells"][0]["id"], nb["cells"][2]["id"]], "restart": True}
    runs = live.api("POST", f"/api/notebooks/{nb['id']}/run-all", body, expect=202)["executions"]
    assert listener.finished(stuck, timeout=15)["data"]["status"] == "interrupted"
    assert [live.recorded(r["execution"])["status"] for r in runs] == ["ok", "ok"]
    assert live.recorded(runs[1]["execution"])["outputs"][0]["data"]["text/plain"] == "1"   # not 3: a new kernel
    assert live.recorded(runs[0]["execution"])["execution_count"] == 1
    listener.close()


def test_the_cell_time_limit_fires(live, live_stack):
    limit = float(live_stack.env["CAMPFIRE_CELL_TIMEOUT"])
    nb = live.notebook("import time\ntime.sleep(120)")
    began = time.monotonic()
    detail = live.recorded(live.run(nb), timeout=limit + 30)
    assert detail["status"] == "timed_out" and limit <= time.monotonic() - began < limit + 15
    assert detail["message"]


def test_the_output_cap_truncates_a_100_mb_print_and_the_kernel_stays_usable(live):
    nb = live.notebook("print('x' * 100_000_000)", "'still here'")
    listener = live.listen(nb)
    execution = live.run(nb, 0)
    finished = listener.finished(execution, timeout=90)
    assert finished["data"]["status"] == "ok" and finished["data"]["truncated"] is True
    assert 4_000_000 < len(text(listener.of(execution))) <= 5_000_000
    assert "output truncated: the cell printed more than" in text(listener.of(execution), "stderr")
    detail = live.recorded(execution)
    assert detail["truncated"] is True and sum(len(str(o)) for o in detail["outputs"]) < 6_000_000
    assert live.recorded(live.run(nb, 1))["outputs"][0]["data"]["text/plain"] == "'still here'"
    listener.close()


def test_a_killed_kernel_is_reported_as_dead_and_the_next_run_gets_a_fresh_one(live):
    nb = live.notebook("z = 1", "import os; os.kill(os.getpid(), 9)", "z")
    live.recorded(live.run(nb, 0))
    listener = live.listen(nb)
    died = live.recorded(live.run(nb, 1))
    assert died["status"] == "kernel_died" and "kernel died" in died["message"]
    listener.until(lambda ms: any(m["type"] == "kernel" and m["data"]["state"] == "died" for m in ms))
    fresh = live.recorded(live.run(nb, 2))
    assert fresh["status"] == "error" and fresh["outputs"][0]["ename"] == "NameError"
    assert live.api("GET", f"/api/notebooks/{nb['id']}/kernel", expect=200)["state"] == "idle"
    listener.close()


def test_a_worker_killed_mid_run_ends_the_run_as_lost_never_running_forever(live, live_stack):
    """Which: lost (not re-run). The run's kernel died with its worker; a surviving worker's
    sweeper reports it lost within its heartbeat TTL, the record reaches the database, and the
    notebook's next run gets a fresh kernel on the surviving worker."""
    spare = live_stack.add_worker(wait=True)
    nb = live.notebook("print('before', flush=True)\nimport time\ntime.sleep(60)", "'after'")
    listener = live.listen(nb)
    execution = live.run(nb, 0)
    listener.until(lambda ms: any(m["type"] == "stream" and m["execution"] == execution for m in ms))
    owner = next(m["data"]["worker"] for m in listener.messages if m["type"] == "kernel" and m["data"]["state"] == "ready")
    assert owner in live_stack.workers and spare in live_stack.workers
    assert live.api("GET", f"/api/executions/{execution}", expect=200)["status"] == "running"
    killed_at = time.monotonic()
    live_stack.kill_worker(owner)
    lost = listener.finished(execution, timeout=30)
    assert lost["data"]["status"] == "lost" and time.monotonic() - killed_at < 20
    detail = live.recorded(execution)
    assert detail["status"] == "lost" and "worker" in detail["message"]
    assert detail["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "before\n"}]  # what the user saw
    assert live.recorded(live.run(nb, 1))["outputs"][0]["data"]["text/plain"] == "'after'"
    listener.close()


def test_deleting_a_notebook_shuts_its_kernel_down(live, live_stack):
    """Not left holding a pool slot until idle culling: the delete's commit sends shutdown."""
    nb = live.notebook("import time\ntime.sleep(60)")
    listener = live.listen(nb)
    execution = live.run(nb)
    listener.until(lambda ms: any(m["type"] == "started" and m["execution"] == execution for m in ms))
    session = live.api("GET", f"/api/notebooks/{nb['id']}/kernel", expect=200)["session"]
    live.api("DELETE", f"/api/notebooks/{nb['id']}", expect=204)
    deadline = time.monotonic() + 15
    while not any(e["type"] == "kernel" and e["data"].get("state") == "shutdown" for e in live_stack.events(session)):
        assert time.monotonic() < deadline, [e["type"] for e in live_stack.events(session)][-10:]
        time.sleep(0.2)
    finished = [e for e in live_stack.events(session) if e["type"] == "finished" and e["execution"] == execution]
    assert finished and finished[-1]["data"]["status"] == "interrupted"  # the sleeping cell did not run on
    listener.close()
