"""Optimistic concurrency under real concurrent transactions: no lost update, ever.

Threads need their own connections and real commits, so these run on PostgreSQL (CI's
database); on SQLite, writers are serialised by the database lock and the sequential 409
tests in test_api_notebooks.py cover the rule.
"""

import threading

import pytest
from django.db import connection, transaction

from campfire.notebooks import services
from campfire.notebooks.exceptions import VersionConflict
from campfire.notebooks.models import Notebook

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (set DATABASE_URL)"),
]


def _in_thread(target, results, key):
    def run():
        try:
            results[key] = target()
        except Exception as error:  # recorded and asserted on by the test
            results[key] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_save_waiting_on_a_concurrent_save_gets_a_conflict(alice):
    notebook = services.notebook_create(owner=alice, title="v1", cells=[{"id": "a", "cell_type": "code", "source": "1"}])
    holding = threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            updated = services.notebook_update(
                notebook=Notebook.objects.get(pk=notebook.pk), version=1, cells=[{"id": "a", "cell_type": "code", "source": "first"}]
            )
            holding.set()  # the row is locked by our UPDATE until this block commits
            threading.Event().wait(0.5)
            return updated.version

    def second():
        holding.wait(5)
        return services.notebook_update(
            notebook=Notebook.objects.get(pk=notebook.pk), version=1, cells=[{"id": "a", "cell_type": "code", "source": "second"}]
        )

    threads = [_in_thread(first, results, "first"), _in_thread(second, results, "second")]
    for thread in threads:
        thread.join(10)
    assert results["first"] == 2
    assert isinstance(results["second"], VersionConflict)
    assert results["second"].current.cells[0]["source"] == "first"
    stored = Notebook.objects.get(pk=notebook.pk)
    assert stored.version == 2 and stored.cells[0]["source"] == "first"


def test_of_many_simultaneous_saves_from_one_version_exactly_one_wins(alice):
    notebook = services.notebook_create(owner=alice, title="race")
    start = threading.Barrier(6)
    results = {}

    def save(n):
        def run():
            start.wait(5)
            return services.notebook_update(notebook=Notebook.objects.get(pk=notebook.pk), version=1, title=f"writer {n}").title

        return run

    threads = [_in_thread(save(n), results, n) for n in range(6)]
    for thread in threads:
        thread.join(10)
    winners = [value for value in results.values() if isinstance(value, str)]
    assert len(winners) == 1
    assert all(isinstance(value, VersionConflict) for value in results.values() if not isinstance(value, str))
    stored = Notebook.objects.get(pk=notebook.pk)
    assert stored.version == 2 and stored.title == winners[0]
