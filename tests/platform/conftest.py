"""Named users (alice the owner, bob the outsider) and API clients for them."""

import json

import pytest
from django.test import Client

from campfire.accounts import services as account_services
from campfire.notebooks import services as notebook_services

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def alice(db):
    return account_services.user_create(username="alice", password=PASSWORD, email="alice@example.org")


@pytest.fixture
def bob(db):
    return account_services.user_create(username="bob", password=PASSWORD)


class ApiClient:
    """A JSON client for /api/ with a bearer token (no CSRF involved)."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers = {}
        if user is not None:
            _, raw = account_services.token_create(user=user, name="tests")
            self.headers = {"Authorization": f"Bearer {raw}"}

    def _call(self, method, path, body=None, **extra):
        kwargs = {"headers": {**self.headers, **extra.pop("headers", {})}, **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path, **kw):
        return self._call("get", path, **kw)

    def post(self, path, body=None, **kw):
        return self._call("post", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self._call("patch", path, body, **kw)

    def delete(self, path, **kw):
        return self._call("delete", path, **kw)

    def upload(self, path, filename, data: bytes, **fields):
        from django.core.files.uploadedfile import SimpleUploadedFile

        payload = {"file": SimpleUploadedFile(filename, data, content_type="application/x-ipynb+json"), **fields}
        return self.client.post(path, payload, headers=self.headers)


@pytest.fixture
def alice_api(alice):
    return ApiClient(alice)


@pytest.fixture
def bob_api(bob):
    return ApiClient(bob)


@pytest.fixture
def anon_api(db):
    return ApiClient()


@pytest.fixture
def notebook(alice):
    """Alice's private notebook with a markdown and a code cell (with stored outputs)."""
    nb = notebook_services.notebook_create(
        owner=alice,
        title="Gradients",
        cells=[
            {"id": "intro", "cell_type": "markdown", "source": "# Gradients $x^2$"},
            {"id": "code-1", "cell_type": "code", "source": "print(1)"},
        ],
    )
    notebook_services.cell_outputs_store(
        notebook_id=nb.id,
        cell_id="code-1",
        outputs=[{"output_type": "stream", "name": "stdout", "text": "1\n"}],
        execution_count=1,
    )
    return nb


@pytest.fixture(autouse=True)
def _fresh_rate_limit_counters(redis_url):
    """Rate-limit counters live in the shared Redis; drop this run's after each test."""
    yield
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(redis_url)
    for pattern in ("login-fail", "anon:", "markdown-chars"):
        for key in client.scan_iter(f"{settings.REDIS_KEY_PREFIX}:*{pattern}*"):
            client.delete(key)
