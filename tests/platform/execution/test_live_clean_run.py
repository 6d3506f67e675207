"""Clean runs (the whole saved notebook in a fresh kernel of its own) end to end: the API, the
run's own WebSocket, cancelling, and what is stored."""

from tests.livestack import text


def _start(live, nb) -> dict:
    return live.api("POST", f"/api/notebooks/{nb['id']}/clean-runs", {}, expect=202)


def _end(listener, timeout: float = 60) -> dict:
    """The run's own `finished` (cell None), after each cell's."""
    done = lambda ms: [m for m in ms if m["type"] == "finished" and m.get("cell") is None and "id" in m]  # noqa: E731
    return done(listener.until(done, timeout=timeout))[0]


def test_a_clean_run_runs_every_cell_on_its_own_kernel_and_stores_the_outputs(live):
    nb = live.notebook("x = 6", "print(x * 7)", "y = globals().get('live_only', 'absent')\ny")
    live.recorded(live.run(nb, 0, source="live_only = 'from the live kernel'"))
    run = _start(live, nb)
    assert (run["kind"], run["status"], run["cell"]) == ("notebook", "queued", None)
    listener = live.listen_run(run["id"])
    end = _end(listener)
    assert (end["data"]["status"], end["data"]["scope"]) == ("ok", "notebook")
    assert text(listener.events()) == "42\n"
    ids = [c["id"] for c in nb["cells"]]
    per_cell = [(m["cell"], m["data"]["status"]) for m in listener.events() if m["type"] == "finished" and m["cell"]]
    assert per_cell == [(ids[0], "ok"), (ids[1], "ok"), (ids[2], "ok")]
    listener.close()
    detail = live.recorded(run["id"])
    assert detail["status"] == "ok" and [c["status"] for c in detail["outputs"]] == ["ok", "ok", "ok"]
    assert detail["outputs"][2]["outputs"][0]["data"]["text/plain"] == "'absent'"   # not the live kernel's state
    stored = live.api("GET", f"/api/notebooks/{nb['id']}", expect=200)["cells"]
    assert stored[1]["outputs"][0]["text"] == "42\n" and stored[1]["execution_count"] == 2
    listed = live.api("GET", f"/api/notebooks/{nb['id']}/clean-runs", expect=200)
    assert [r["id"] for r in listed] == [run["id"]] and listed[0]["status"] == "ok"
    assert live.api("POST", f"/api/executions/{run['id']}/cancel", {}, expect=409)["execution"]["status"] == "ok"


def test_cancelling_a_clean_run_interrupts_it_and_the_rest_does_not_run(live):
    nb = live.notebook("print('first')", "import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.05)", "print('never')")
    run = _start(live, nb)
    conflict = live.api("POST", f"/api/notebooks/{nb['id']}/clean-runs", {}, expect=409)
    assert "already" in conflict["detail"] and conflict["execution"]["id"] == run["id"]
    listener = live.listen_run(run["id"])
    listener.until(lambda ms: "looping" in text(ms), timeout=60)
    assert live.api("GET", f"/api/executions/{run['id']}", expect=200)["status"] == "running"
    live.api("POST", f"/api/executions/{run['id']}/cancel", {}, expect=202)
    assert _end(listener, timeout=15)["data"]["status"] == "interrupted"
    assert "never" not in text(listener.events())
    listener.close()
    detail = live.recorded(run["id"])
    assert detail["status"] == "interrupted" and detail["message"] == "cancelled while a cell ran"
    assert [c["status"] for c in detail["outputs"]] == ["ok", "interrupted", "not_run"]
    again = _start(live, nb)                                 # the next one may start; stopped at once
    live.api("POST", f"/api/executions/{again['id']}/cancel", {}, expect=202)
    assert live.recorded(again["id"])["status"] == "interrupted"
