"""A KernelSession's state follows from its events (docs/EXECUTION.md); stream id arithmetic."""

import pytest

from campfire.execution import events, services
from campfire.execution.broker import namespace, redis_client
from campfire.notebooks import services as notebook_services
from workers import protocol


def ev(kind, **data):
    return {"type": kind, "data": data}


@pytest.mark.parametrize(
    "newest_first, state",
    [
        ([ev("kernel", state="ready", worker="w1")], "idle"),
        ([ev("started", execution_count=1), ev("kernel", state="ready")], "busy"),
        ([ev("stream", output_type="stream"), ev("started")], "busy"),
        ([ev("finished", status="ok"), ev("started")], "idle"),
        ([ev("finished", status="error")], "idle"),
        ([ev("finished", status="kernel_died")], "dead"),
        ([ev("kernel", state="ready"), ev("kernel", state="died"), ev("finished", status="kernel_died")], "idle"),
        ([ev("kernel", state="restarted")], "starting"),
        ([ev("kernel", state="culled")], "culled"),
        ([ev("finished", status="lost"), ev("kernel", state="lost")], "dead"),
        ([ev("kernel", state="shutdown"), ev("finished", status="interrupted")], "dead"),
        ([ev("queued", seq=3, position=0), ev("kernel", state="shutdown")], "starting"),
        ([ev("finished", status="ok", scope="notebook"), ev("kernel", state="ready")], "idle"),
    ],
)
def test_the_newest_deciding_event_gives_the_state(newest_first, state):
    assert events.derive_state(newest_first)["state"] == state


def test_no_deciding_event_decides_nothing():
    assert events.derive_state([ev("queued", seq=1, position=0), ev("stream", output_type="stream")]) is None


def test_the_worker_comes_from_the_newest_event_naming_one():
    derived = events.derive_state([ev("finished", status="ok", worker="w2"), ev("kernel", state="ready", worker="w1")])
    assert derived == {"state": "idle", "worker": "w2", "message": ""}


def test_stream_ids():
    assert events.id_before("1700-5") == "1700-4"
    assert events.id_before("1700-0") == "1699-18446744073709551615"
    assert events.parse_id("1700-12") > events.parse_id("1700-9")
    assert events.missed_events("10-0", "12-0", True) and not events.missed_events("12-0", "12-0", True)
    assert events.missed_events("10-0", None, False) and not events.missed_events(events.ZERO, None, False)


@pytest.mark.django_db
def test_refresh_reads_the_stream_and_notices_a_kernel_without_a_worker(alice):
    nb = notebook_services.notebook_create(owner=alice, title="State", cells=[])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)
    key = namespace().session_events(session.key)
    client = redis_client()
    client.xadd(key, protocol.encode_event(protocol.make_event("kernel", execution=None, cell=None, data={"state": "culled", "message": "kernel stopped after 15 min idle", "worker": "w9", "kernel": "k"})))
    session = services.kernel_session_refresh(session=session)
    assert (session.state, session.worker, session.state_message) == ("culled", "w9", "kernel stopped after 15 min idle")
    # "ready" with no live claim behind it: the kernel is gone, whatever the last event said.
    client.xadd(key, protocol.encode_event(protocol.make_event("kernel", execution=None, cell=None, data={"state": "ready", "message": "kernel ready", "worker": "w9", "kernel": "k"})))
    assert services.kernel_session_refresh(session=session).state == "dead"
    client.set(namespace().session_owner(session.key), "w9")
    client.set(namespace().worker_alive("w9"), "1")
    assert services.kernel_session_refresh(session=session).state == "idle"
