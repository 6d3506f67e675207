"""Kernel queries (completion, inspection) through real workers and kernels: answered between runs by
the session's own kernel, at once when it cannot be (busy, no kernel), forwarded to the owner, and
never numbered or recorded as a run."""
from __future__ import annotations

import json
import time
import uuid

from workers.query_protocol import TASK_QUERY, KernelQuery, reply_key


def ask(stack, session: str, kind: str, code: str, cursor_pos: int | None = None, queue: str | None = None,
        **kw) -> dict:
    """Send a query as the platform does (to the owner's queue unless `queue`), wait for the answer."""
    token = uuid.uuid4().hex
    query = KernelQuery(session=session, kind=kind, code=code, reply_to=token,
                        cursor_pos=len(code) if cursor_pos is None else cursor_pos, **kw)
    if queue is None:
        queue = stack.ns.worker_queue(stack.redis.get(stack.ns.session_owner(session)))
    stack.app.send_task(TASK_QUERY, args=[query.to_dict()], queue=queue)
    popped = stack.redis.blpop([reply_key(stack.ns, token)], timeout=15)
    assert popped is not None, "no answer to the query"
    return json.loads(popped[1])


def test_completion_sees_the_kernels_state_and_keeps_its_numbering(stack, session):
    stack.printed(session, "import math\nlearning_rate_schedule = [0.1, 0.01]\nprint('ok')")
    answer = ask(stack, session, "complete", "math.fl")
    assert answer["status"] == "ok", answer
    texts = [m["text"] for m in answer["matches"]]
    assert "floor" in texts and (answer["cursor_start"], answer["cursor_end"]) == (5, 7)
    mine = ask(stack, session, "complete", "x = learning_rate_s")
    assert [m["text"] for m in mine["matches"]] == ["learning_rate_schedule"]
    assert (mine["cursor_start"], mine["cursor_end"]) == (4, 19)
    # The cursor in the middle of the code: only what is before it counts.
    middle = ask(stack, session, "complete", "math.fl + 1", cursor_pos=7)
    assert "floor" in [m["text"] for m in middle["matches"]]
    # Queries are not runs: the next run is the kernel's second, and nothing reached the stream.
    execution = stack.run(session, "1 + 1")
    assert stack.finished(session, execution)["data"]["execution_count"] == 2
    assert {e["type"] for e in stack.events(session)} <= {"kernel", "queued", "started", "stream", "execute_result", "finished"}


def test_inspection_is_plain_text(stack, session):
    stack.printed(session, "import math")
    answer = ask(stack, session, "inspect", "math.floor(", cursor_pos=10)
    assert answer["status"] == "ok" and answer["found"] is True
    assert "floor" in answer["text"] and "\x1b" not in answer["text"]
    missing = ask(stack, session, "inspect", "no_such_name", cursor_pos=5)
    assert missing["status"] == "ok" and missing["found"] is False


def test_a_busy_kernel_answers_at_once_and_a_query_reaches_the_owner_from_anywhere(stack, session):
    stack.printed(session, "import time")
    execution = stack.run(session, "time.sleep(3)")
    stack.wait_events(session, lambda evs: any(e["type"] == "started" and e["execution"] == execution for e in evs))
    began = time.monotonic()
    answer = ask(stack, session, "complete", "time.sl")
    assert answer["status"] == "busy" and time.monotonic() - began < 1.5, answer
    stack.finished(session, execution)
    # Sent to the other worker's queue: it forwards the query to the session's owner.
    owner = stack.redis.get(stack.ns.session_owner(session))
    other = next(w.name for w in stack.workers if w.name != owner)
    answer = ask(stack, session, "complete", "time.sl", queue=stack.ns.worker_queue(other))
    assert answer["status"] == "ok" and "sleep" in [m["text"] for m in answer["matches"]]


def test_a_session_without_a_kernel_gets_no_kernel(stack):
    answer = ask(stack, f"s-{uuid.uuid4().hex[:12]}", "complete", "pri",
                 queue=stack.ns.worker_queue(stack.workers[0].name))
    assert answer["status"] == "no_kernel" and answer["message"]

