"""`ws/notebooks/<id>/?after=<event id>`: a notebook session's events, live, for its owner.

Authenticated by the session cookie or `Authorization: Bearer <token>` (a wrong token is
refused, never a fall-back to the cookie); anyone else is refused at the handshake (HTTP 403),
and `AllowedHostsOriginValidator` (asgi.py) refuses foreign origins before this runs.

Each connection has one reader: XREAD from the session's stream after `after` (exclusive; none:
from the newest event), first the backlog without blocking, then blocking. Messages are the
events exactly (DESIGN.md: {"id", "execution", "cell", "type", "data"}), except those of exercise
check executions, of which only queued/started/finished pass (their outputs stay on the server),
plus control messages without an "id":
  {"type": "hello",     "data": {"session", "kernel": {...}, "after", "time"}}   first, always
                        (`time`: the server's clock in ms, to place stream ids on the client's)
  {"type": "reset",     "data": {"reason", "last"}}   `after` is older than the stream keeps
                        (trimmed or expired): reload stored outputs; streaming goes on after `last`
  {"type": "caught_up", "data": {"last", "replayed"}}  the backlog is sent; what follows is live
"""

import asyncio
import json
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import RedisError

from workers import protocol

from campfire.accounts.selectors import token_from_bearer
from campfire.execution import events, logs, selectors, services
from campfire.execution.broker import ASYNC_READ_TIMEOUT, async_redis
from campfire.execution.models import CHECK_CELL_PREFIX, Execution, Kind
from campfire.notebooks.models import Notebook

BLOCK_MS = 15_000  # XREAD returns as soon as an event arrives; this only bounds an idle wait
assert BLOCK_MS / 1000 < ASYNC_READ_TIMEOUT, "a blocked XREAD must not read as a dead connection"
BATCH = 500


def _bearer(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else ""
    return None


def _user(scope):
    raw = _bearer(scope)
    if raw is not None:
        token = token_from_bearer(raw_token=raw)
        user = token.user if token else None
    else:
        user = scope.get("user")
    return user if user is not None and user.is_authenticated else None


@database_sync_to_async
def _open(scope, notebook_id):
    """(stream session, kernel detail) when the connecting user owns the notebook, else None."""
    user = _user(scope)
    notebook = Notebook.objects.filter(pk=notebook_id, owner_id=user.pk).first() if user else None
    if notebook is None:
        return None
    session = services.kernel_session_refresh(session=services.kernel_session_get_or_create(notebook=notebook, user=user))
    return session.key, selectors.kernel_detail(session=session)


@database_sync_to_async
def _open_run(scope, execution_id):
    """(stream session, None) when the connecting user owns this clean run, else None."""
    user = _user(scope)
    execution = Execution.objects.filter(pk=execution_id, user_id=user.pk, kind=Kind.NOTEBOOK).first() if user else None
    return None if execution is None else (execution.stream_session, None)


# Of a check execution's events only these reach the browser (they carry no output): its outputs
# may quote the hidden check code (a traceback) and its result arrives as the platform's `check`.
_CHECK_VISIBLE = {protocol.EV_QUEUED, protocol.EV_STARTED, protocol.EV_FINISHED}


def _visible(fields: dict) -> bool:
    return not (fields.get("cell") or "").startswith(CHECK_CELL_PREFIX) or fields.get("type") in _CHECK_VISIBLE


def _message(stream_id: str, fields: dict) -> str:
    """The event as JSON without re-encoding its data (already JSON in the stream; may be MBs)."""
    head = json.dumps({"id": stream_id, "execution": fields.get("execution") or None, "cell": fields.get("cell") or None, "type": fields.get("type")})
    return f'{head[:-1]}, "data": {fields.get("data") or "{}"}}}'


class NotebookEventsConsumer(AsyncWebsocketConsumer):
    reader: asyncio.Task | None = None

    async def connect(self):
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        after = (query.get("after") or [None])[0]
        if after is not None and not events.valid_id(after):
            await self.close(code=4400)
            return
        opened = await self.opening()
        if opened is None:
            await self.close(code=4403)
            return
        session, kernel = opened
        await self.accept()
        self.reader = asyncio.create_task(self._stream(session, after, kernel))

    async def opening(self):
        return await _open(self.scope, self.scope["url_route"]["kwargs"]["notebook_id"])

    async def disconnect(self, code):
        if self.reader is not None:
            self.reader.cancel()
            try:
                await self.reader
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 the reader's end is logged there
                pass

    async def receive(self, text_data=None, bytes_data=None):
        pass  # clients only listen; commands go through the HTTP API

    async def _control(self, kind: str, data: dict):
        await self.send(text_data=json.dumps({"type": kind, "data": data}))

    async def _stream(self, session: str, after: str | None, kernel: dict):
        client, key = async_redis(), events.stream_key(session)
        try:
            pipe = client.pipeline(transaction=False)
            pipe.exists(key)
            pipe.xrange(key, count=1)
            pipe.xrevrange(key, count=1)
            exists, oldest, newest = await pipe.execute()
            newest_id = newest[0][0] if newest else events.ZERO
            if after is None:
                after = newest_id
            elif events.missed_events(after, events.first_id(oldest), bool(exists)):
                await self._control("reset", {"reason": "the events after this point are no longer kept", "last": newest_id})
                after = newest_id
            await self._control("hello", {"session": session, "kernel": kernel, "after": after, "time": int(time.time() * 1000)})
            replayed, block = 0, None
            while True:
                reply = await client.xread({key: after}, count=BATCH, block=block)
                entries = reply[0][1] if reply else []
                for stream_id, fields in entries:
                    if _visible(fields):
                        await self.send(text_data=_message(stream_id, fields))
                    after = stream_id
                if block is None:
                    replayed += len(entries)
                    if len(entries) < BATCH:
                        await self._control("caught_up", {"last": after, "replayed": replayed})
                        block = BLOCK_MS
        except asyncio.CancelledError:
            raise
        except RedisError as exc:
            logs.warning("ws.redis_error", session=session, error=f"{type(exc).__name__}: {exc}")  # redis 8 repr drops the message
            await self.close(code=1011)  # the client reconnects with its last id


class RunEventsConsumer(NotebookEventsConsumer):
    """`ws/runs/<execution id>/?after=<event id>`: a clean run's events (its own stream), for its owner;
    the same messages, with `kernel` None in `hello`."""

    async def opening(self):
        return await _open_run(self.scope, self.scope["url_route"]["kwargs"]["execution_id"])
