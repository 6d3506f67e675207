"""Tutorials loaded with the real sync: the small sample (samples.py) or the twelve real ones."""

import pytest
from django.conf import settings
from django.test import Client

from campfire.tutorials.models import Tutorial
from campfire.tutorials.sync import tutorials_sync

from .samples import SLUG, write_sample


@pytest.fixture
def sample_dir(tmp_path):
    write_sample(tmp_path / "tutorials")
    return tmp_path / "tutorials"


@pytest.fixture
def sample(db, sample_dir) -> Tutorial:
    results = tutorials_sync(path=sample_dir)
    assert [r.outcome for r in results] == ["created"], [r.line() for r in results]
    return Tutorial.objects.get(slug=SLUG)


@pytest.fixture
def real_tutorials(db) -> list[Tutorial]:
    results = tutorials_sync(path=settings.BASE_DIR / "tutorials")
    assert {r.outcome for r in results} == {"created"}, [r.line() for r in results if r.outcome != "created"]
    return list(Tutorial.objects.order_by("order"))


def browser_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
