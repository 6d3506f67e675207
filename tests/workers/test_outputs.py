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
    assert budget.admit(stream("12345"), 0) == (stream("12345"), None)
    kept, notice = budget.admit(stream("6789abcdef"), 5)
    assert kept == stream("6789a") and "more than 10 bytes" in notice["text"]
    assert budget.truncated and budget.admit(stream("more"), 0) == (None, None)
    error = {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]}
    assert budget.admit(error, 10) == (error, None)


def test_budget_never_splits_a_utf8_character():
    budget = OutputBudget(4)
    kept, _ = budget.admit(stream("aé€"), 0)  # 1 + 2 + 3 bytes
    assert kept["text"] == "aé"


def _redraw(cell, budget, frames, output):
    """A redraw loop as the worker sees it: clear_output(wait=True), then the new frame."""
    sent = paused = 0
    for _ in range(frames):
        cell.clear(wait=True)
        kept, notice = budget.admit(output, cell.kept)
        assert notice is None, "a redraw loop keeps one frame: it must never be cut"
        cell.append(kept)
        live, pause = budget.live(kept)
        sent += live
        paused += pause is not None
    return sent, paused


def test_the_cap_counts_what_the_cell_keeps_so_redraws_never_truncate():
    cell, budget = CellOutputs(), OutputBudget(1000)
    frame = display("x" * 90)                   # 90 bytes of data + 2 of metadata
    sent, paused = _redraw(cell, budget, 100, frame)    # 9.2 kB sent, under the 10 kB live limit
    assert (sent, paused, budget.truncated) == (100, 0, False)
    assert cell.outputs == [frame] and cell.kept == 92


def test_past_the_live_limit_output_pauses_once_and_the_cell_keeps_its_last_frame():
    cell, budget = CellOutputs(), OutputBudget(1000)
    sent, paused = _redraw(cell, budget, 300, display("x" * 90))
    assert (sent, paused) == (10_000 // 92, 1) and budget.paused and not budget.truncated
    cell.clear(wait=True)
    last = display("final")
    cell.append(budget.admit(last, cell.kept)[0])
    assert budget.live(last) == (False, None)          # the notice came once; the runner resyncs
    assert cell.outputs == [last]


def test_while_paused_snapshots_go_out_every_few_seconds_and_no_faster_than_the_byte_rate():
    from workers import outputs
    budget = OutputBudget(1000)
    assert budget.snapshot_due(0, now=1e9) is False               # not paused: every output goes live
    budget.forwarded = budget.live_limit
    assert budget.live(display("x"))[1] is not None and budget.paused
    start = budget._snapshot_at
    every = outputs.SNAPSHOT_EVERY
    assert budget.snapshot_due(100, now=start + every - 0.1) is False
    assert budget.snapshot_due(100, now=start + every) is True
    assert budget.snapshot_due(100, now=start + every + 1) is False      # the clock restarts at each one
    big = int(outputs.SNAPSHOT_RATE * every * 3)                          # 3 x the bytes: 3 x the wait
    assert budget.snapshot_due(big, now=start + 2 * every + 0.1) is False
    assert budget.snapshot_due(big, now=start + every + 3 * every) is True


def test_kept_bytes_follow_merges_clears_and_display_updates():
    cell = CellOutputs()
    cell.append(stream("abc"))
    cell.append(stream("de"))
    cell.append(display("xy"), "d")
    assert cell.kept == 5 + 4
    cell.update_display("d", display("wxyz"))
    assert cell.kept == 5 + 6
    cell.clear(wait=True)
    assert cell.kept == 0 and cell.outputs          # shown until the next output replaces them
    cell.append(stream("n"))
    assert cell.kept == 1
    assert cell.with_display_ids() == [stream("n")]


def test_with_display_ids_puts_each_outputs_display_id_back():
    cell = CellOutputs()
    cell.append(display("a"), "d1")
    cell.append(stream("s"))
    cell.append(display("b"), "d1")
    assert [o.get("transient") for o in cell.with_display_ids()] == [
        {"display_id": "d1"}, None, {"display_id": "d1"}]
    assert "transient" not in cell.outputs[0]


def test_huge_error_is_bounded():
    huge = {"output_type": "error", "ename": "E", "evalue": "v" * 500_000,
            "traceback": ["line"] * 1000}
    kept, _ = OutputBudget(10).admit(huge, 0)
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


def _msg(kind, text, display_id="fig"):
    return {"msg_type": kind, "header": {"msg_type": kind},
            "content": {"data": {"text/plain": text}, "metadata": {}, "transient": {"display_id": display_id}}}


def test_an_update_in_place_counts_only_the_new_version():
    from workers.outputs import gate
    cell, budget = CellOutputs(), OutputBudget(5_000)
    display_id, kept, notice = gate(budget, _msg("display_data", "a" * 3_000), cell)
    cell.append(kept, display_id)
    for _ in range(10):                 # 3 kB shown, replaced by 3 kB: never over the 5 kB cap
        display_id, kept, notice = gate(budget, _msg("update_display_data", "b" * 3_000), cell)
        assert notice is None and kept is not None
        assert cell.update_display(display_id, kept)
    assert not budget.truncated and cell.kept == 3_002
    _, kept, notice = gate(budget, _msg("display_data", "c" * 3_000, "other"), cell)   # a second one does not fit
    assert notice is not None and kept is None and budget.truncated
