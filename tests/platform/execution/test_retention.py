"""`manage.py prune_executions`: old finished run records go; pending runs, the runs whose outputs
the cells hold, and exercise attempts' grades stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campfire.execution import services
from campfire.execution.models import Execution, Kind, Status
from campfire.notebooks import services as notebook_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_run(alice):
    nb = notebook_services.notebook_create(owner=alice, title="Old runs", cells=[{"id": "a", "cell_type": "code", "source": "1"}])
    session = services.kernel_session_get_or_create(notebook=nb, user=alice)

    def make(days_ago: float | None, status=Status.OK, stored=False, kind=Kind.CELL):
        when = None if days_ago is None else timezone.now() - timedelta(days=days_ago)
        return Execution.objects.create(notebook=nb, session=session, user=alice, cell_id="a", code="1", kind=kind,
                                        status=status, recorded=when, finished=when, outputs_stored=stored,
                                        outputs=[{"output_type": "stream", "name": "stdout", "text": "x" * 1000}])

    return make


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_executions", *args, stdout=out)
    return out.getvalue()


def test_old_records_go_and_the_rest_stays(make_run):
    old = [make_run(40), make_run(31, status=Status.ERROR), make_run(45, status=Status.LOST)]
    kept = [make_run(5), make_run(60, stored=True), make_run(None, status=Status.QUEUED), make_run(None, status=Status.RUNNING)]
    assert prune("--dry-run") == "3 run records older than 30 days would be deleted\n"
    assert Execution.objects.count() == 7
    assert prune() == "3 run records older than 30 days deleted\n"
    assert set(Execution.objects.values_list("pk", flat=True)) == {run.pk for run in kept}
    assert not Execution.objects.filter(pk__in=[run.pk for run in old]).exists()
    assert prune("--days", "3") == "1 run record older than 3 days deleted\n"  # the 5-day-old one


def test_days_must_be_positive():
    with pytest.raises(CommandError, match="--days must be at least 1, not 0"):
        prune("--days", "0")
