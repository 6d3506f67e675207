"""Answer a kernel query (completion, inspection) on an idle kernel, and clean what the kernel said.

The kernel runs the learner's code, so its reply is as untrusted as an output: only the expected
fields leave here, as strings of bounded size, with positions clamped to the code that was sent.
"""
from __future__ import annotations

import re

from . import logs
from .cellrun import shell_reply
from .kernel import Kernel
from .query_protocol import (COMPLETE, FAILED, MAX_MATCH, MAX_MATCHES, MAX_TEXT, OK, TIMEOUT,
                             KernelQuery, no_answer)

log = logs.get("queries")

ANSWER_WAIT = 5.0   # seconds; a fresh kernel's first Tab waits for its completer's warm-up (kernel_startup.py)
TYPES_KEY = "_jupyter_types_experimental"   # IPython's per-match type and signature
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")   # colours in IPython's inspection text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")   # all but tab and newline
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f]")


def ask(kernel: Kernel, query: KernelQuery, wait: float = ANSWER_WAIT) -> dict:
    if query.kind == COMPLETE:
        msg_id = kernel.client.complete(query.code, query.cursor_pos)
    else:
        msg_id = kernel.client.inspect(query.code, query.cursor_pos, query.detail_level)
    reply = shell_reply(kernel, msg_id, wait)
    if reply is None:
        return no_answer(TIMEOUT, f"the kernel did not answer within {wait:g} s")
    content = reply.get("content") if isinstance(reply.get("content"), dict) else {}
    if content.get("status") != "ok":
        return no_answer(FAILED, _short(content.get("evalue")) or "the kernel could not answer")
    return completion(content, query) if query.kind == COMPLETE else inspection(content)


def completion(content: dict, query: KernelQuery) -> dict:
    texts = content.get("matches") if isinstance(content.get("matches"), list) else []
    details = ((content.get("metadata") or {}).get(TYPES_KEY) if isinstance(content.get("metadata"), dict) else None) or []
    by_text = {d.get("text"): d for d in details if isinstance(d, dict)}
    matches, seen = [], set()
    for text in texts:
        if not isinstance(text, str) or not text or len(text) > MAX_MATCH or text in seen or _LINE_BREAKING.search(text):
            continue
        seen.add(text)
        detail = by_text.get(text, {})
        matches.append({"text": text, "type": _short(detail.get("type")), "signature": _short(detail.get("signature"))})
        if len(matches) == MAX_MATCHES:
            break
    start = _position(content.get("cursor_start"), query)
    end = _position(content.get("cursor_end"), query)
    if start is None or end is None or start > end:
        start = end = query.cursor_pos
    return {"status": OK, "matches": matches, "cursor_start": start, "cursor_end": end}


def inspection(content: dict) -> dict:
    data = content.get("data") if isinstance(content.get("data"), dict) else {}
    text = data.get("text/plain") if isinstance(data.get("text/plain"), str) else ""
    text = _CONTROL.sub("", _ANSI.sub("", text)).strip()
    truncated = len(text) > MAX_TEXT
    return {"status": OK, "found": bool(content.get("found")) and bool(text),
            "text": text[:MAX_TEXT], "truncated": truncated}


def _position(value, query: KernelQuery) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return min(max(value, 0), len(query.code))


def _short(value) -> str:
    return _LINE_BREAKING.sub(" ", value)[:MAX_MATCH] if isinstance(value, str) else ""
