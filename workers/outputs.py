"""A cell's outputs as a notebook would store them, and the per-cell output byte cap.

`CellOutputs` follows nbclient's semantics (nbclient/client.py `output`, `clear_output`,
`_update_display_id`): clear_output(wait=True) clears just before the next output arrives;
update_display_data replaces data and metadata of every output of this cell that was created with
that display id; consecutive stream outputs of the same name are merged as Jupyter front ends do.
"""
from __future__ import annotations

import json
import time

from nbformat.v4 import output_from_msg

OUTPUT_MSGS = ("stream", "display_data", "execute_result", "error", "update_display_data")
ERROR_LIMIT = 100_000  # an error output always gets through, but not an unbounded one
LIVE_FACTOR = 10       # bytes a cell may send live, as a multiple of what it may keep
SNAPSHOT_EVERY = 5.0   # while live output is paused: seconds at least between two snapshots of the cell
SNAPSHOT_RATE = 100_000  # ... and at most about this many bytes of snapshots a second


def human_bytes(n: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:g} {unit}"
    return f"{n} bytes"


def output_size(output: dict) -> int:
    if output.get("output_type") == "stream":
        return len(output.get("text", "").encode("utf-8", "replace"))
    total = 0
    for value in list(output.get("data", {}).values()) + [output.get("metadata", {})]:
        total += len(value.encode("utf-8", "replace")) if isinstance(value, str) \
            else len(json.dumps(value))
    return total


def _cut_utf8(text: str, max_bytes: int) -> str:
    return text.encode("utf-8", "replace")[:max_bytes].decode("utf-8", "ignore")


def _bounded_error(output: dict) -> dict:
    if len(json.dumps(output)) <= ERROR_LIMIT:
        return output
    traceback = [_cut_utf8(line, 2000) for line in output.get("traceback", [])[-20:]]
    return {**output, "evalue": _cut_utf8(output.get("evalue", ""), 2000), "traceback": traceback}


class OutputBudget:
    """A cell's two output limits.

    `limit` caps the bytes the cell *keeps*: its outputs as stored and shown. A clear_output or a
    display update gives back what it replaces, so a loop that redraws a figure or a status line
    never reaches it; past it output is cut (a stream to the byte) and the user told once; error
    outputs always pass, bounded. `live_limit` (LIVE_FACTOR x `limit`) caps the bytes sent to the
    page while the cell runs, where every redraw counts: past it live output pauses, a snapshot of
    what the cell keeps goes out now and then (`snapshot_due`), and the cell's final outputs are sent
    once when it ends (the runner's `resync`), so a redraw loop can neither flood the event stream
    nor lose its last frame, and its page still moves."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.live_limit = LIVE_FACTOR * limit
        self.forwarded = 0
        self.truncated = False
        self.paused = False
        self._snapshot_at = 0.0

    def admit(self, output: dict, kept: int) -> tuple[dict | None, dict | None]:
        """(what to keep of `output` or None, the one-time truncation notice or None), given the
        bytes the cell keeps now (`CellOutputs.kept`)."""
        if output.get("output_type") == "error":
            return _bounded_error(output), None
        if self.truncated:
            return None, None
        size = output_size(output)
        if kept + size <= self.limit:
            return output, None
        self.truncated = True
        room = self.limit - kept
        part = None
        if output.get("output_type") == "stream" and room > 0:
            part = {**output, "text": _cut_utf8(output["text"], room)}
        return part, self.notice()

    def live(self, output: dict) -> tuple[bool, dict | None]:
        """(whether to send `output` to the page now, the one-time pause notice or None)."""
        if self.paused:
            return False, None
        size = output_size(output)
        if self.forwarded + size <= self.live_limit:
            self.forwarded += size
            return True, None
        self.paused = True
        self._snapshot_at = time.monotonic()
        text = (f"\nlive output paused: this cell sent more than {human_bytes(self.live_limit)} to the "
                f"page; it shows its latest output every few seconds, and all of it when it finishes\n")
        return False, {"output_type": "stream", "name": "stderr", "text": text}

    def snapshot_due(self, kept: int, now: float | None = None) -> bool:
        """While paused, whether to send the cell's outputs again now (a clear, then each output):
        at most every SNAPSHOT_EVERY seconds, and as bytes go no faster than SNAPSHOT_RATE. The
        event stream then also holds a recent frame if the worker dies before the final resync."""
        if not self.paused:
            return False
        now = time.monotonic() if now is None else now
        if now - self._snapshot_at < max(SNAPSHOT_EVERY, kept / SNAPSHOT_RATE):
            return False
        self._snapshot_at = now
        return True

    def notice(self) -> dict:
        text = f"\noutput truncated: the cell printed more than {human_bytes(self.limit)}\n"
        return {"output_type": "stream", "name": "stderr", "text": text}


def gate(budget: OutputBudget, msg: dict, cell: CellOutputs) -> tuple[str | None, dict | None, dict | None]:
    """For an output iopub message to `cell`: (its display id, the output to keep or None, the
    truncation notice or None). update_display_data becomes its replacement display_data, and
    what it replaces does not count against the cap."""
    content = msg["content"]
    transient = content.get("transient")
    display_id = transient.get("display_id") if isinstance(transient, dict) else None
    display_id = display_id if isinstance(display_id, str) else None
    try:
        if msg["msg_type"] == "update_display_data":
            if not display_id:
                return None, None, None
            candidate = dict(output_from_msg({**msg, "header": {**msg["header"],
                                                                "msg_type": "display_data"}}))
            kept = cell.kept_replacing(display_id)
        else:
            candidate = dict(output_from_msg(msg))
            kept = cell.kept
    except Exception:  # the kernel runs user code: a malformed message is dropped, not fatal
        return None, None, None
    return (display_id, *budget.admit(candidate, kept))


def send_live(budget: OutputBudget, emit, kind: str, output: dict) -> bool:
    """`emit(kind, output)` unless live output is paused (then the one-time pause notice, shown
    live only: the runner's resync replaces it); whether `output` went out."""
    live, notice = budget.live(output)
    if live:
        emit(kind, output)
    elif notice is not None:
        emit("stream", notice)
    return live


def with_display_id(output: dict, display_id: str | None) -> dict:
    """Events carry the display id the way Jupyter messages do, so a browser can apply updates;
    stored outputs (the record task's) never carry it."""
    return {**output, "transient": {"display_id": display_id}} if display_id else output


class CellOutputs:
    def __init__(self) -> None:
        self.outputs: list[dict] = []
        self._clear_pending = False
        self._displays: dict[str, list[int]] = {}
        self._size = 0

    @property
    def kept(self) -> int:
        """Bytes the cell keeps once a pending clear_output(wait=True) applies (it applies before
        the next output is added)."""
        return 0 if self._clear_pending else self._size

    def kept_replacing(self, display_id: str) -> int:
        """Bytes kept once an update of `display_id` has replaced the outputs it shows."""
        replaced = sum(output_size(self.outputs[i]) for i in self._displays.get(display_id, ()))
        return max(0, self.kept - replaced)

    def append(self, output: dict, display_id: str | None = None) -> None:
        if self._clear_pending:
            self._clear_now()
        if display_id:
            self._displays.setdefault(display_id, []).append(len(self.outputs))
        self._size += output_size(output)
        last = self.outputs[-1] if self.outputs else None
        if (not display_id and output.get("output_type") == "stream" and last is not None
                and last.get("output_type") == "stream" and last.get("name") == output.get("name")):
            self.outputs[-1] = {**last, "text": last["text"] + output["text"]}
        else:
            self.outputs.append(dict(output))

    def clear(self, wait: bool) -> None:
        if wait:
            self._clear_pending = True
        else:
            self._clear_now()

    def _clear_now(self) -> None:
        self.outputs = []
        self._displays = {}
        self._clear_pending = False
        self._size = 0

    def update_display(self, display_id: str, output: dict) -> bool:
        """Apply an update to this cell's outputs; False when the display lives elsewhere."""
        indexes = self._displays.get(display_id)
        if not indexes:
            return False
        for index in indexes:
            old = self.outputs[index]
            new = {**old, "data": output.get("data", {}), "metadata": output.get("metadata", {})}
            self._size += output_size(new) - output_size(old)
            self.outputs[index] = new
        return True

    def displays(self) -> dict[str, list[int]]:
        """{display id: indexes of the outputs it shows} (the record's `displays`)."""
        return {display_id: list(indexes) for display_id, indexes in self._displays.items()}

    def with_display_ids(self) -> list[dict]:
        """The outputs as events carry them (display ids in `transient`), for a resync."""
        ids = {index: display_id for display_id, indexes in self._displays.items() for index in indexes}
        return [with_display_id(output, ids.get(index)) for index, output in enumerate(self.outputs)]


def replay(events) -> list[dict]:
    """Rebuild a cell's outputs from its stream events (for a run whose worker died: the
    events it streamed survive in Redis, its in-memory output list does not)."""
    cell = CellOutputs()
    for event in events:
        kind, data = event["type"], dict(event["data"])
        display_id = (data.pop("transient", None) or {}).get("display_id")
        if kind == "clear_output":
            cell.clear(bool(data.get("wait")))
        elif kind == "update_display_data":
            cell.update_display(display_id, data)
        elif kind in ("stream", "display_data", "execute_result", "error"):
            cell.append(data, display_id)
    return cell.outputs
