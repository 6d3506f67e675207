"""The WebSocket consumer in-process (the real ASGI app, the real Redis stream): who gets in,
what a client receives, resuming, and the reset when a client asks for events no longer kept.
The same path through uvicorn with real workers is in test_live_websocket.py."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client

from campfire.accounts import services as account_services
from campfire.asgi import application
from campfire.execution import services
from campfire.execution.broker import namespace, redis_client
from campfire.notebooks import services as notebook_services
from workers import protocol

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://localhost:8000")
HOST = (b"host", b"localhost")


@pytest.fixture
def nb(alice):
    return notebook_services.notebook_create(owner=alice, title="Socket", cells=[{"id": "a", "cell_type": "code", "source": "1"}])


@pytest.fixture
def session_key(nb, alice):
    return services.kernel_session_get_or_create(notebook=nb, user=alice).key


def token_for(user):
    return account_services.token_create(user=user, name="ws")[1]


def cookie_for(user):
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def append(session, kind, data, execution="e1", cell="a", maxlen=None):
    event = protocol.make_event(kind, execution=execution, cell=cell, data=data)
    return redis_client().xadd(namespace().session_events(session), protocol.encode_event(event), maxlen=maxlen, approximate=False)


def stdout(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


async def _session(path, headers, steps):
    """Connect; `steps(communicator)` talks to it. Returns (accepted, close code, steps' result)."""
    communicator = WebsocketCommunicator(application, path, headers=headers)
    accepted, code = await communicator.connect(timeout=5)
    result = None
    if accepted:
        try:
            result = await steps(communicator)
        finally:
            await communicator.disconnect()
    return accepted, code, result


def connect(nb, headers, steps=None, after=None):
    path = f"/ws/notebooks/{nb.id}/" + (f"?after={after}" if after else "")

    async def read_nothing(communicator):
        return None

    return async_to_sync(_session)(path, [ORIGIN, HOST, *headers], steps or read_nothing)


async def receive_until(communicator, kind, timeout=5):
    messages = []
    while not messages or messages[-1]["type"] != kind:
        messages.append(json.loads(await communicator.receive_from(timeout=timeout)))
    return messages


def test_the_owner_by_token_or_session_gets_hello_and_live_events(nb, alice, session_key):
    for headers in ([(b"authorization", f"Bearer {token_for(alice)}".encode())], [(b"cookie", cookie_for(alice).encode())]):
        async def steps(communicator):
            first = await receive_until(communicator, "caught_up")
            stream_id = append(session_key, "stream", stdout("live\n"))
            return first, json.loads(await communicator.receive_from(timeout=5)), stream_id

        accepted, _, (first, live, stream_id) = connect(nb, headers, steps)
        assert accepted
        assert [m["type"] for m in first] == ["hello", "caught_up"]
        assert first[0]["data"]["session"] == session_key and first[0]["data"]["kernel"]["state"] == "dead"
        assert live == {"id": stream_id, "execution": "e1", "cell": "a", "type": "stream", "data": stdout("live\n")}


def test_a_socket_idle_longer_than_redis_pys_default_timeout_stays_open(nb, alice, session_key):
    # redis-py 8 gives every socket a 5 s read timeout; the reader's XREAD blocks up to 15 s, so an idle
    # notebook's socket was closed (1011) every 5 s, and all of a workshop's sockets at once
    async def steps(communicator):
        await receive_until(communicator, "caught_up")
        assert await communicator.receive_nothing(timeout=7, interval=0.5)        # no close, nothing sent
        stream_id = append(session_key, "stream", stdout("after a quiet while\n"))
        return json.loads(await communicator.receive_from(timeout=5)), stream_id

    accepted, _, (live, stream_id) = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps)
    assert accepted and live["id"] == stream_id and live["data"]["text"] == "after a quiet while\n"


def test_a_workshop_of_sockets_on_one_web_process_all_stay_open(nb, alice, session_key):
    # each idle socket holds a Redis connection in XREAD BLOCK: redis-py's asyncio pool stops at 100
    # connections by default, and every socket past the hundredth was closed (1011) as it connected
    headers = [ORIGIN, HOST, (b"authorization", f"Bearer {token_for(alice)}".encode())]
    count = 120

    async def crowd():
        sockets = [WebsocketCommunicator(application, f"/ws/notebooks/{nb.id}/", headers=headers) for _ in range(count)]
        try:
            assert all(accepted for accepted, _ in await asyncio.gather(*(s.connect(timeout=10) for s in sockets)))
            await asyncio.gather(*(receive_until(s, "caught_up", timeout=10) for s in sockets))
            await asyncio.sleep(0.5)                        # every reader is now blocked in XREAD
            stream_id = await asyncio.to_thread(append, session_key, "stream", stdout("to everyone\n"))
            received = await asyncio.gather(*(s.receive_from(timeout=10) for s in sockets))
            return stream_id, [json.loads(m) for m in received]
        finally:
            await asyncio.gather(*(s.disconnect() for s in sockets))

    stream_id, received = async_to_sync(crowd)()
    assert [m["id"] for m in received] == [stream_id] * count


def test_resuming_after_an_id_sends_exactly_the_later_events_in_order(nb, alice, session_key):
    ids = [append(session_key, "stream", stdout(f"{i}\n")) for i in range(5)]

    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    _, _, messages = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps, after=ids[1])
    assert [m.get("id") for m in messages[1:-1]] == ids[2:]
    assert [m["data"]["text"] for m in messages[1:-1]] == ["2\n", "3\n", "4\n"]
    assert messages[-1]["data"] == {"last": ids[-1], "replayed": 3}


def test_asking_for_events_no_longer_kept_gets_a_reset(nb, alice, session_key):
    ids = [append(session_key, "stream", stdout(f"{i}\n"), maxlen=3) for i in range(6)]  # keeps the last 3

    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    _, _, messages = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps, after=ids[0])
    assert messages[0] == {"type": "reset", "data": {"reason": "the events after this point are no longer kept", "last": ids[-1]}}
    assert [m["type"] for m in messages[1:]] == ["hello", "caught_up"]  # streaming goes on after the newest
    assert messages[-1]["data"]["replayed"] == 0


def test_an_expired_stream_gets_a_reset_too(nb, alice, session_key):
    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    _, _, messages = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps, after="1700000000000-0")
    assert messages[0]["type"] == "reset"


def test_without_after_only_new_events_are_sent(nb, alice, session_key):
    old = append(session_key, "stream", stdout("old\n"))

    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    _, _, messages = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps)
    assert messages[0]["data"]["after"] == old and messages[-1]["data"]["replayed"] == 0


def test_refused_anonymous_other_users_bad_tokens_and_bad_ids(nb, alice, bob):
    assert connect(nb, [])[0] is False
    assert connect(nb, [(b"authorization", f"Bearer {token_for(bob)}".encode())])[0] is False
    assert connect(nb, [(b"cookie", cookie_for(bob).encode())])[0] is False
    # A wrong token is refused even next to a good session cookie (no silent fall-back).
    assert connect(nb, [(b"authorization", b"Bearer cf_wrong"), (b"cookie", cookie_for(alice).encode())])[0] is False
    for bad in ("not-an-id", "1-2%0A", "18446744073709551616-0", "1-18446744073709551616"):  # Redis refuses these
        assert connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], after=bad)[0] is False, bad
    assert connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], after="18446744073709551615-0")[0] is True


def test_a_public_notebook_streams_to_its_owner_only(nb, bob):
    nb.visibility = "public"
    nb.save()
    assert connect(nb, [(b"authorization", f"Bearer {token_for(bob)}".encode())])[0] is False


def test_a_clean_runs_socket_streams_its_own_events_to_its_owner_only(nb, alice, bob, session_key):
    from campfire.execution.models import Execution, Kind

    run = Execution.objects.create(notebook=nb, session_id=services.kernel_session_get_or_create(notebook=nb, user=alice).pk,
                                   user=alice, kind=Kind.NOTEBOOK)
    cell_run = Execution.objects.create(notebook=nb, session=run.session, user=alice, cell_id="a")
    append(session_key, "stream", stdout("live kernel\n"))
    stream_id = append(run.stream_session, "stream", stdout("clean run\n"), execution=str(run.id))
    alice_token = [(b"authorization", f"Bearer {token_for(alice)}".encode())]

    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    def open_run(execution, headers):
        return async_to_sync(_session)(f"/ws/runs/{execution.id}/?after=0-0", [ORIGIN, HOST, *headers], steps)

    accepted, _, messages = open_run(run, alice_token)
    assert accepted and messages[0]["data"] == {**messages[0]["data"], "session": f"run-{run.id}", "kernel": None}
    assert [(m["id"], m["data"]["text"]) for m in messages if m["type"] == "stream"] == [(stream_id, "clean run\n")]
    assert open_run(run, [(b"authorization", f"Bearer {token_for(bob)}".encode())])[0] is False
    assert open_run(cell_run, alice_token)[0] is False                     # only clean runs have a stream here
