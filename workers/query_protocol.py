"""The contract for kernel queries: completion (Tab) and inspection (Shift+Tab) in a session's kernel.

A query is not a run: it is never numbered, recorded or streamed, and only ever goes to the queue of
the worker that owns the session (`kernels.<worker>`, with `expires=EXPIRES`): without a kernel there is
nothing worth starting one for. The worker pushes the answer to `reply_key(token)`, a list the platform
waits on with BLPOP. Standard library only, as
workers.protocol, which it builds on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from .protocol import Namespace, ProtocolError, _Payload, check_id

TASK_QUERY = "workers.query"
COMPLETE, INSPECT = "complete", "inspect"
KINDS = (COMPLETE, INSPECT)

# Answer statuses: `ok` carries the kernel's answer; the others say why there is none (the editor then
# completes from the cell's own text).
OK, BUSY, NO_KERNEL, TIMEOUT, FAILED = "ok", "busy", "no_kernel", "timeout", "error"
ANSWER_STATUSES = (OK, BUSY, NO_KERNEL, TIMEOUT, FAILED)

MAX_CODE = 100_000   # characters of cell source a query may carry
MAX_MATCHES = 200    # completions kept (a bare `np.` offers ~600)
MAX_MATCH = 200      # characters per completion, and per type or signature
MAX_TEXT = 20_000    # characters of an inspection (a docstring)
REPLY_TTL = 30       # seconds an answer nobody collected stays in Redis
EXPIRES = 10         # seconds after which a worker drops a query still queued (nobody waits for it)


@dataclass
class KernelQuery(_Payload):
    """Payload of workers.query: ask the session's kernel, answer at `reply_key(reply_to)`.

    `cursor_pos` counts Unicode code points, as the Jupyter protocol (5.2+) does."""

    session: str
    kind: str
    code: str
    cursor_pos: int
    reply_to: str
    detail_level: int = 0    # inspect: 0 signature and docstring, 1 also the source

    def validate(self) -> None:
        check_id(self.session, "session")
        check_id(self.reply_to, "reply_to")
        if self.kind not in KINDS:
            raise ProtocolError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not isinstance(self.code, str) or len(self.code) > MAX_CODE:
            raise ProtocolError(f"code must be a string of at most {MAX_CODE} characters")
        if isinstance(self.cursor_pos, bool) or not isinstance(self.cursor_pos, int) \
                or not 0 <= self.cursor_pos <= len(self.code):
            raise ProtocolError(f"cursor_pos must be an integer from 0 to {len(self.code)} (the code's length)")
        if self.detail_level not in (0, 1) or isinstance(self.detail_level, bool):
            raise ProtocolError("detail_level must be 0 or 1")


def reply_key(ns: Namespace, token: str) -> str:
    return f"{ns.redis_prefix}:reply:{check_id(token, 'reply_to')}"


def push_answer(redis, ns: Namespace, token: str, answer: dict) -> None:
    key = reply_key(ns, token)
    pipe = redis.pipeline()
    pipe.rpush(key, json.dumps(answer))
    pipe.expire(key, REPLY_TTL)
    pipe.execute()


def no_answer(status: str, message: str = "") -> dict:
    if status not in ANSWER_STATUSES or status == OK:
        raise ValueError(f"{status!r} is not a status without an answer")
    return {"status": status, "message": message}
