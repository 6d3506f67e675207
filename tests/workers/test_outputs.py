"""Cell output semantics (as nbclient) and the output byte cap."""
from __future__ import annotations

from workers.outputs import CellOutputs, OutputBudget, human_bytes, replay


def stream(text, name="stdout"):
    return {"output_type": "stream", "name": name, "text": text}


def display(text):
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


def test_consecutive_streams_merge_by_name():
    cell = CellOutputs()
    for output in (stream("a"), stream("b"), stream("!", "stderr"), stream("c")):
        cell.append(output)
    assert cell.outputs == [stream("ab"), stream("!", "stderr"), stream("c")]


def test_clear_output_now_and_on_next_output():
    cell = CellOutputs()
    cell.append(stream("old"))
    cell.clear(wait=True)
    assert cell.outputs == [stream("old")]  # still shown until something replaces it
    cell.append(stream("new"))
    assert cell.outputs == [stream("new")]
    cell.clear(wait=False)
    assert cell.outputs == []


def test_update_display_replaces_every_output_with_that_id():
    cell = CellOutputs()
    cell.append(display("one"), "d1")
    cell.append(stream("between"))
    cell.append(display("two"), "d1")
    assert cell.update_display("d1", display("new")) is True
    assert cell.outputs == [display("new"), stream("between"), display("new")]
    assert cell.update_display("elsewhere", display("x")) is False
    cell.clear(wait=False)
    assert cell.update_display("d1", display("gone")) is False


def test_budget_cuts_a_stream_once_and_drops_the_rest_but_errors():
    budget = OutputBudget(10)
    assert budget.admit(stream("12345")) == (stream("12345"), None)
    kept, notice = budget.admit(stream("6789abcdef"))
    assert kept == stream("6789a") and "more than 10 bytes" in notice["text"]
    assert budget.truncated and budget.admit(stream("more")) == (None, None)
    error = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]}
    assert budget.admit(error) == (error, None)


def test_budget_never_splits_a_utf8_character():
    budget = OutputBudget(4)
    kept, _ = budget.admit(stream("aé€"))  # 1 + 2 + 3 bytes
    assert kept["text"] == "aé"


def test_huge_error_is_bounded():
    huge = {"output_type": "error", "ename": "E", "evalue": "v" * 500_000,
            "traceback": ["line"] * 1000}
    kept, _ = OutputBudget(10).admit(huge)
    assert len(kept["evalue"]) == 2000 and len(kept["traceback"]) == 20


def test_human_bytes():
    assert human_bytes(5_000_000) == "5 MB" and human_bytes(1536) == "1.536 kB"


def test_replay_rebuilds_outputs_from_events():
    events = [
        {"type": "stream", "data": stream("step 1\n")},
        {"type": "clear_output", "data": {"wait": True}},
        {"type": "stream", "data": stream("step 2\n")},
        {"type": "display_data", "data": {**display("a"), "transient": {"display_id": "d"}}},
        {"type": "update_display_data", "data": {**display("b"),
                                                 "transient": {"display_id": "d"}}},
        {"type": "started", "data": {"execution_count": 3}},
    ]
    assert replay(events) == [stream("step 2\n"), display("b")]
