"""The WebSocket through uvicorn: resuming after a drop, and who is refused at the handshake."""

import time

import pytest
from websockets.exceptions import InvalidStatus

from tests.livestack import Listener

LINES = "import time\nfor i in range(8):\n    print(f'step {i}', flush=True)\n    time.sleep(0.25)"


def test_a_client_dropped_mid_run_resumes_with_after_and_misses_nothing(live, live_stack):
    nb = live.notebook(LINES)
    first = live.listen(nb)
    execution = live.run(nb)
    first.until(lambda ms: sum(m["type"] == "stream" for m in ms) >= 2)
    first.close()  # the laptop lid closes
    last_seen = first.events()[-1]["id"]
    time.sleep(1.0)  # more output is produced meanwhile
    second = Listener(live_stack.ws(nb["id"], live.token, after=last_seen))
    second.finished(execution)
    received = first.events() + second.events()
    session = live.api("GET", f"/api/notebooks/{nb['id']}/kernel", expect=200)["session"]
    stream = [e for e in live_stack.events(session) if e["id"] <= received[-1]["id"]]
    missed = [m for m in second.events() if m["type"] == "stream"]
    assert missed, "some output was produced while disconnected"
    assert [m["id"] for m in received] == [e["id"] for e in stream]  # every event once, in order
    assert received == stream
    # The backlog (what was produced during the second offline) came first, counted.
    caught_up = next(i for i, m in enumerate(second.messages) if m["type"] == "caught_up")
    assert second.messages[0]["type"] == "hello" and second.messages[0]["data"]["after"] == last_seen
    assert second.messages[caught_up]["data"]["replayed"] == caught_up - 1 >= 3
    second.close()


def refused(connect) -> int:
    with pytest.raises(InvalidStatus) as error:
        connect()
    return error.value.response.status_code


def test_the_websocket_refuses_anonymous_clients_other_users_and_foreign_origins(live, live_stack):
    nb = live.notebook("1")
    _, bob_token = live_stack.user()
    assert refused(lambda: live_stack.ws(nb["id"])) == 403
    assert refused(lambda: live_stack.ws(nb["id"], bob_token)) == 403
    assert refused(lambda: live_stack.ws(nb["id"], live.token, origin="http://evil.example")) == 403
    assert refused(lambda: live_stack.ws(nb["id"], "cf_not_a_token")) == 403
    owner = live_stack.ws(nb["id"], live.token)  # and the owner, with the same server, is let in
    owner.close()
