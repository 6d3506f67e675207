"""What leaves a worker from a kernel's complete/inspect reply: the kernel runs the learner's code, so
its reply is hostile input (a `__dir__` can return anything)."""
from __future__ import annotations

import pytest

from workers.protocol import ProtocolError
from workers.queries import completion, inspection
from workers.query_protocol import MAX_MATCHES, MAX_TEXT, KernelQuery


def query(code: str = "obj.", **kw) -> KernelQuery:
    return KernelQuery(session="s-1", kind="complete", code=code, cursor_pos=len(code), reply_to="t1", **kw)


def test_matches_that_would_break_the_editor_are_dropped_and_the_rest_keep_their_types():
    content = {"status": "ok", "cursor_start": 4, "cursor_end": 4,
               "matches": ["good", "two\nlines", "x" * 201, "\x1b[31mred", 7, None, "good", "", "fine"],
               "metadata": {"_jupyter_types_experimental": [
                   {"text": "good", "type": "function", "signature": "(a,\nb)"}, {"text": "fine", "type": 3}]}}
    answer = completion(content, query())
    assert answer["matches"] == [{"text": "good", "type": "function", "signature": "(a, b)"},
                                 {"text": "fine", "type": "", "signature": ""}]
    assert (answer["status"], answer["cursor_start"], answer["cursor_end"]) == ("ok", 4, 4)


def test_positions_outside_the_code_or_reversed_fall_back_to_the_cursor():
    for start, end in ((-5, 4), (2, 99), (3, 1), ("1", 4), (True, 4)):
        answer = completion({"status": "ok", "matches": ["a"], "cursor_start": start, "cursor_end": end}, query())
        assert (answer["cursor_start"], answer["cursor_end"]) in ((0, 4), (2, 4), (4, 4)), (start, end, answer)
        assert answer["cursor_start"] <= answer["cursor_end"] <= 4


def test_at_most_max_matches_and_no_metadata_needed():
    answer = completion({"status": "ok", "matches": [f"m{i}" for i in range(1000)], "metadata": "junk"}, query())
    assert len(answer["matches"]) == MAX_MATCHES and answer["matches"][0]["text"] == "m0"


def test_inspection_loses_colours_and_control_characters_and_is_bounded():
    text = "\x1b[31mSignature:\x1b[39m f(x)\n\x07Docstring:\tbell\x00" + "y" * (MAX_TEXT + 10)
    answer = inspection({"status": "ok", "found": True, "data": {"text/plain": text, "text/html": "<script>"}})
    assert answer["text"].startswith("Signature: f(x)\nDocstring:\tbell") and len(answer["text"]) == MAX_TEXT
    assert answer["truncated"] is True and answer["found"] is True and set(answer) == {"status", "found", "text", "truncated"}
    assert inspection({"status": "ok", "found": True, "data": {"text/plain": 5}})["found"] is False


@pytest.mark.parametrize("bad", [
    {"kind": "execute"}, {"cursor_pos": 99}, {"cursor_pos": -1}, {"cursor_pos": True}, {"detail_level": 2},
    {"session": "a b"}, {"reply_to": "../x"}, {"code": 5}, {"code": "x" * 100_001, "cursor_pos": 0},
])
def test_bad_queries_are_refused(bad):
    raw = {**query("abc").to_dict(), **bad}
    with pytest.raises(ProtocolError):
        KernelQuery.from_dict(raw)
