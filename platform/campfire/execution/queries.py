"""Completion and inspection in the kernel of a notebook's session (workers/query_protocol.py).

Async: the answer takes a Redis BLPOP of up to QUERY_WAIT seconds; a sync view would hold a thread
for each waiting request (Django gives each request's sync code a thread of its own under ASGI), and a
person typing sends many. A
notebook without a running kernel gets `no_kernel` at once, and nothing is started for it.
"""

import json
import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from redis.exceptions import RedisError

from workers import query_protocol as qp

from campfire.execution import logs
from campfire.execution.broker import async_redis, namespace, send_task
from campfire.execution.services import ExecutionUnavailable

QUERY_WAIT = 6     # seconds: the worker gives the kernel 5
RATE = 20          # queries a user may send per second (the editor sends one per Tab or pause in typing)


class TooManyQueries(Exception):
    pass


async def kernel_query(*, user_id, session_key: str | None, kind: str, code: str, cursor_pos: int, detail_level: int = 0) -> dict:
    """The kernel's answer (`status` ok) or why there is none; raises TooManyQueries over RATE, ExecutionUnavailable when Redis or the broker cannot be reached."""
    if not session_key or not settings.CAMPFIRE_EXECUTION_ENABLED:
        return qp.no_answer(qp.NO_KERNEL, "no kernel is running for this notebook: run a cell to start one")
    query = qp.KernelQuery(session=session_key, kind=kind, code=code, cursor_pos=cursor_pos,
                           reply_to=uuid.uuid4().hex, detail_level=detail_level)
    query.validate()
    ns, client = namespace(), async_redis()
    try:
        await _count(client, f"{ns.redis_prefix}:queries:{user_id}")
        owner = await client.get(ns.session_owner(session_key))
        if not owner or not await client.exists(ns.worker_alive(owner)):
            return qp.no_answer(qp.NO_KERNEL, "no kernel is running for this notebook: run a cell to start one")
        await sync_to_async(send_task, thread_sensitive=False)(
            qp.TASK_QUERY, args=[query.to_dict()], queue=ns.worker_queue(owner), expires=qp.EXPIRES)
        popped = await client.blpop([qp.reply_key(ns, query.reply_to)], timeout=QUERY_WAIT)
    except (RedisError, OSError) as exc:
        logs.error("kernel.query_failed", exc_info=True, session=session_key, kind=kind)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment") from exc
    if popped is None:
        return qp.no_answer(qp.TIMEOUT, f"the kernel did not answer within {QUERY_WAIT} s")
    return json.loads(popped[1])


async def _count(client, key: str) -> None:
    pipe = client.pipeline()
    pipe.set(key, 0, ex=1, nx=True)     # a one-second window from the first query in it
    pipe.incr(key)
    _, hits = await pipe.execute()
    if hits > RATE:
        raise TooManyQueries(f"more than {RATE} completion or inspection requests a second; slow down")

