"""The WebSocket never forwards a check execution's outputs (they may quote the hidden check),
only its queued/started/finished and the platform's `check` event with the result."""

import pytest

from campfire.execution import services as execution_services
from campfire.notebooks import services as notebook_services
from tests.platform.execution.test_consumer import append, connect, receive_until, stdout, token_for

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "assert hidden_check_line(42)"


def test_only_the_outline_and_the_result_of_a_check_reach_the_browser(alice):
    nb = notebook_services.notebook_create(owner=alice, title="Copy", cells=[{"id": "ex", "cell_type": "code", "source": "x = 1"}])
    session = execution_services.kernel_session_get_or_create(notebook=nb, user=alice).key
    ids = {
        "run": append(session, "stream", stdout("learner output\n"), execution="run", cell="ex"),
        "queued": append(session, "queued", {"seq": 2, "position": 0}, execution="chk", cell="check:ex"),
        "started": append(session, "started", {"execution_count": 2}, execution="chk", cell="check:ex"),
        "stream": append(session, "stream", stdout(SECRET), execution="chk", cell="check:ex"),
        "display": append(session, "display_data", {"output_type": "display_data", "metadata": {}, "data": {"text/plain": SECRET}}, execution="chk", cell="check:ex"),
        "error": append(session, "error", {"output_type": "error", "ename": "KeyboardInterrupt", "evalue": "", "traceback": [SECRET]}, execution="chk", cell="check:ex"),
        "clear": append(session, "clear_output", {"wait": False}, execution="chk", cell="check:ex"),
        "finished": append(session, "finished", {"status": "ok", "execution_count": 2, "duration": 0.1, "message": "", "truncated": False, "worker": "w"}, execution="chk", cell="check:ex"),
        "check": append(session, "check", {"exercise": "e", "attempt": "a", "status": "fail", "message": "not yet"}, execution="chk", cell="ex"),
    }

    async def steps(communicator):
        return await receive_until(communicator, "caught_up")

    _, _, messages = connect(nb, [(b"authorization", f"Bearer {token_for(alice)}".encode())], steps, after="0-0")
    events = [m for m in messages if "id" in m]
    assert [m["id"] for m in events] == [ids[k] for k in ("run", "queued", "started", "finished", "check")]
    assert events[-1]["data"]["message"] == "not yet" and events[-1]["cell"] == "ex"
    assert SECRET not in str(messages)
    assert messages[-1]["data"]["last"] == ids["check"]  # the resume point still moves past what was left out
