"""Reading a session's event stream (Redis) from the platform: ids, kernel state, resume points.

Stream ids are "<ms>-<n>"; they compare as pairs of integers. Event dicts are exactly what
`workers.protocol.decode_event` returns (DESIGN.md's event format).
"""

import re

from django.conf import settings

from workers import protocol

from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import KernelState

_STREAM_ID = re.compile(r"(\d{1,20})-(\d{1,20})")
_ID_PART_MAX = 2**64 - 1   # Redis refuses larger parts ("Invalid stream ID")


def valid_id(value: str) -> bool:
    """A stream id Redis accepts: "<ms>-<n>", each part a 64-bit unsigned integer (nothing after it)."""
    match = _STREAM_ID.fullmatch(value)
    return bool(match) and all(int(part) <= _ID_PART_MAX for part in match.groups())


ZERO = "0-0"
_PAGE = 100
_MAX_SCAN = 2000  # events looked at, newest first, to find the kernel's state

# kernel event data["state"] -> KernelSession state (docs/EXECUTION.md)
_KERNEL_EVENT_STATES = {
    "ready": KernelState.IDLE,
    "restarted": KernelState.STARTING,
    "died": KernelState.DEAD,
    "lost": KernelState.DEAD,
    "shutdown": KernelState.DEAD,
    "culled": KernelState.CULLED,
    "moved": KernelState.DEAD,        # the notebook's session went on under a new id (a runtime change)
}
# A finished run leaves the kernel idle, unless the run ended because the kernel went away.
_FINISHED_GONE = {protocol.KERNEL_DIED, protocol.LOST}


def parse_id(stream_id: str) -> tuple[int, int]:
    ms, _, n = stream_id.partition("-")
    return int(ms), int(n or 0)


def id_before(stream_id: str) -> str:
    """The largest id below `stream_id` (XREAD's `after` is exclusive)."""
    ms, n = parse_id(stream_id)
    if n:
        return f"{ms}-{n - 1}"
    return f"{ms - 1}-18446744073709551615" if ms else ZERO


def stream_key(session: str) -> str:
    return namespace().session_events(session)


def append(session: str, event: dict, client=None) -> str:
    """Append one of the platform's own events (`protocol.make_event`) to a session's stream,
    trimmed and expiring as the workers' streams do; returns its stream id."""
    key = stream_key(session)
    pipe = (client or redis_client()).pipeline(transaction=False)
    pipe.xadd(key, protocol.encode_event(event), maxlen=settings.CAMPFIRE_STREAM_MAXLEN, approximate=True)
    pipe.expire(key, settings.CAMPFIRE_STREAM_TTL)
    return pipe.execute()[0]


def last_id(session: str, client=None) -> str:
    """The id of the newest event (ZERO when the stream is empty or gone)."""
    entries = (client or redis_client()).xrevrange(stream_key(session), count=1)
    return entries[0][0] if entries else ZERO


def first_id(entries) -> str | None:
    return entries[0][0] if entries else None


def missed_events(after: str, oldest: str | None, exists: bool) -> bool:
    """True when events after `after` may have been dropped (trimmed by MAXLEN or expired).

    The entry a client last saw is still in the stream unless it was trimmed, so an `after`
    older than the oldest entry means the client may have missed some (Redis 6.2 has no exact
    record of trimmed ids; reloading stored outputs is the safe answer).
    """
    if after == ZERO:
        return False
    if not exists:
        return True  # the stream expired (no event for CAMPFIRE_STREAM_TTL)
    return oldest is not None and parse_id(after) < parse_id(oldest)


def state_of(event: dict) -> str | None:
    """The kernel state an event implies, or None for events that say nothing about it."""
    kind, data = event["type"], event["data"]
    if kind == protocol.EV_KERNEL:
        return _KERNEL_EVENT_STATES.get(data.get("state"))
    if kind == protocol.EV_STARTED:
        return KernelState.BUSY
    if kind == protocol.EV_FINISHED and data.get("scope") != "notebook":
        return KernelState.DEAD if data.get("status") in _FINISHED_GONE else KernelState.IDLE
    return None


def derive_state(events_newest_first) -> dict | None:
    """{"state", "worker", "message"} from the newest event that decides the kernel's state.

    A run queued after the kernel went away (dead, culled) means one is being started. None
    when no event decides it.
    """
    queued_since = False
    worker = None
    for event in events_newest_first:
        data = event["data"]
        if worker is None and isinstance(data.get("worker"), str):
            worker = data["worker"]
        if event["type"] == protocol.EV_QUEUED:
            queued_since = True
            continue
        state = state_of(event)
        if state is None:
            continue
        if queued_since and state in (KernelState.DEAD, KernelState.CULLED):
            state = KernelState.STARTING
        message = data.get("message", "") if event["type"] == protocol.EV_KERNEL else ""
        return {"state": state, "worker": worker or "", "message": message or ""}
    return None


def scan_newest_first(session: str, client=None, limit: int = _MAX_SCAN):
    """Decoded events of a session, newest first, at most `limit`."""
    client = client or redis_client()
    key, upper, seen = stream_key(session), "+", 0
    while seen < limit:
        entries = client.xrevrange(key, max=upper, count=_PAGE)
        for stream_id, fields in entries:
            seen += 1
            yield protocol.decode_event(stream_id, fields)
        if len(entries) < _PAGE:
            return
        upper = "(" + entries[-1][0]


def current_state(session: str, client=None) -> dict | None:
    return derive_state(scan_newest_first(session, client))


def resume_point(session: str, executions: set[str], client=None) -> str:
    """Where a page should start reading: just before the first event of the oldest of
    `executions` still in the stream (so a reload shows a running cell's output so far), else
    after the newest event."""
    client = client or redis_client()
    newest = last_id(session, client)
    if not executions:
        return newest
    earliest = None
    for event in scan_newest_first(session, client):
        if event["execution"] in executions:
            earliest = event["id"]
    return id_before(earliest) if earliest else newest
