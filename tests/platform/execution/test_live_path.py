"""The whole path with real processes: HTTP run request -> platform -> broker -> worker -> kernel
-> Redis stream -> WebSocket, and worker -> record task -> platform worker -> stored outputs.

The worker-level behaviour (ordering across workers, limits, failures) is proven in tests/workers;
here each test proves that the platform carries it end to end."""

from tests.livestack import text

THREE_LINES = "import time\nfor i in range(3):\n    print(f'line {i}', flush=True)\n    time.sleep(0.5)"


def test_output_streams_to_the_websocket_before_the_cell_finishes(live):
    nb = live.notebook(THREE_LINES)
    listener = live.listen(nb)
    execution = live.run(nb)
    finished = listener.finished(execution)
    mine = listener.of(execution)
    first_line = next(i for i, m in enumerate(listener.messages) if m.get("execution") == execution and m["type"] == "stream")
    done = listener.messages.index(finished)
    # The first line arrived about a second before the end: streamed, not batched.
    assert listener.arrived[done] - listener.arrived[first_line] > 0.7
    assert mine[0]["type"] == "queued" and mine[0]["data"]["position"] == 0  # the platform's, at submission
    assert [m["type"] for m in mine if m["type"] in ("started", "finished")] == ["started", "finished"]
    assert text(mine) == "line 0\nline 1\nline 2\n"
    assert finished["data"]["status"] == "ok"

    detail = live.recorded(execution)
    assert (detail["status"], detail["execution_count"], detail["cell"]) == ("ok", 1, nb["cells"][0]["id"])
    assert detail["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "line 0\nline 1\nline 2\n"}]
    assert detail["started"] and detail["finished"] and 1.0 < detail["duration"] < 5
    # What a page reload gets: the stored outputs, in the notebook.
    cell = live.api("GET", f"/api/notebooks/{nb['id']}", expect=200)["cells"][0]
    assert cell["outputs"] == detail["outputs"] and cell["execution_count"] == 1
    listener.close()


def test_state_persists_within_a_session_and_never_crosses_sessions(live):
    one = live.notebook("x = 41", "x + 1")
    other = live.notebook("x")
    live.run(one, 0)
    result = live.recorded(live.run(one, 1))
    assert result["outputs"][0]["data"]["text/plain"] == "42" and result["execution_count"] == 2
    isolated = live.recorded(live.run(other))
    assert isolated["status"] == "error" and isolated["outputs"][0]["ename"] == "NameError"
    kernel = live.api("GET", f"/api/notebooks/{one['id']}/kernel", expect=200)
    assert kernel["state"] == "idle" and kernel["worker"]


def test_twenty_cells_sent_at_once_run_in_order(live):
    sources = ["order = []"] + [f"order.append({i})" for i in range(1, 19)] + ["print(order)"]
    nb = live.notebook(*sources)
    listener = live.listen(nb)
    runs = live.api("POST", f"/api/notebooks/{nb['id']}/run-all", {}, expect=202)["executions"]
    assert [r["cell"] for r in runs] == [c["id"] for c in nb["cells"]]
    last = listener.finished(runs[-1]["execution"], timeout=60)
    assert last["data"]["status"] == "ok"
    finished = [m for m in listener.events() if m["type"] == "finished"]
    assert [m["execution"] for m in finished] == [r["execution"] for r in runs]
    assert [m["data"]["execution_count"] for m in finished] == list(range(1, 21))
    assert text(listener.of(runs[-1]["execution"])) == f"{list(range(1, 19))}\n"
    stored = live.recorded(runs[-1]["execution"])
    assert stored["outputs"][0]["text"] == f"{list(range(1, 19))}\n"
    listener.close()


def test_a_run_waits_its_turn_and_reports_its_position(live):
    nb = live.notebook("import time; time.sleep(1.5)", "'second'")
    listener = live.listen(nb)
    first, second = live.run(nb, 0), live.run(nb, 1)
    listener.finished(second)
    queued = [m["data"] for m in listener.of(second, "queued") if "worker" not in m["data"]]
    assert queued == [{"seq": queued[0]["seq"], "position": 1}]
    first_end = listener.of(first, "finished")[0]
    second_start = listener.of(second, "started")[0]
    assert listener.messages.index(first_end) < listener.messages.index(second_start)
    listener.close()


def test_run_uses_the_editors_source_and_keeps_it(live):
    nb = live.notebook("print('saved')")
    execution = live.run(nb, source="print('typed, not saved')")
    detail = live.recorded(execution)
    assert detail["outputs"][0]["text"] == "typed, not saved\n"
    assert live.api("GET", f"/api/notebooks/{nb['id']}", expect=200)["cells"][0]["source"] == "print('saved')"


def test_matplotlib_figures_arrive_as_png(live):
    nb = live.notebook("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()")
    detail = live.recorded(live.run(nb), timeout=60)
    assert detail["status"] == "ok"
    images = [o for o in detail["outputs"] if o["output_type"] == "display_data" and "image/png" in o["data"]]
    assert len(images) == 1 and len(images[0]["data"]["image/png"]) > 1000


def test_saving_the_notebook_while_a_cell_runs_never_loses_its_outputs(live):
    """Outputs are not versioned content: an autosave during a run and the record after it
    touch different rows, and neither overwrites the other."""
    nb = live.notebook("import time\nprint('start', flush=True)\ntime.sleep(1)\nprint('end')")
    listener = live.listen(nb)
    execution = live.run(nb)
    listener.until(lambda ms: any(m["type"] == "stream" and m["execution"] == execution for m in ms))
    cell = nb["cells"][0]
    saved = live.api("PATCH", f"/api/notebooks/{nb['id']}", {"version": nb["version"], "cells": [
        {"id": cell["id"], "cell_type": "code", "source": cell["source"] + "\n# edited while running"}]}, expect=200)
    live.recorded(execution)
    after = live.api("GET", f"/api/notebooks/{nb['id']}", expect=200)
    assert after["version"] == saved["version"]  # storing outputs did not bump the version
    assert after["cells"][0]["source"].endswith("# edited while running")
    assert after["cells"][0]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "start\nend\n"}]
    listener.close()


def test_a_display_updated_by_a_later_cell_is_stored_updated(live):
    """What a Jupyter front end saves: the earlier cell shows the update, after a reload too."""
    nb = live.notebook("from IPython.display import display\nh = display('0%', display_id=True)", "h.update('100%')")
    live.recorded(live.run(nb, 0))
    live.recorded(live.run(nb, 1))
    cells = live.api("GET", f"/api/notebooks/{nb['id']}", expect=200)["cells"]
    assert cells[0]["outputs"] == [{"output_type": "display_data", "data": {"text/plain": "'100%'"}, "metadata": {}}]
    assert cells[1]["outputs"] == []
    exported = live.api("GET", f"/api/notebooks/{nb['id']}/ipynb", expect=200)
    assert exported["cells"][0]["outputs"][0]["data"]["text/plain"] == ["'100%'"]    # nbformat splits lines
