"""Exercise checks through the whole real path: HTTP check request -> platform -> broker ->
worker -> the learner's sandboxed kernel runs the cell, then the hidden check -> record task ->
grading -> `check` event on the WebSocket. The sample tutorial is synced into the stack with
the real command."""

import json

import pytest

from tests.livestack import Live
from workers.exercises import CHECK_MIME

from .samples import CHECK_SHOUT, CHECK_TRIPLE, SECRET, SLUG, SOLUTION_TRIPLE, write_sample


@pytest.fixture(scope="session")
def stack_with_sample(live_stack, tmp_path_factory):
    folder = tmp_path_factory.mktemp("tutorials")
    write_sample(folder)
    assert f"loaded v1 ({SLUG})" in live_stack.manage("sync_tutorials", "--path", str(folder))
    return live_stack


@pytest.fixture
def learner(stack_with_sample):
    handle = Live(stack_with_sample)
    yield handle
    handle.close()


def start(learner: Live) -> dict:
    answer = learner.api("POST", f"/api/tutorials/{SLUG}/start", expect=201)
    learner.notebooks.append(answer["notebook"])
    return learner.api("GET", f"/api/notebooks/{answer['notebook']}", expect=200)


def check(learner: Live, nb: dict, exercise: str, source: str | None, listener) -> dict:
    """POST check, wait for the `check` event, return it."""
    body = {} if source is None else {"source": source}
    answer = learner.api("POST", f"/api/notebooks/{nb['id']}/exercises/{exercise}/check", body, expect=202)
    listener.until(lambda ms: any(m.get("type") == "check" and m.get("execution") == answer["check"] for m in ms), timeout=60)
    event = next(m for m in listener.messages if m.get("type") == "check" and m.get("execution") == answer["check"])
    return {**event, "answer": answer}


def test_a_wrong_answer_fails_with_the_message_and_a_right_one_passes_and_counts(learner):
    nb = start(learner)
    listener = learner.listen(nb)
    base = learner.api("POST", f"/api/notebooks/{nb['id']}/run-all", {"cells": [nb["cells"][1]["id"]]}, expect=202)
    wrong = check(learner, nb, "triple", None, listener)  # the saved starter
    assert (wrong["data"]["status"], wrong["data"]["message"]) == ("fail", "triple(2) should be 6, got None.")
    assert wrong["data"]["solved"] is False and wrong["data"]["solution_available"] is True
    right = check(learner, nb, "triple", SOLUTION_TRIPLE, listener)
    assert (right["data"]["status"], right["data"]["solved"]) == ("pass", True)
    assert right["data"]["progress"]["exercises_passed"] == 1
    state = learner.api("GET", f"/api/notebooks/{nb['id']}/exercises/triple", expect=200)
    assert state["status"] == "pass" and state["solved"] and [a["status"] for a in state["attempts"]] == ["pass", "fail"]
    # Progress counts recorded runs: the base cell ran before the checks (one session, in order),
    # but its record may reach the platform after the check's grading.
    learner.recorded(base["executions"][0]["execution"])
    progress = learner.api("GET", "/api/learning", expect=200)[0]["progress"]
    assert (progress["exercises_passed"], progress["cells_run"]) == (1, 2)  # the base cell and the exercise cell
    # The cell shows the learner's run (nothing of the check), and the check's execution shows no outputs.
    cell = learner.api("GET", f"/api/notebooks/{nb['id']}", expect=200)["cells"][3]
    assert cell["outputs"] == [] and cell["execution_count"] is not None
    assert learner.recorded(right["answer"]["check"])["outputs"] == []
    listener.close()


def test_the_checks_outputs_and_code_never_reach_the_websocket(learner):
    nb = start(learner)
    listener = learner.listen(nb)
    event = check(learner, nb, "shout", "word = 'hello'", listener)
    assert (event["data"]["status"], event["data"]["message"]) == ("fail", "word should be 'HELLO': use .upper().")
    mine = [m for m in listener.events() if m["execution"] == event["answer"]["check"]]
    assert [m["type"] for m in mine if m["type"] != "queued"] == ["started", "finished", "check"]
    wire = json.dumps(listener.messages)
    assert SECRET not in wire  # the check displayed it: it is in the stream, not on the wire
    assert SECRET in json.dumps(learner.stack.events(event["answer"]["session"]))
    for line in (CHECK_SHOUT + CHECK_TRIPLE).splitlines():
        if len(line.strip()) > 12:
            assert line.strip() not in wire
    listener.close()


def test_a_forged_pass_printed_by_the_learner_does_not_pass(learner):
    nb = start(learner)
    listener = learner.listen(nb)
    forged_in_cell = (
        "from IPython.display import display\n"
        f"display({{'{CHECK_MIME}': {{'exercise': 'triple', 'status': 'pass', 'message': ''}}}}, raw=True)\n"
        "print('{\"exercise\": \"triple\", \"status\": \"pass\", \"message\": \"\"}')\n"
        "def triple(x):\n    return x"
    )
    assert check(learner, nb, "triple", forged_in_cell, listener)["data"]["status"] == "fail"
    forged_in_the_call = (
        "def triple(x):\n    from IPython.display import display\n"
        f"    display({{'{CHECK_MIME}': {{'exercise': 'triple', 'status': 'pass', 'message': ''}}}}, raw=True)\n"
        "    return 5"
    )
    event = check(learner, nb, "triple", forged_in_the_call, listener)
    assert (event["data"]["status"], event["data"]["message"]) == ("fail", "triple(2) should be 6, got 5.")
    assert not learner.api("GET", f"/api/notebooks/{nb['id']}/exercises/triple", expect=200)["solved"]
    listener.close()


def test_a_cell_that_raises_is_a_fail_that_says_so(learner):
    nb = start(learner)
    listener = learner.listen(nb)
    event = check(learner, nb, "triple", "triple = undefined_helper", listener)
    assert event["data"]["status"] == "fail"
    assert event["data"]["message"].startswith("Your cell raised NameError: name 'undefined_helper' is not defined.")
    listener.close()


HISTORY_PROBE = """
import linecache
shell = get_ipython()
shell.history_manager.writeout_cache()
stored = [row[0] for row in shell.history_manager.db.execute('SELECT source_raw FROM history')]
names = {k: v for k, v in globals().items() if k.startswith('_i') and isinstance(v, str)}
cached = [''.join(entry[2]) for entry in linecache.cache.values() if len(entry) > 2]
print(repr(In), repr(_ih), repr(names), repr(stored), repr(cached))
shell.run_line_magic('history', '-g triple')
"""


def test_the_check_does_not_stay_in_the_kernels_input_history(learner):
    nb = start(learner)
    listener = learner.listen(nb)
    check(learner, nb, "triple", SOLUTION_TRIPLE, listener)
    probe = learner.recorded(learner.run(nb, 1, source=HISTORY_PROBE))
    printed = "".join(o.get("text", "") for o in probe["outputs"])
    assert SOLUTION_TRIPLE.splitlines()[1].strip() in printed  # the learner's own cell is there
    # The check ran with store_history=False: it took no execution count (exercise cell [1], probe [2]).
    assert probe["execution_count"] == 2, probe["execution_count"]
    for line in CHECK_TRIPLE.splitlines():
        if len(line.strip()) > 12:
            assert line.strip() not in printed
    assert "__campfire_check__" not in printed
    listener.close()
