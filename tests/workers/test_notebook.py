"""workers.run_notebook: a whole notebook in a fresh kernel, streamed per cell, recorded whole."""
from __future__ import annotations

import uuid

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from workers.protocol import TASK_RUN_NOTEBOOK, Limits, NotebookRequest, cancel_notebook_run


def run_notebook(stack, session: str, nb, limits: Limits | None = None) -> str:
    execution = uuid.uuid4().hex
    request = NotebookRequest(execution=execution, session=session,
                              notebook=nbformat.from_dict(nb), limits=limits or Limits())
    stack.app.send_task(TASK_RUN_NOTEBOOK, args=[request.to_dict()],
                        queue=stack.ns.pool_queue("cpu"), task_id=execution)
    return execution


def notebook_end(stack, session: str, execution: str) -> dict:
    events = stack.wait_events(session, lambda evs: any(
        e["type"] == "finished" and e["cell"] is None for e in evs), timeout=60)
    return next(e for e in events if e["type"] == "finished" and e["cell"] is None
                and e["execution"] == execution)


def test_notebook_runs_and_reports_each_cell(stack):
    session = f"nb-{uuid.uuid4().hex[:8]}"
    nb = new_notebook(cells=[new_markdown_cell("# A tutorial"),
                             new_code_cell("x = 2\nprint('hello')"),
                             new_code_cell("x * 21")])
    execution = run_notebook(stack, session, nb)
    end = notebook_end(stack, session, execution)
    assert end["data"]["status"] == "ok" and end["data"]["scope"] == "notebook"
    code_ids = [c["id"] for c in nb.cells[1:]]
    streams = [e for e in stack.of(session, execution, "stream")]
    assert streams[0]["cell"] == code_ids[0] and streams[0]["data"]["text"] == "hello\n"
    per_cell = [(e["cell"], e["data"]["status"]) for e in stack.of(session, execution, "finished")
                if e["data"].get("scope") == "cell"]
    assert per_cell == [(code_ids[0], "ok"), (code_ids[1], "ok")]
    record = stack.records(execution)[0]
    assert record["task"] == "campfire.record_notebook_run" and record["status"] == "ok"
    assert [c["status"] for c in record["cells"]] == ["ok", "ok"]
    assert record["cells"][1]["outputs"][0]["data"]["text/plain"] == "42"
    executed = nbformat.from_dict(record["notebook"])
    nbformat.validate(executed)
    assert executed.cells[2].outputs[0]["data"]["text/plain"] == "42"


def test_failing_cell_is_reported_with_its_traceback_and_stops_the_run(stack):
    session = f"nb-{uuid.uuid4().hex[:8]}"
    nb = new_notebook(cells=[new_code_cell("print('before')"), new_code_cell("1 / 0"),
                             new_code_cell("print('never')")])
    execution = run_notebook(stack, session, nb)
    assert notebook_end(stack, session, execution)["data"]["status"] == "error"
    record = stack.records(execution)[0]
    assert record["status"] == "error"
    assert record["error"]["ename"] == "ZeroDivisionError"
    assert record["error"]["cell"] == nb.cells[1]["id"]
    assert "ZeroDivisionError" in record["error"]["traceback"]
    assert [c["status"] for c in record["cells"]] == ["ok", "error", "not_run"]
    error = record["cells"][1]["outputs"][0]
    assert error["output_type"] == "error" and error["traceback"]
    assert all(e["cell"] != nb.cells[2]["id"] for e in stack.events(session))


def test_invalid_notebook_is_an_error_not_a_crash(stack, session):
    bogus = {"cells": [{"cell_type": "code", "source": 42}], "metadata": {},
             "nbformat": 4, "nbformat_minor": 5}
    execution = uuid.uuid4().hex
    stack.app.send_task(TASK_RUN_NOTEBOOK, args=[{"execution": execution, "session": session,
                                                  "notebook": bogus}],
                        queue=stack.ns.pool_queue("cpu"), task_id=execution)
    end = notebook_end(stack, session, execution)
    assert end["data"]["status"] == "error" and "invalid notebook" in end["data"]["message"]
    assert stack.printed(session, "print('still serving')") == "still serving\n"


def test_a_redraw_loop_streams_its_clears_and_pauses_past_the_live_limit(stack):
    # the page sees each clear_output (before: only the outputs, so the frames piled up); past
    # 10 x the 20 kB keep limit live output pauses, and the cell's final outputs come at its end
    session = f"nb-{uuid.uuid4().hex[:8]}"
    nb = new_notebook(cells=[new_code_cell(
        "from IPython.display import display, clear_output\n"
        "for i in range(300):\n"
        "    clear_output(wait=True)\n"
        "    display(f'{i:03d} ' + 'x' * 1000)"), new_code_cell("print('next cell')")])
    execution = run_notebook(stack, session, nb, Limits(output_bytes=20_000))
    assert notebook_end(stack, session, execution)["data"]["status"] == "ok"
    first = nb.cells[0]["id"]
    events = [e for e in stack.of(session, execution) if e["cell"] == first]
    kinds = [e["type"] for e in events]
    assert 150 < kinds.count("clear_output") < 300 and 150 < kinds.count("display_data") < 300
    paused = [i for i, e in enumerate(events) if e["type"] == "stream" and "live output paused" in e["data"]["text"]]
    assert len(paused) == 1
    assert kinds[paused[0] + 1:] == ["clear_output", "display_data", "finished"]
    assert events[-2]["data"]["data"]["text/plain"].startswith("'299 ")
    record = stack.records(execution)[0]
    assert [o["data"]["text/plain"][:5] for o in record["cells"][0]["outputs"]] == ["'299 "]
    assert record["cells"][1]["outputs"][0]["text"] == "next cell\n"


def test_a_paused_cell_of_a_notebook_run_still_shows_a_snapshot_every_few_seconds(stack):
    session = f"nb-{uuid.uuid4().hex[:8]}"
    nb = new_notebook(cells=[new_code_cell(
        "import time\n"
        "from IPython.display import display, clear_output\n"
        "for i in range(260):\n"
        "    clear_output(wait=True)\n"
        "    display(f'{i:03d} ' + 'x' * 1000)\n"
        "    if i > 200:\n"
        "        time.sleep(0.12)")])
    execution = run_notebook(stack, session, nb, Limits(output_bytes=20_000))
    assert notebook_end(stack, session, execution)["data"]["status"] == "ok"
    events = [e for e in stack.of(session, execution) if e["cell"] == nb.cells[0]["id"]]
    paused = next(i for i, e in enumerate(events) if e["type"] == "stream" and "live output paused" in e["data"]["text"])
    after = events[paused + 1:]
    clears = [i for i, e in enumerate(after) if e["type"] == "clear_output"]
    assert len(clears) >= 2 and len(after) < 20, [e["type"] for e in after]
    assert 200 < int(after[clears[0] + 1]["data"]["data"]["text/plain"][1:4]) < 259
    assert after[-2]["data"]["data"]["text/plain"].startswith("'259 ") and after[-1]["type"] == "finished"


def _cancel(stack, execution: str) -> str:
    return cancel_notebook_run(stack.redis, stack.app.send_task, execution, ns=stack.ns)


def _looping_notebook(prelude: str = ""):
    return new_notebook(cells=[new_code_cell("print('first')"),
                               new_code_cell(prelude + "import time\nprint('looping', flush=True)\n"
                                             "while True:\n    time.sleep(0.05)"),
                               new_code_cell("print('never')")])


def _cancel_when_looping(stack, session, nb) -> str:
    execution = run_notebook(stack, session, nb)
    stack.wait_events(session, lambda evs: any(e["type"] == "stream" and "looping" in e["data"]["text"]
                                               for e in evs))
    assert _cancel(stack, execution) == "sent"
    return execution


def test_cancelling_a_run_interrupts_its_cell_and_skips_the_rest(stack, session):
    nb = _looping_notebook()
    execution = _cancel_when_looping(stack, session, nb)
    end = notebook_end(stack, session, execution)
    assert (end["data"]["status"], end["data"]["message"]) == ("interrupted", "cancelled while a cell ran")
    record = stack.records(execution)[0]
    assert record["status"] == "interrupted"
    assert [c["status"] for c in record["cells"]] == ["ok", "interrupted", "not_run"]
    assert record["error"]["ename"] == "KeyboardInterrupt" and record["error"]["cell"] == nb.cells[1]["id"]
    assert all(e["cell"] != nb.cells[2]["id"] for e in stack.of(session, execution))
    assert _cancel(stack, execution) == "ended"
    assert stack.printed(f"s-{uuid.uuid4().hex[:8]}", "print('still serving')") == "still serving\n"


def test_a_cell_that_ignores_the_interrupt_has_its_kernel_killed_after_the_grace(stack, session):
    nb = _looping_notebook("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n")
    execution = _cancel_when_looping(stack, session, nb)
    end = notebook_end(stack, session, execution)
    assert end["data"]["status"] == "interrupted"
    assert end["data"]["message"] == ("cancelled: the cell ignored the interrupt for 2 s, so its kernel was "
                                      "killed"), end["data"]
    cells = stack.records(execution)[0]["cells"]
    assert [c["status"] for c in cells] == ["ok", "interrupted", "not_run"]
    assert cells[1]["outputs"][0]["text"] == "looping\n"        # what it printed before it was killed


def test_a_run_cancelled_before_it_starts_never_runs(stack, session):
    nb = new_notebook(cells=[new_code_cell("print('never')")])
    execution = uuid.uuid4().hex
    assert _cancel(stack, execution) == "marked"
    request = NotebookRequest(execution=execution, session=session, notebook=nbformat.from_dict(nb))
    stack.app.send_task(TASK_RUN_NOTEBOOK, args=[request.to_dict()], queue=stack.ns.pool_queue("cpu"),
                        task_id=execution)
    end = notebook_end(stack, session, execution)
    assert (end["data"]["status"], end["data"]["message"]) == ("interrupted", "cancelled before it started")
    assert [e["type"] for e in stack.of(session, execution)] == ["finished"]
    record = stack.records(execution)[0]
    assert record["status"] == "interrupted" and record["cells"] == [] and record["notebook"] is None
