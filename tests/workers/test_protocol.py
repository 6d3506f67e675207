"""The shared contract: names, events, payloads and the routing helper (real Redis)."""
from __future__ import annotations

import uuid

import pytest

from workers.protocol import (ExecuteRequest, Limits, Namespace, NotebookRequest,
                              ProtocolError, SessionCommand, decode_event, encode_event,
                              make_event, next_seq, route_for_session, submit_execute,
                              submit_session_command, validate_event)


@pytest.fixture
def ns():
    return Namespace(f"cftp{uuid.uuid4().hex[:8]}", "q.")


def test_events_round_trip_through_stream_fields():
    event = make_event("stream", execution="e1", cell="c1",
                       data={"output_type": "stream", "name": "stdout", "text": "hi\n"})
    fields = encode_event(event)
    assert all(isinstance(v, str) for v in fields.values())
    bytes_fields = {k.encode(): v.encode() for k, v in fields.items()}
    assert decode_event(b"5-0", bytes_fields) == {"id": "5-0", **event}
    kernel = make_event("kernel", execution=None, cell=None, data={"state": "lost"})
    assert decode_event("6-0", encode_event(kernel))["cell"] is None


@pytest.mark.parametrize("event", [
    {"execution": "e", "cell": "c", "type": "print", "data": {}},
    {"execution": "e", "cell": "c", "type": "stream", "data": {"text": "no output_type"}},
    {"execution": "e", "cell": "c", "type": "finished", "data": {"status": "running"}},
    {"execution": "e", "cell": "c", "type": "kernel", "data": {"state": "sleepy"}},
    {"execution": "e", "cell": "c", "type": "clear_output", "data": {"wait": "yes"}},
    {"execution": 3, "cell": "c", "type": "queued", "data": {}},
    {"execution": "e", "cell": "c", "type": "queued", "data": []},
])
def test_malformed_events_are_rejected(event):
    with pytest.raises(ProtocolError):
        validate_event(event)


def test_execute_request_round_trip_and_validation():
    request = ExecuteRequest(execution="e-1", session="s-1", cell="c-1", code="1+1", seq=3,
                             limits=Limits(timeout=2.5))
    again = ExecuteRequest.from_dict(request.to_dict())
    assert again == request and again.limits.timeout == 2.5
    good = request.to_dict()
    for bad in ({**good, "session": "../etc/passwd"}, {**good, "seq": 0},
                {**good, "seq": True}, {**good, "device": "tpu"},
                {**good, "code": "x" * 1_000_001}, {**good, "limits": {"timeout": -1}},
                {**good, "limits": {"output_bytes": 1.5}}, {**good, "extra": 1},
                {k: v for k, v in good.items() if k != "code"}, "not a dict"):
        with pytest.raises(ProtocolError):
            ExecuteRequest.from_dict(bad)


def test_other_payloads_validate():
    assert SessionCommand.from_dict({"session": "s", "upto_seq": 4}).upto_seq == 4
    with pytest.raises(ProtocolError):
        SessionCommand.from_dict({"session": "s", "upto_seq": -1})
    with pytest.raises(ProtocolError):
        NotebookRequest.from_dict({"execution": "e", "session": "s", "notebook": {"cells": 3}})


def test_keys_and_queues_are_namespaced_and_safe(ns):
    assert ns.session_events("s-1") == f"{ns.redis_prefix}:session:s-1:events"
    assert ns.pool_queue("gpu") == "q.gpu" and ns.pool_queue("cpu", live=True) == "q.live"
    assert ns.worker_queue("cpu@host") == "q.kernels.cpu@host"
    with pytest.raises(ProtocolError):
        ns.session_events("a:b c")


def test_route_goes_to_the_owner_only_while_it_is_alive(redis_client, ns):
    session = "s-route"
    try:
        assert route_for_session(redis_client, session, "cpu", ns=ns) == "q.cpu"
        redis_client.set(ns.session_owner(session), "w1@h")
        assert route_for_session(redis_client, session, "cpu", ns=ns) == "q.cpu"  # w1 dead
        redis_client.set(ns.worker_alive("w1@h"), "1", ex=10)
        assert route_for_session(redis_client, session, "cpu", ns=ns) == "q.kernels.w1@h"
    finally:
        redis_client.delete(ns.session_owner(session), ns.worker_alive("w1@h"))


def test_submit_numbers_runs_and_sends_them_by_name(redis_client, ns):
    sent = []
    session = f"s-{uuid.uuid4().hex[:6]}"
    try:
        first = submit_execute(redis_client, lambda *a, **k: sent.append((a, k)), execution="e1",
                               session=session, cell="c", code="1", ns=ns)
        second = submit_execute(redis_client, lambda *a, **k: sent.append((a, k)),
                                execution="e2", session=session, cell="c", code="2", ns=ns)
        assert (first.seq, second.seq) == (1, 2) and next_seq(redis_client, session, ns) == 3
        (name, ), kwargs = sent[0]
        assert name == "workers.execute" and kwargs["task_id"] == "e1"
        assert kwargs["queue"] == "q.cpu" and kwargs["args"][0]["seq"] == 1
        command = submit_session_command(redis_client, lambda *a, **k: sent.append((a, k)),
                                         "workers.interrupt", session, ns=ns)
        assert command.upto_seq == 3 and sent[-1][0] == ("workers.interrupt",)
        with pytest.raises(ProtocolError):
            submit_session_command(redis_client, print, "workers.execute", session, ns=ns)
    finally:
        redis_client.delete(ns.session_seq(session))
