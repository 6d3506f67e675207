"""/api/notebooks/{id}/complete and /inspect in-process, without workers: who may ask, what is refused,
what is sent (read back from the real broker queue), and the answers given without a kernel. The
kernel's own answers are proven end to end in test_live_queries.py and tests/workers/test_queries.py."""

import time

import pytest

from campfire.execution import queries
from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import KernelSession
from workers import query_protocol as qp

pytestmark = pytest.mark.django_db(transaction=True)


def url(notebook, kind="complete"):
    return f"/api/notebooks/{notebook.id}/{kind}"


@pytest.fixture
def owned_session(notebook, alice):
    """Alice's session on `notebook`, claimed by a worker that looks alive (nobody consumes its queue)."""
    session = KernelSession.objects.create(notebook=notebook, user=alice)
    ns, client = namespace(), redis_client()
    client.set(ns.session_owner(session.key), "w1@test", ex=60)
    client.set(ns.worker_alive("w1@test"), "1", ex=60)
    return session


def test_a_notebook_without_a_kernel_gets_no_kernel_at_once_and_nothing_is_sent(alice_api, notebook, sent):
    for kind in ("complete", "inspect"):
        response = alice_api.post(url(notebook, kind), {"code": "pri", "cursor_pos": 3})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "no_kernel" and "run a cell" in response.json()["message"]
    assert sent("cpu") == []


def test_a_query_goes_to_the_owners_queue_only_and_ends_timeout_unanswered(alice_api, notebook, owned_session, sent):
    began = time.monotonic()
    response = alice_api.post(url(notebook, "inspect"), {"code": "print(", "cursor_pos": 5, "detail_level": 1})
    waited = time.monotonic() - began
    body = response.json()
    assert response.status_code == 200 and body["status"] == "timeout" and body["found"] is False
    assert queries.QUERY_WAIT - 0.5 < waited < queries.QUERY_WAIT + 3
    [(task, payload)] = sent("kernels.w1@test")
    assert task == qp.TASK_QUERY and sent("cpu") == []
    assert {k: payload[k] for k in ("session", "kind", "code", "cursor_pos", "detail_level")} == \
        {"session": owned_session.key, "kind": "inspect", "code": "print(", "cursor_pos": 5, "detail_level": 1}


def test_an_answer_pushed_for_the_query_is_returned(alice_api, notebook, owned_session, sent):
    import threading

    def answer_like_a_worker():  # the worker's side of the contract, on the real broker queue
        deadline = time.monotonic() + 5
        while not sent("kernels.w1@test") and time.monotonic() < deadline:
            time.sleep(0.02)
        payload = sent("kernels.w1@test")[0][1]
        qp.push_answer(redis_client(), namespace(), payload["reply_to"], {
            "status": "ok", "matches": [{"text": "print", "type": "function", "signature": "(*args)"}],
            "cursor_start": 0, "cursor_end": 3})

    thread = threading.Thread(target=answer_like_a_worker)
    thread.start()
    response = alice_api.post(url(notebook), {"code": "pri", "cursor_pos": 3})
    thread.join()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "message": "", "cursor_start": 0, "cursor_end": 3,
                               "matches": [{"text": "print", "type": "function", "signature": "(*args)"}]}


@pytest.mark.parametrize("body, field", [
    ({"code": "abc", "cursor_pos": 4}, "cursor_pos"),
    ({"code": "abc", "cursor_pos": -1}, "cursor_pos"),
    ({"code": "abc"}, "cursor_pos"),
    ({"cursor_pos": 0}, "code"),
    ({"code": "x" * (qp.MAX_CODE + 1), "cursor_pos": 0}, "code"),
    ({"code": "abc", "cursor_pos": "two"}, "cursor_pos"),
])
def test_bad_queries_are_a_400_naming_the_field(alice_api, notebook, body, field):
    response = alice_api.post(url(notebook), body)
    assert response.status_code == 400 and response.json()["detail"].startswith(field), response.content


def test_detail_level_is_0_or_1(alice_api, notebook):
    response = alice_api.post(url(notebook, "inspect"), {"code": "abc", "cursor_pos": 1, "detail_level": 2})
    assert response.status_code == 400 and "detail_level" in response.json()["detail"]


def test_only_the_owner_may_ask(bob_api, anon_api, notebook):
    assert bob_api.post(url(notebook), {"code": "a", "cursor_pos": 1}).status_code == 404
    assert anon_api.post(url(notebook), {"code": "a", "cursor_pos": 1}).status_code == 401


def test_more_than_the_rate_a_second_is_a_429(alice_api, alice, notebook, owned_session):
    client, ns = redis_client(), namespace()
    client.delete(ns.session_owner(owned_session.key))  # answered at once: no_kernel
    for _attempt in range(3):  # a burst that straddles the one-second window is tried again
        client.delete(f"{ns.redis_prefix}:queries:{alice.pk}")
        began = time.monotonic()
        statuses = [alice_api.post(url(notebook), {"code": "a", "cursor_pos": 1}).status_code for _ in range(queries.RATE + 1)]
        if time.monotonic() - began < 0.9:
            break
    assert statuses[:queries.RATE] == [200] * queries.RATE and statuses[-1] == 429
    refused = alice_api.post(url(notebook), {"code": "a", "cursor_pos": 1})
    assert refused.status_code == 429 and "slow down" in refused.json()["detail"]


def test_the_schema_lists_both_with_their_answers(anon_api):
    paths = anon_api.get("/api/openapi.json").json()["paths"]
    for kind in ("complete", "inspect"):
        operation = paths[f"/api/notebooks/{{notebook_id}}/{kind}"]["post"]
        assert {"200", "400", "404", "429", "503"} <= set(operation["responses"])
