"""The record tasks: idempotent by execution id, never letting an older run overwrite a newer
one's outputs, and calm about cells and notebooks that are gone."""

import logging
import uuid

import pytest

from campfire.execution import services, tasks
from campfire.execution.models import Execution
from campfire.notebooks import services as notebook_services
from campfire.notebooks.models import CellOutput

pytestmark = pytest.mark.django_db

OUT = {"output_type": "stream", "name": "stdout", "text": "hello\n"}


@pytest.fixture
def nb(alice):
    return notebook_services.notebook_create(owner=alice, title="Records", cells=[{"id": "a", "cell_type": "code", "source": "print('hello')"}])


@pytest.fixture
def make_execution(nb, alice):
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)

    def make(cell="a"):
        return Execution.objects.create(notebook=nb, session=session, user=alice, cell_id=cell, code="print('hello')")

    return make


def record(execution, seq=1, status="ok", outputs=(OUT,), count=1, **extra):
    return {
        "execution": str(execution.id), "session": str(execution.session_id), "cell": execution.cell_id, "seq": seq,
        "status": status, "outputs": list(outputs), "execution_count": count,
        "started": "2026-11-26T10:00:00+00:00", "finished": "2026-11-26T10:00:01.5+00:00", "duration": 1.5,
        "worker": "cpu@host", "message": "", "truncated": False, **extra,
    }


def stored(nb, cell="a"):
    row = CellOutput.objects.filter(notebook=nb, cell_id=cell).first()
    return (row.outputs, row.execution_count) if row else None


def test_a_record_stores_the_outputs_in_the_notebook_and_the_execution(nb, make_execution):
    execution = make_execution()
    assert tasks.record_execution(record(execution)) == "stored"
    execution.refresh_from_db()
    assert (execution.status, execution.execution_count, execution.duration, execution.worker, execution.seq) == ("ok", 1, 1.5, "cpu@host", 1)
    assert execution.started.isoformat() == "2026-11-26T10:00:00+00:00" and execution.outputs == [OUT]
    assert execution.outputs_stored and stored(nb) == ([OUT], 1)
    assert nb.version == type(nb).objects.get(pk=nb.pk).version  # outputs never touch the content version


def test_a_duplicate_record_changes_nothing(nb, make_execution):
    execution = make_execution()
    services.execution_record(payload=record(execution))
    CellOutput.objects.filter(notebook=nb).update(outputs=[{"output_type": "stream", "name": "stdout", "text": "later edit\n"}])
    before = Execution.objects.filter(pk=execution.pk).values().get()
    assert services.execution_record(payload=record(execution, outputs=[], count=9)) == "duplicate"
    assert Execution.objects.filter(pk=execution.pk).values().get() == before
    assert stored(nb)[0][0]["text"] == "later edit\n"


def test_a_duplicate_with_another_status_is_logged_and_ignored(nb, make_execution, caplog):
    execution = make_execution()
    services.execution_record(payload=record(execution))
    with caplog.at_level(logging.WARNING, logger="campfire.execution"):
        assert services.execution_record(payload=record(execution, status="lost")) == "duplicate"
    assert Execution.objects.get(pk=execution.pk).status == "ok"
    assert "record.conflicting_duplicate" in caplog.text and "received=lost" in caplog.text


def test_an_older_record_arriving_late_does_not_overwrite_a_newer_ones_outputs(nb, make_execution):
    older, newer = make_execution(), make_execution()
    services.execution_record(payload=record(newer, seq=2, outputs=[{"output_type": "stream", "name": "stdout", "text": "new\n"}], count=2))
    assert services.execution_record(payload=record(older, seq=1, count=1)) == "stored"
    assert stored(nb) == ([{"output_type": "stream", "name": "stdout", "text": "new\n"}], 2)
    older.refresh_from_db()
    assert older.status == "ok" and older.outputs == [OUT] and not older.outputs_stored


def test_records_in_order_each_replace_the_cells_outputs(nb, make_execution):
    first, second = make_execution(), make_execution()
    services.execution_record(payload=record(first, seq=1, count=1))
    services.execution_record(payload=record(second, seq=2, outputs=[], count=2))
    assert stored(nb) == ([], 2)


def test_a_run_that_never_started_keeps_the_cells_previous_outputs(nb, make_execution):
    done, cancelled = make_execution(), make_execution()
    services.execution_record(payload=record(done, seq=1))
    payload = record(cancelled, seq=2, status="interrupted", outputs=[], count=None, started=None,
                     message="not run: the session was interrupted before this cell started")
    assert services.execution_record(payload=payload) == "stored"
    assert stored(nb) == ([OUT], 1)
    cancelled.refresh_from_db()
    assert cancelled.status == "interrupted" and cancelled.message.startswith("not run")


def test_a_record_for_a_deleted_cell_is_kept_on_the_execution_only(nb, make_execution):
    execution = make_execution()
    notebook_services.notebook_update(notebook=nb, version=nb.version, cells=[{"id": "z", "cell_type": "code", "source": ""}])
    assert services.execution_record(payload=record(execution)) == "stored"
    execution.refresh_from_db()
    assert execution.outputs == [OUT] and execution.status == "ok" and not execution.outputs_stored
    assert not CellOutput.objects.filter(notebook=nb).exists()


def test_a_record_for_a_deleted_notebook_logs_and_returns(nb, make_execution, caplog):
    execution = make_execution()
    payload = record(execution)
    notebook_services.notebook_delete(notebook=nb)
    with caplog.at_level(logging.WARNING, logger="campfire.execution"):
        assert tasks.record_execution(payload) == "unknown"
    assert f"record.unknown_execution execution={execution.id}" in caplog.text


def test_display_ids_are_not_stored(nb, make_execution):
    execution = make_execution()
    shown = {"output_type": "display_data", "data": {"text/plain": "50%"}, "metadata": {}, "transient": {"display_id": "bar"}}
    services.execution_record(payload=record(execution, outputs=[shown]))
    assert stored(nb)[0] == [{"output_type": "display_data", "data": {"text/plain": "50%"}, "metadata": {}}]


def _display(text):
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


def test_a_later_cells_display_update_changes_the_earlier_cells_stored_output(alice):
    nb = notebook_services.notebook_create(owner=alice, title="Displays", cells=[
        {"id": "a", "cell_type": "code", "source": "h = display('0%', display_id=True)"},
        {"id": "b", "cell_type": "code", "source": "h.update('100%')"}])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)
    run_a, run_b = (Execution.objects.create(notebook=nb, session=session, user=alice, cell_id=c, code="") for c in "ab")
    line = {"output_type": "stream", "name": "stdout", "text": "x\n"}
    services.execution_record(payload=record(run_a, outputs=[line, _display("0%")], displays={"d1": [1], "bad": [7, "x"]}))
    assert CellOutput.objects.get(notebook=nb, cell_id="a").displays == {"d1": [1], "bad": []}
    update = {**_display("100%"), "metadata": {"note": 1}, "transient": {"display_id": "d1"}}
    assert tasks.record_execution(record(run_b, seq=2, outputs=[], display_updates={"d1": update, "gone": _display("?")})) == "stored"
    outputs, _ = stored(nb, "a")
    assert outputs == [line, {"output_type": "display_data", "data": {"text/plain": "100%"}, "metadata": {"note": 1}}]
    assert stored(nb, "b") == ([], 1)


def test_a_display_update_recorded_before_the_displays_own_record_is_applied_when_it_arrives(alice):
    # the kernel ran a (shows d1), b (updates d1 to 50%), c (shows its own d1 afresh), d (updates d1 to 100%);
    # the records arrive b, d, c, a: a gets b's then d's update, c keeps d's, and nothing goes backwards
    nb = notebook_services.notebook_create(owner=alice, title="Displays", cells=[
        {"id": c, "cell_type": "code", "source": ""} for c in "abcd"])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)
    run = {c: Execution.objects.create(notebook=nb, session=session, user=alice, cell_id=c, code="") for c in "abcd"}
    update = lambda text: {**_display(text), "transient": {"display_id": "d1"}}  # noqa: E731
    services.execution_record(payload=record(run["b"], seq=2, outputs=[], display_updates={"d1": update("50%")}))
    services.execution_record(payload=record(run["d"], seq=4, outputs=[], display_updates={"d1": update("100%")}))
    assert Execution.objects.get(pk=run["d"].pk).display_updates == {"d1": _display("100%")}
    services.execution_record(payload=record(run["c"], seq=3, outputs=[_display("fresh")], displays={"d1": [0]}))
    assert stored(nb, "c")[0] == [_display("100%")]
    services.execution_record(payload=record(run["a"], seq=1, outputs=[OUT, _display("0%")], displays={"d1": [1]}))
    assert stored(nb, "a")[0] == [OUT, _display("100%")]
    assert stored(nb, "c")[0] == [_display("100%")]


def test_an_update_recorded_earlier_but_run_before_the_display_is_not_applied(alice):
    nb = notebook_services.notebook_create(owner=alice, title="Displays", cells=[
        {"id": c, "cell_type": "code", "source": ""} for c in "ab"])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)
    run_a, run_b = (Execution.objects.create(notebook=nb, session=session, user=alice, cell_id=c, code="") for c in "ab")
    services.execution_record(payload=record(run_a, seq=1, outputs=[], display_updates={"d1": _display("old")}))
    services.execution_record(payload=record(run_b, seq=2, outputs=[_display("new")], displays={"d1": [0]}))
    assert stored(nb, "b")[0] == [_display("new")]


@pytest.mark.parametrize("updates", [{"d1": "text"}, {"d1": {"data": "x"}}, {"": _display("x")}, {"d1": {"data": {}, "metadata": []}},
                                     {"x" * 201: _display("x")}])
def test_malformed_display_updates_change_nothing(alice, updates):
    nb = notebook_services.notebook_create(owner=alice, title="Displays", cells=[
        {"id": "a", "cell_type": "code", "source": ""}, {"id": "b", "cell_type": "code", "source": ""}])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)
    run_a, run_b = (Execution.objects.create(notebook=nb, session=session, user=alice, cell_id=c, code="") for c in "ab")
    services.execution_record(payload=record(run_a, outputs=[_display("kept")], displays={"d1": [0], "x" * 201: [0]}))
    assert services.execution_record(payload=record(run_b, seq=2, outputs=[], display_updates=updates)) == "stored"
    assert stored(nb, "a")[0] == [_display("kept")] and stored(nb, "b") == ([], 1)


def test_display_fields_that_are_not_objects_make_the_record_invalid(nb, make_execution):
    assert services.execution_record(payload=record(make_execution(), display_updates=["d1"])) == "invalid"


@pytest.mark.parametrize(
    "payload",
    [
        "not a dict",
        {"execution": "x"},
        {"execution": "bad id!", "session": "s", "cell": "a", "seq": 1, "status": "ok", "outputs": [], "execution_count": 1,
         "started": None, "finished": "2026-11-26T10:00:00+00:00", "duration": None, "worker": "w"},
        {"execution": str(uuid.uuid4()), "session": "s", "cell": "a", "seq": 1, "status": "running", "outputs": [],
         "execution_count": 1, "started": None, "finished": "2026-11-26T10:00:00+00:00", "duration": None, "worker": "w"},
    ],
)
def test_malformed_records_are_logged_and_dropped(payload, caplog):
    with caplog.at_level(logging.ERROR, logger="campfire.execution"):
        assert services.execution_record(payload=payload) == "invalid"
    assert "record.invalid" in caplog.text


def test_a_record_with_an_unknown_id_is_logged(caplog):
    payload = {"execution": str(uuid.uuid4()), "session": "s", "cell": "a", "seq": 1, "status": "ok", "outputs": [],
               "execution_count": 1, "started": None, "finished": "2026-11-26T10:00:00+00:00", "duration": None, "worker": "w"}
    with caplog.at_level(logging.WARNING, logger="campfire.execution"):
        assert services.execution_record(payload=payload) == "unknown"


def test_a_whole_notebook_run_stores_each_cell(nb, alice):
    notebook_services.notebook_update(notebook=nb, version=nb.version, cells=[
        {"id": "a", "cell_type": "code", "source": "1/0"}, {"id": "b", "cell_type": "code", "source": "2"}])
    nb.refresh_from_db()
    execution = Execution.objects.create(notebook=nb, session=services.kernel_session_get_or_create(notebook=nb, user=alice), user=alice, kind="notebook")
    error = {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": ["..."]}
    payload = {
        "execution": str(execution.id), "session": f"run-{execution.id}", "status": "error", "notebook": None,
        "cells": [{"cell": "a", "status": "error", "execution_count": 1, "outputs": [error]},
                  {"cell": "b", "status": "not_run", "execution_count": None, "outputs": []}],
        "started": "2026-11-26T10:00:00+00:00", "finished": "2026-11-26T10:00:02+00:00", "duration": 2.0, "worker": "cpu@h",
        "message": "ZeroDivisionError: division by zero",
        "error": {"cell": "a", "ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": "..."},
    }
    assert tasks.record_notebook_run(payload) == "stored"
    assert tasks.record_notebook_run(payload) == "duplicate"
    execution.refresh_from_db()
    assert execution.status == "error" and execution.message == "ZeroDivisionError: division by zero"
    assert [c["status"] for c in execution.outputs] == ["error", "not_run"]
    assert stored(nb, "a") == ([error], 1) and stored(nb, "b") is None


def _clean_run(nb, alice, text, count=1):
    execution = Execution.objects.create(notebook=nb, session=services.kernel_session_get_or_create(notebook=nb, user=alice), user=alice, kind="notebook")
    payload = {
        "execution": str(execution.id), "session": f"run-{execution.id}", "status": "ok", "notebook": None,
        "cells": [{"cell": "a", "status": "ok", "execution_count": count, "outputs": [{**OUT, "text": text}]}],
        "started": None, "finished": "2026-11-26T10:00:02+00:00", "duration": 2.0, "worker": "cpu@h", "message": "",
    }
    return execution, payload


def test_clean_runs_and_cell_runs_keep_the_newest_requests_outputs_whatever_order_records_arrive(nb, alice, make_execution):
    before = make_execution()                               # a cell run requested before the clean run
    clean, payload = _clean_run(nb, alice, "clean\n")
    after = make_execution()                                # and one requested after it
    assert services.notebook_run_record(payload=payload) == "stored"
    assert stored(nb)[0][0]["text"] == "clean\n" and Execution.objects.get(pk=clean.pk).outputs[0]["stored"] is True
    services.execution_record(payload=record(before, seq=1, outputs=[{**OUT, "text": "before\n"}]))
    assert stored(nb)[0][0]["text"] == "clean\n"            # older than the clean run: not shown
    services.execution_record(payload=record(after, seq=2, outputs=[{**OUT, "text": "after\n"}], count=2))
    assert stored(nb) == ([{**OUT, "text": "after\n"}], 2)
    late_clean, late_payload = _clean_run(nb, alice, "late clean\n")
    Execution.objects.filter(pk=late_clean.pk).update(requested=before.requested)   # requested before `after`
    assert services.notebook_run_record(payload=late_payload) == "stored"
    assert stored(nb)[0][0]["text"] == "after\n" and "stored" not in Execution.objects.get(pk=late_clean.pk).outputs[0]
