"""In-process fixtures for live execution: the messages the platform sent (read back from the
real broker lists in this run's private namespace) and a clean namespace per test."""

import base64
import json

import pytest
import redis as redis_lib
from django.conf import settings

from campfire.execution.broker import namespace


def broker_messages(redis_url: str, queue: str) -> list[tuple[str, dict]]:
    """(task name, first argument) of every message waiting in `queue`, oldest first."""
    client = redis_lib.Redis.from_url(redis_url)
    raw = client.lrange(f"{settings.CAMPFIRE_BROKER_KEYPREFIX}{queue}", 0, -1)
    messages = []
    for item in reversed(raw):  # kombu LPUSHes and RPOPs
        envelope = json.loads(item)
        body = json.loads(base64.b64decode(envelope["body"]))
        messages.append((envelope["headers"]["task"], body[0][0]))
    return messages


@pytest.fixture
def sent(redis_url):
    """sent(queue="cpu") -> the tasks waiting in this run's queue of that name."""
    return lambda queue="cpu": broker_messages(redis_url, namespace().queue(queue))


@pytest.fixture(autouse=True)
def _fresh_namespace(redis_url):
    """Each test starts with no streams, claims, sequence numbers or queued messages."""
    yield
    client = redis_lib.Redis.from_url(redis_url)
    prefixes = {settings.REDIS_KEY_PREFIX + ":", settings.CAMPFIRE_BROKER_KEYPREFIX}
    for prefix in prefixes:
        keys = list(client.scan_iter(f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start:start + 500])
