"""The row locks that make our writers take turns never deadlock with foreign-key checks.

A run request locks the user's row and inserts runs of a notebook; a record locks the notebook's
row and may insert rows that name the user. PostgreSQL checks those foreign keys at commit with
FOR KEY SHARE; were the locks FOR UPDATE, each commit would wait on the other's lock (seen as a
500 on "run" under load). Real threads, real commits: PostgreSQL only (CI's database).
"""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from campfire.execution import services
from campfire.execution.models import Execution
from campfire.notebooks import services as notebook_services

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks (set DATABASE_URL)"),
]


def test_a_run_request_and_a_record_holding_each_others_fk_targets_both_commit(alice):
    notebook = notebook_services.notebook_create(owner=alice, title="Locks", cells=[{"id": "a", "cell_type": "code", "source": "1"}])
    session = services.kernel_session_get_or_create(notebook=notebook, user=alice)
    both_locked, results = threading.Barrier(2, timeout=10), {}

    def request():  # as execution_request: user row locked, then a run of the notebook
        with transaction.atomic():
            services._lock(get_user_model().objects.filter(pk=alice.pk))
            Execution.objects.create(notebook=notebook, session=session, user=alice, cell_id="a", code="1")
            both_locked.wait()

    def record():  # as a record: notebook row locked, then a row naming the user
        with transaction.atomic():
            services._lock(type(notebook).objects.filter(pk=notebook.pk))
            notebook_services.notebook_create(owner=alice, title="named the user", cells=[])
            both_locked.wait()

    def run(name, target):
        try:
            target()
            results[name] = "committed"
        except Exception as error:  # asserted below
            results[name] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, fn)) for name, fn in (("request", request), ("record", record))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {"request": "committed", "record": "committed"}
