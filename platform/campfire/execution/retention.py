"""Retention: finished runs' records (code, outputs) are deleted after a while; see
`manage.py prune_executions` and docs/OPERATIONS.md."""

from datetime import timedelta

from django.utils import timezone

from campfire.execution import logs
from campfire.execution.models import FINAL_STATUSES, Execution


def executions_prune(*, older_than: timedelta, batch: int = 1000, dry_run: bool = False) -> int:
    """Delete the records of runs that finished more than `older_than` ago; returns how many.
    Kept: runs still pending, and each cell's `outputs_stored` run (the notebook's outputs live
    in CellOutput, but the run that stored them decides which later record may replace them).
    Exercise attempts keep their grade and code (their execution links become null)."""
    cutoff = timezone.now() - older_than
    old = Execution.objects.filter(status__in=FINAL_STATUSES, recorded__lt=cutoff, outputs_stored=False)
    if dry_run:
        return old.count()
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:batch]):  # short transactions, bounded memory
        deleted += Execution.objects.filter(pk__in=ids).delete()[1].get(Execution._meta.label, 0)
    logs.info("execution.pruned", count=deleted, before=cutoff.isoformat())
    return deleted
