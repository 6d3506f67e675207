"""The platform's handles on the execution side: Redis (sync and asyncio), names, send_task.

The platform never imports the workers' app; it sends tasks by name through its own Celery app
and reads what workers write through `workers.protocol` (the one shared module).
"""

import asyncio
import weakref
from functools import lru_cache

import redis
import redis.asyncio as aioredis
from django.conf import settings

from workers.protocol import Namespace


@lru_cache(maxsize=1)
def namespace() -> Namespace:
    """The same key and queue names as the workers (CAMPFIRE_REDIS_PREFIX, CAMPFIRE_QUEUE_PREFIX)."""
    return Namespace(settings.REDIS_KEY_PREFIX, settings.CAMPFIRE_QUEUE_PREFIX)


@lru_cache(maxsize=1)
def redis_client() -> redis.Redis:
    """One thread-safe pool per process; short timeouts so a Redis outage fails a request fast."""
    if not settings.REDIS_URL:
        raise RuntimeError("live execution needs REDIS_URL")
    return redis.Redis.from_url(settings.REDIS_URL, decode_responses=True, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)


_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis]" = weakref.WeakKeyDictionary()


# WebSocket readers block in XREAD for up to consumers.BLOCK_MS (15 s) by design: a read may take that
# long and more, not redis-py's default 5 s (redis-py 8 sets one; it closed every socket idle 5 s).
ASYNC_READ_TIMEOUT = 45.0


def async_redis() -> aioredis.Redis:
    """An asyncio client for the running event loop (asyncio connections belong to one loop)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        client = aioredis.Redis.from_url(settings.REDIS_URL, decode_responses=True, socket_connect_timeout=2,
                                         socket_timeout=ASYNC_READ_TIMEOUT,
                                         max_connections=settings.CAMPFIRE_WS_REDIS_CONNECTIONS)
        _async_clients[loop] = client
    return client


def send_task(name: str, **kwargs):
    """Celery's send_task on the platform app (imported late: Celery is heavy and optional here)."""
    from campfire.celery import app

    return app.send_task(name, **kwargs)
