"""Answers to a running cell's input(): from the editor to the worker that runs the cell
(workers/stdin.py). The kernel waits in the cell; nothing is stored here but what the worker
echoes into the cell's output."""

from django.core.exceptions import ValidationError

from workers import protocol

from campfire.execution import logs
from campfire.execution.broker import namespace, redis_client, send_task
from campfire.execution.models import PENDING_STATUSES, Execution, Kind
from campfire.execution.services import ExecutionUnavailable, RunConflict


def input_send(*, execution: Execution, value: str) -> None:
    """Raises ValidationError (not a cell run), RunConflict (it ended, or its kernel is gone),
    ExecutionUnavailable (Redis or the broker cannot be reached)."""
    if execution.kind != Kind.CELL:
        raise ValidationError("only a cell run asks for input (a clean run or a check cannot)")
    if execution.status not in PENDING_STATUSES:
        raise RunConflict("this run has ended: it no longer waits for input", execution)
    reply = protocol.InputReply(session=execution.session.key, execution=str(execution.id), value=value)
    try:
        sent = protocol.submit_input(redis_client(), send_task, reply, ns=namespace())
    except Exception as exc:  # broker or Redis down
        logs.error("execution.input_failed", exc_info=True, execution=execution.id)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment") from exc
    if not sent:
        raise RunConflict("the kernel running this cell is gone: run it again", execution)
    logs.info("execution.input_sent", execution=execution.id, session=reply.session)
