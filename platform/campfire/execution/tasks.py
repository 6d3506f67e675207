"""Tasks the workers send to the platform queue (names from workers.protocol). Thin: they hand
the payload to a service; a record for something that is gone logs and returns.

A database hiccup is retried a few times within ~30 s: retries wait unacked in this worker, and
must stay well inside the execution workers' visibility timeout (their restore would hand the
message to another consumer; docs/EXECUTION.md, "The unacked index is shared").
"""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from workers import protocol

from campfire.execution import retention, services

RETRY = {"autoretry_for": (OperationalError, InterfaceError), "retry_backoff": 1, "retry_backoff_max": 16, "max_retries": 5}


@shared_task(name=protocol.TASK_RECORD_EXECUTION, **RETRY)
def record_execution(payload: dict) -> str:
    return services.execution_record(payload=payload)


@shared_task(name=protocol.TASK_RECORD_NOTEBOOK, **RETRY)
def record_notebook_run(payload: dict) -> str:
    return services.notebook_run_record(payload=payload)


# Sent by the `beat` process (settings.CELERY_BEAT_SCHEDULE). Batches commit one by one, so a prune
# cut short by the time limit keeps what it deleted and the next one goes on.
@shared_task(name="campfire.prune_executions", time_limit=3600, soft_time_limit=3500)
def prune_executions() -> int:
    return retention.executions_prune(older_than=timedelta(days=settings.CAMPFIRE_EXECUTION_RETENTION_DAYS))
