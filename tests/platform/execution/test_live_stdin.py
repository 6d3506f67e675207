"""input() end to end: the `input_request` event on the WebSocket, POST /api/executions/{id}/input,
the cell going on with the answer, and what was entered in its stored outputs."""
from tests.livestack import text


def test_a_cell_asks_and_gets_its_answer(live):
    nb = live.notebook("epochs = int(input('How many epochs? '))\nprint(epochs * 2)")
    listener = live.listen(nb)
    execution = live.run(nb)
    listener.until(lambda ms: any(m.get("type") == "input_request" and m.get("execution") == execution for m in ms))
    [request] = listener.of(execution, "input_request")
    assert request["data"] == {"prompt": "How many epochs? ", "password": False}
    answer = live.api("POST", f"/api/executions/{execution}/input", {"value": "21"}, expect=202)
    assert answer == {"execution": execution, "status": "sent"}
    assert listener.finished(execution)["data"]["status"] == "ok"
    assert text(listener.of(execution)) == "How many epochs? 21\n42\n"
    stored = live.recorded(execution)["outputs"]
    assert "".join(o["text"] for o in stored) == "How many epochs? 21\n42\n"
    # The run has ended: an answer now is refused, and says why.
    status, late = live.stack.api(live.token, "POST", f"/api/executions/{execution}/input", {"value": "3"})
    assert status == 409 and "ended" in late["detail"]
    listener.close()


def test_only_the_owner_may_answer_and_the_value_is_checked(live):
    stranger = live.stack.user()[1]
    nb = live.notebook("input('? ')")
    listener = live.listen(nb)
    execution = live.run(nb)
    # The wait counts against the stack's 10 s cell limit: the checks below come as soon as it asks.
    listener.until(lambda ms: any(m.get("type") == "input_request" and m.get("execution") == execution for m in ms))
    assert live.stack.api(stranger, "POST", f"/api/executions/{execution}/input", {"value": "x"})[0] == 404
    status, body = live.stack.api(live.token, "POST", f"/api/executions/{execution}/input", {"value": 5})
    assert status == 400 and body["detail"].startswith("value")
    status, body = live.stack.api(live.token, "POST", f"/api/executions/{execution}/input", {"value": "x" * 10_001})
    assert status == 400 and body["detail"].startswith("value")
    live.api("POST", f"/api/notebooks/{nb['id']}/interrupt", {}, expect=202)
    assert live.recorded(execution)["status"] == "interrupted"
    listener.close()
