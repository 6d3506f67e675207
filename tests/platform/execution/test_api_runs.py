"""The run API in-process, without workers: what is created, what is sent (read back from the
real broker queue), and who may do it. The end-to-end path with workers is in test_live_*."""

import pytest

from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import Execution, KernelSession
from campfire.notebooks import services as notebook_services
from workers import protocol

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def nb(alice):
    return notebook_services.notebook_create(
        owner=alice,
        title="Runs",
        cells=[
            {"id": "a", "cell_type": "code", "source": "x = 1"},
            {"id": "md", "cell_type": "markdown", "source": "# between"},
            {"id": "b", "cell_type": "code", "source": "x + 1"},
            {"id": "c", "cell_type": "code", "source": "print(x)"},
        ],
    )


def run_url(nb, cell):
    return f"/api/notebooks/{nb.id}/cells/{cell}/run"


def test_run_creates_a_queued_execution_and_sends_it_by_name(alice_api, nb, sent):
    response = alice_api.post(run_url(nb, "a"), {})
    assert response.status_code == 202, response.content
    body = response.json()
    execution = Execution.objects.get(pk=body["execution"])
    assert (execution.status, execution.cell_id, execution.code, execution.user.username) == ("queued", "a", "x = 1", "alice")
    assert body == {"execution": str(execution.id), "cell": "a", "status": "queued", "session": str(execution.session_id)}
    [(task, payload)] = sent("cpu")
    assert task == protocol.TASK_EXECUTE
    assert payload["execution"] == str(execution.id) and payload["session"] == str(execution.session_id)
    assert (payload["cell"], payload["code"], payload["seq"]) == ("a", "x = 1", 1)
    assert KernelSession.objects.get(pk=execution.session_id).state == "starting"


def test_the_platform_announces_the_run_with_its_queue_position(alice_api, nb):
    first = alice_api.post(run_url(nb, "a"), {}).json()
    second = alice_api.post(run_url(nb, "b"), {}).json()
    events = protocol.read_events(redis_client(), first["session"], ns=namespace())
    queued = [(e["execution"], e["cell"], e["type"], e["data"]) for e in events]
    assert queued == [
        (first["execution"], "a", "queued", {"seq": 1, "position": 0}),
        (second["execution"], "b", "queued", {"seq": 2, "position": 1}),
    ]


def test_a_request_without_a_body_runs_the_saved_source(alice_api, nb, sent):
    response = alice_api.client.post(run_url(nb, "c"), data=b"", content_type="application/json", headers=alice_api.headers)
    assert response.status_code == 202, response.content
    assert sent("cpu")[0][1]["code"] == "print(x)"


def test_run_uses_the_source_sent_by_the_editor(alice_api, nb, sent):
    response = alice_api.post(run_url(nb, "a"), {"source": "x = 2  # unsaved edit"})
    assert response.status_code == 202
    assert Execution.objects.get(pk=response.json()["execution"]).code == "x = 2  # unsaved edit"
    assert sent("cpu")[0][1]["code"] == "x = 2  # unsaved edit"


def test_run_all_sends_every_code_cell_in_order(alice_api, nb, sent):
    response = alice_api.post(f"/api/notebooks/{nb.id}/run-all", {})
    assert response.status_code == 202
    cells = [e["cell"] for e in response.json()["executions"]]
    assert cells == ["a", "b", "c"]
    assert [(p["cell"], p["seq"]) for _, p in sent("cpu")] == [("a", 1), ("b", 2), ("c", 3)]


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"cells": ["c", "a"]}, ["c", "a"]),
        ({"from": "md"}, ["b", "c"]),
        ({"to": "b"}, ["a", "b"]),
        ({"from": "b", "to": "b"}, ["b"]),
        ({"cells": ["b"], "sources": {"b": "x * 10"}}, ["b"]),
    ],
)
def test_run_above_below_and_lists(alice_api, nb, sent, body, expected):
    response = alice_api.post(f"/api/notebooks/{nb.id}/run-all", body)
    assert response.status_code == 202, response.content
    assert [e["cell"] for e in response.json()["executions"]] == expected
    if "sources" in body:
        assert sent("cpu")[0][1]["code"] == "x * 10"


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"cells": ["a", "a"]}, 400, "once"),
        ({"cells": ["md"]}, 400, "markdown cell"),
        ({"cells": ["nope"]}, 404, "save it first"),
        ({"from": "nope"}, 404, "from"),
        ({"from": "c", "to": "a"}, 400, "no code cells"),
        ({"cells": ["a"], "sources": {"b": "1"}}, 400, "not among"),
        ({"cells": "a"}, 400, "cells"),
        ({"cells": ["a"], "sources": {"a": "x" * 1_000_001}}, 400, "at most 1,000,000 run at once"),
    ],
)
def test_bad_run_requests_say_what_is_wrong(alice_api, nb, sent, body, status, words):
    response = alice_api.post(f"/api/notebooks/{nb.id}/run-all", body)
    assert response.status_code == status, response.content
    assert words in response.json()["detail"]
    assert not Execution.objects.exists() and sent("cpu") == []


def test_a_markdown_cell_does_not_run(alice_api, nb):
    response = alice_api.post(run_url(nb, "md"), {})
    assert response.status_code == 400 and "only code cells run" in response.json()["detail"]


def test_others_cannot_run_or_read(alice_api, bob_api, anon_api, nb, sent):
    assert bob_api.post(run_url(nb, "a"), {}).status_code == 404
    assert anon_api.post(run_url(nb, "a"), {}).status_code == 401
    assert bob_api.post(f"/api/notebooks/{nb.id}/interrupt", {}).status_code == 404
    execution = alice_api.post(run_url(nb, "a"), {}).json()["execution"]
    assert bob_api.get(f"/api/executions/{execution}").status_code == 404
    assert alice_api.get(f"/api/executions/{execution}").status_code == 200
    assert alice_api.get("/api/executions/not-a-uuid").status_code == 404
    assert len(sent("cpu")) == 1


def test_a_public_notebook_is_readable_but_not_runnable_by_others(alice_api, bob_api, nb):
    nb.visibility = "public"
    nb.save()
    response = bob_api.post(run_url(nb, "a"), {})
    assert response.status_code == 403 and "owner" in response.json()["detail"]


def test_execution_detail_while_queued(alice_api, nb):
    execution = alice_api.post(run_url(nb, "b"), {}).json()["execution"]
    detail = alice_api.get(f"/api/executions/{execution}").json()
    assert detail["status"] == "queued" and detail["outputs"] == [] and detail["recorded"] is False
    assert detail["cell"] == "b" and detail["started"] is None and detail["finished"] is None


def test_execution_detail_reads_a_workers_markers_before_the_record_arrives(alice_api, nb):
    """A run a worker started shows as running; one it finished shows its final record."""
    execution = alice_api.post(run_url(nb, "b"), {}).json()["execution"]
    client, ns = redis_client(), namespace()
    client.set(ns.execution_start(execution), "cpu@host")
    assert alice_api.get(f"/api/executions/{execution}").json()["status"] == "running"
    record = {"execution": execution, "status": "ok", "outputs": [{"output_type": "execute_result", "data": {"text/plain": "2"}, "metadata": {}, "execution_count": 3}], "execution_count": 3}
    client.set(ns.execution_final(execution), '{"task": "campfire.record_execution", "payload": %s}' % __import__("json").dumps(record))
    detail = alice_api.get(f"/api/executions/{execution}").json()
    assert (detail["status"], detail["execution_count"], detail["recorded"]) == ("ok", 3, False)
    assert detail["outputs"][0]["data"] == {"text/plain": "2"}


def test_kernel_commands_are_sent_to_the_session_and_cancel_what_is_queued(alice_api, nb, sent):
    alice_api.post(f"/api/notebooks/{nb.id}/run-all", {})
    for command, task in (("interrupt", protocol.TASK_INTERRUPT), ("restart", protocol.TASK_RESTART), ("shutdown", protocol.TASK_SHUTDOWN)):
        response = alice_api.post(f"/api/notebooks/{nb.id}/{command}", {})
        assert response.status_code == 202, response.content
        assert sent("cpu")[-1] == (task, {"session": response.json()["session"], "upto_seq": 3, "device": "cpu"})


def test_kernel_state_of_a_notebook_never_run(alice_api, nb):
    assert alice_api.get(f"/api/notebooks/{nb.id}/kernel").json()["state"] == "dead"


def test_kernel_cap_names_the_notebooks_holding_kernels(alice, alice_api, settings):
    settings.CAMPFIRE_MAX_KERNELS_PER_USER = 2
    books = [notebook_services.notebook_create(owner=alice, title=f"Book {i}", cells=[{"id": "a", "cell_type": "code", "source": "1"}]) for i in range(3)]
    for book in books[:2]:  # no worker here: their runs stay queued, so each holds a kernel
        assert alice_api.post(run_url(book, "a"), {}).status_code == 202
    response = alice_api.post(run_url(books[2], "a"), {})
    assert response.status_code == 429
    body = response.json()
    assert body["detail"].startswith("You already have 2 running kernels (notebooks “Book 0”, “Book 1”)")
    assert "Shut one down to start another." in body["detail"]
    assert [k["title"] for k in body["kernels"]] == ["Book 0", "Book 1"]
    assert alice_api.post(run_url(books[0], "a"), {}).status_code == 202  # a notebook with a kernel still runs
    assert [k["title"] for k in alice_api.get("/api/kernels").json()] == ["Book 0", "Book 1"]


def test_queued_runs_cap(alice_api, nb, settings):
    settings.CAMPFIRE_MAX_QUEUED_RUNS_PER_USER = 4
    assert alice_api.post(f"/api/notebooks/{nb.id}/run-all", {}).status_code == 202  # 3 runs
    response = alice_api.post(f"/api/notebooks/{nb.id}/run-all", {})
    assert response.status_code == 429
    assert "You already have 3 runs waiting or running (the limit is 4); this would add 3" in response.json()["detail"]
    assert alice_api.post(run_url(nb, "a"), {}).status_code == 202


@pytest.fixture
def broker_down():
    """The platform's Celery app pointed at a port where nothing listens, then restored."""
    from campfire.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url, app._pool, app.amqp._producer_pool = "redis://127.0.0.1:9/0", None, None
    yield
    app.conf.broker_url, app._pool, app.amqp._producer_pool = saved, None, None


def test_an_unreachable_broker_ends_the_runs_as_lost_with_a_503(alice_api, nb, broker_down):
    response = alice_api.post(f"/api/notebooks/{nb.id}/run-all", {})
    assert response.status_code == 503 and "cannot be reached" in response.json()["detail"]
    assert set(Execution.objects.values_list("status", flat=True)) == {"lost"}
    assert Execution.objects.filter(message__contains="could not be reached").count() == 3


def test_a_whole_notebook_run_is_sent_to_the_pool_with_its_own_stream(alice, nb, sent):
    from campfire.execution.services import notebook_run_request

    execution = notebook_run_request(notebook=nb, user=alice)
    [(task, payload)] = sent("cpu")
    assert task == protocol.TASK_RUN_NOTEBOOK and payload["execution"] == str(execution.id)
    assert payload["session"] == f"run-{execution.id}"  # never the live session's stream
    cells = payload["notebook"]["cells"]
    assert [c["id"] for c in cells] == ["a", "md", "b", "c"]
    assert cells[0]["outputs"] == [] and cells[0]["execution_count"] is None and "outputs" not in cells[1]
    assert execution.kind == "notebook" and execution.status == "queued"


def test_a_clean_run_through_the_api_is_sent_once_and_a_second_is_refused(alice_api, nb, sent):
    response = alice_api.post(f"/api/notebooks/{nb.id}/clean-runs", {})
    assert response.status_code == 202, response.content
    run = response.json()
    assert (run["kind"], run["status"], run["recorded"]) == ("notebook", "queued", False)
    [(task, payload)] = sent("cpu")
    assert task == protocol.TASK_RUN_NOTEBOOK and payload["session"] == f"run-{run['id']}"
    again = alice_api.post(f"/api/notebooks/{nb.id}/clean-runs", {})
    assert again.status_code == 409 and again.json()["execution"]["id"] == run["id"]
    assert "already queued" in again.json()["detail"] and len(sent("cpu")) == 1
    listed = alice_api.get(f"/api/notebooks/{nb.id}/clean-runs").json()
    assert [r["id"] for r in listed] == [run["id"]]


def test_cancelling_a_queued_clean_run_marks_it_for_the_worker(alice_api, nb):
    run = alice_api.post(f"/api/notebooks/{nb.id}/clean-runs", {}).json()
    response = alice_api.post(f"/api/executions/{run['id']}/cancel", {})
    assert response.status_code == 202 and response.json()["status"] == "queued"   # ends when the worker says so
    assert redis_client().exists(namespace().execution_cancel(run["id"]))


def test_cancel_refuses_cell_runs_ended_runs_and_other_users(alice_api, bob_api, nb):
    cell_run = alice_api.post(run_url(nb, "a"), {}).json()["execution"]
    response = alice_api.post(f"/api/executions/{cell_run}/cancel", {})
    assert response.status_code == 400 and "interrupt the kernel" in response.json()["detail"]
    run = alice_api.post(f"/api/notebooks/{nb.id}/clean-runs", {}).json()
    assert bob_api.post(f"/api/executions/{run['id']}/cancel", {}).status_code == 404
    Execution.objects.filter(pk=run["id"]).update(status="ok")
    ended = alice_api.post(f"/api/executions/{run['id']}/cancel", {})
    assert ended.status_code == 409 and ended.json()["execution"]["status"] == "ok"
    assert not redis_client().exists(namespace().execution_cancel(run["id"]))


def test_clean_runs_count_against_the_kernel_cap_and_need_code(alice, alice_api, settings):
    settings.CAMPFIRE_MAX_KERNELS_PER_USER = 1
    first, second = (notebook_services.notebook_create(owner=alice, title=t, cells=[{"cell_type": "code", "source": "1"}]) for t in "AB")
    assert alice_api.post(f"/api/notebooks/{first.id}/clean-runs", {}).status_code == 202
    capped = alice_api.post(f"/api/notebooks/{second.id}/clean-runs", {})
    assert capped.status_code == 429 and "clean runs under way" in capped.json()["detail"]
    prose = notebook_services.notebook_create(owner=alice, title="Prose", cells=[{"cell_type": "markdown", "source": "hi"}])
    empty = alice_api.post(f"/api/notebooks/{prose.id}/clean-runs", {})
    assert empty.status_code == 400 and "no code cells" in empty.json()["detail"]


def test_an_unreachable_broker_ends_a_clean_run_as_lost_with_a_503(alice_api, nb, broker_down):
    response = alice_api.post(f"/api/notebooks/{nb.id}/clean-runs", {})
    assert response.status_code == 503
    assert list(Execution.objects.values_list("kind", "status")) == [("notebook", "lost")]


def test_the_api_schema_documents_live_execution(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/notebooks/{notebook_id}/cells/{cell_id}/run", "/api/notebooks/{notebook_id}/run-all",
                 "/api/notebooks/{notebook_id}/interrupt", "/api/notebooks/{notebook_id}/restart",
                 "/api/notebooks/{notebook_id}/shutdown", "/api/executions/{execution_id}", "/api/kernels",
                 "/api/notebooks/{notebook_id}/clean-runs", "/api/executions/{execution_id}/cancel"):
        assert path in paths, path
    run = paths["/api/notebooks/{notebook_id}/cells/{cell_id}/run"]["post"]
    assert {"202", "429", "503"} <= set(run["responses"])
