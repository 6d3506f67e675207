"""input() and getpass() in a running cell, through real workers and kernels: the request becomes an
`input_request` event, the answer (workers.input, from any worker's queue) reaches the kernel, and
what was entered is echoed into the cell's output (a password as dots)."""
from __future__ import annotations

import time

from workers.protocol import TASK_INPUT, TASK_INTERRUPT, InputReply, submit_input


def asked(stack, session: str, execution: str) -> dict:
    events = stack.wait_events(session, lambda evs: any(
        e["type"] == "input_request" and e["execution"] == execution for e in evs))
    return next(e for e in events if e["type"] == "input_request" and e["execution"] == execution)


def stdout(stack, session: str, execution: str) -> str:
    return "".join(e["data"]["text"] for e in stack.of(session, execution, "stream") if e["data"]["name"] == "stdout")


def answer(stack, session: str, execution: str, value: str) -> None:
    assert submit_input(stack.redis, stack.app.send_task, InputReply(session=session, execution=execution, value=value), ns=stack.ns)


def test_input_is_answered_and_echoed(stack, session):
    execution = stack.run(session, "name = input('Your name: ')\nprint('hello', name)")
    request = asked(stack, session, execution)
    assert request["data"] == {"prompt": "Your name: ", "password": False}
    kinds = [e["type"] for e in stack.of(session, execution)]
    assert kinds.index("started") < kinds.index("input_request")   # a page clears the cell on `started`
    answer(stack, session, execution, "Ada Lovelace")
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "ok"
    assert stdout(stack, session, execution) == "Your name: Ada Lovelace\nhello Ada Lovelace\n"
    [record] = stack.records(execution)
    assert "".join(o["text"] for o in record["outputs"]) == "Your name: Ada Lovelace\nhello Ada Lovelace\n"


def test_a_password_reaches_the_kernel_but_is_never_echoed(stack, session):
    execution = stack.run(session, "import getpass\nsecret = getpass.getpass('Token: ')\nprint(len(secret), secret[::-1] == 'terces')")
    assert asked(stack, session, execution)["data"] == {"prompt": "Token: ", "password": True}
    # Sent to the other worker's queue: forwarded to the session's owner.
    owner = stack.redis.get(stack.ns.session_owner(session))
    other = next(w.name for w in stack.workers if w.name != owner)
    stack.app.send_task(TASK_INPUT, args=[InputReply(session=session, execution=execution, value="secret").to_dict()],
                        queue=stack.ns.worker_queue(other))
    assert stack.finished(session, execution)["data"]["status"] == "ok"
    text = stdout(stack, session, execution)
    assert text == "Token: ········\n6 True\n" and "secret" not in str(stack.events(session))


def test_several_inputs_in_one_cell_and_a_stale_answer_is_dropped(stack, session):
    execution = stack.run(session, "a = int(input('a? '))\nb = int(input('b? '))\nprint(a + b)")
    asked(stack, session, execution)
    answer(stack, session, execution, "2")
    stack.wait_events(session, lambda evs: sum(e["type"] == "input_request" and e["execution"] == execution for e in evs) == 2)
    answer(stack, session, execution, "40")
    assert stack.finished(session, execution)["data"]["status"] == "ok"
    assert stdout(stack, session, execution) == "a? 2\nb? 40\n42\n"
    answer(stack, session, execution, "late")   # the cell ended: nothing happens, the kernel goes on
    assert stack.printed(session, "print(a, b)") == "2 40\n"


def test_interrupting_a_cell_that_waits_for_input(stack, session):
    execution = stack.run(session, "input('waiting: ')")
    asked(stack, session, execution)
    began = time.monotonic()
    stack.command(TASK_INTERRUPT, session)
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "interrupted" and time.monotonic() - began < 5
    assert stack.printed(session, "print('still here')") == "still here\n"


def test_a_hidden_check_cannot_ask_the_user(stack, session):
    execution = stack.run(session, "input('?')", store_history=False)
    finished = stack.finished(session, execution)
    assert finished["data"]["status"] == "error"
    assert not [e for e in stack.events(session) if e["type"] == "input_request"]
