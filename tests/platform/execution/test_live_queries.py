"""Completion and inspection end to end: HTTP -> platform -> the owner worker's queue -> the session's
kernel -> Redis -> HTTP, with real processes (tests/livestack.py)."""


def test_completion_and_help_come_from_the_notebooks_own_kernel(live):
    nb = live.notebook("import math\nlearning_rate = 0.1", "learning_r")
    path = f"/api/notebooks/{nb['id']}"
    before = live.api("POST", f"{path}/complete", {"code": "learning_r", "cursor_pos": 10}, expect=200)
    assert before["status"] == "no_kernel" and before["matches"] == []
    live.recorded(live.run(nb, 0))
    mine = live.api("POST", f"{path}/complete", {"code": "learning_r", "cursor_pos": 10}, expect=200)
    assert mine["status"] == "ok" and [m["text"] for m in mine["matches"]] == ["learning_rate"]
    assert (mine["cursor_start"], mine["cursor_end"]) == (0, 10)
    module = live.api("POST", f"{path}/complete", {"code": "y = math.sq", "cursor_pos": 11}, expect=200)
    assert "sqrt" in [m["text"] for m in module["matches"]] and module["cursor_start"] == 9
    # Positions count code points: an accented name before the cursor does not shift them.
    accented = live.api("POST", f"{path}/complete", {"code": "é = 1; math.sq", "cursor_pos": 14}, expect=200)
    assert "sqrt" in [m["text"] for m in accented["matches"]] and accented["cursor_start"] == 12
    help_ = live.api("POST", f"{path}/inspect", {"code": "math.sqrt(2)", "cursor_pos": 9}, expect=200)
    assert help_["status"] == "ok" and help_["found"] and "square root" in help_["text"]
    # The other notebook's kernel is not this one's.
    other = live.notebook("other_variable = 1")
    live.recorded(live.run(other, 0))
    theirs = live.api("POST", f"/api/notebooks/{other['id']}/complete", {"code": "learning_r", "cursor_pos": 10}, expect=200)
    assert theirs["status"] == "ok" and theirs["matches"] == []
