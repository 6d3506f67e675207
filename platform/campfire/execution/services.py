"""Live execution writes: run requests, session commands, and the workers' records.

A run request creates its `Execution` rows and decides to send them in one transaction (caps
are checked under a lock on the user's row); the tasks are sent by `transaction.on_commit`, so a
worker never hears of a run the database does not have. Records are idempotent by execution id.
"""

import uuid
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from workers import protocol

from campfire.execution import events, logs, selectors
from campfire.execution.broker import namespace, redis_client, send_task
from campfire.execution.models import ACTIVE_STATES, PENDING_STATUSES, Execution, KernelSession, KernelState, Kind, Status
from campfire.notebooks import services as notebook_services
from campfire.notebooks.models import Notebook

COMMANDS = {"interrupt": protocol.TASK_INTERRUPT, "restart": protocol.TASK_RESTART, "shutdown": protocol.TASK_SHUTDOWN}


class CapReached(Exception):
    """A per-user cap would be passed; the message says which and what to do."""

    def __init__(self, message: str, kernels: list[dict] | None = None):
        super().__init__(message)
        self.kernels = kernels or []


class ExecutionUnavailable(Exception):
    """The broker could not be reached; the runs were ended as lost."""


# ------------------------------------------------------------------------------------- sessions
def kernel_session_get_or_create(*, notebook: Notebook, user) -> KernelSession:
    metadata = notebook.metadata.get("campfire") if isinstance(notebook.metadata, dict) else None
    device = "gpu" if isinstance(metadata, dict) and metadata.get("device") == "gpu" else "cpu"
    session, _ = KernelSession.objects.get_or_create(notebook=notebook, user=user, defaults={"device": device})
    return session


def kernel_session_refresh(*, session: KernelSession) -> KernelSession:
    """Bring `state` up to date from the session's events (and the claim, for a kernel that went
    away without an event still in the stream)."""
    derived = events.current_state(session.key) or {"state": session.state, "worker": session.worker, "message": session.state_message}
    if derived["state"] in ACTIVE_STATES and not selectors.session_holds_kernel(session=session):
        derived = {**derived, "state": KernelState.DEAD, "message": derived["message"] or "no kernel"}
    changes = {k: v for k, v in (("state", derived["state"]), ("worker", derived["worker"]), ("state_message", derived["message"][:500])) if getattr(session, k) != v}
    if changes:
        for key, value in changes.items():
            setattr(session, key, value)
        session.updated = timezone.now()
        KernelSession.objects.filter(pk=session.pk).update(**changes, updated=session.updated)
    return session


# ----------------------------------------------------------------------------------------- caps
def _check_queued_cap(*, user, adding: int) -> None:
    cap = settings.CAMPFIRE_MAX_QUEUED_RUNS_PER_USER
    pending = Execution.objects.filter(user_id=user.pk, status__in=PENDING_STATUSES).count()
    if pending + adding > cap:
        raise CapReached(
            f"You already have {pending} runs waiting or running (the limit is {cap}); this would add {adding}. "
            "Wait for them to finish, or interrupt the kernel to drop the waiting ones."
        )


def _check_kernel_cap(*, user, session: KernelSession) -> None:
    if selectors.session_holds_kernel(session=session):
        return
    cap = settings.CAMPFIRE_MAX_KERNELS_PER_USER
    others = selectors.kernels_in_use(user=user, exclude=session)
    if len(others) >= cap:
        titles = ", ".join(f"“{s.notebook.title}”" for s in others)
        kernels = "kernel" if len(others) == 1 else "kernels"
        raise CapReached(
            f"You already have {len(others)} running {kernels} (notebooks {titles}); the limit is {cap}. "
            "Shut one down to start another.",
            kernels=selectors.kernel_summaries(sessions=others),
        )


# ------------------------------------------------------------------------------------- requests
def execution_request(*, notebook: Notebook, user, runs: list[tuple[str, str]]) -> list[Execution]:
    """Queue `runs` ([(cell id, code)], in order) in the notebook's session; the caller has
    checked that the cells exist. Raises CapReached, or ExecutionUnavailable when the broker
    is down (the runs are then ended as lost)."""
    with transaction.atomic():
        # One user's requests take turns here, so two of them cannot both pass the caps.
        get_user_model().objects.select_for_update().filter(pk=user.pk).values("pk").first()
        session = kernel_session_get_or_create(notebook=notebook, user=user)
        _check_queued_cap(user=user, adding=len(runs))
        _check_kernel_cap(user=user, session=session)
        executions = Execution.objects.bulk_create(
            Execution(notebook=notebook, session=session, user=user, cell_id=cell_id, code=code) for cell_id, code in runs
        )
        if session.state not in ACTIVE_STATES:
            session.state, session.state_message, session.updated = KernelState.STARTING, "", timezone.now()
            KernelSession.objects.filter(pk=session.pk).update(state=session.state, state_message="", updated=session.updated)
        transaction.on_commit(partial(_send, session, executions))
    if any(e.status == Status.LOST for e in executions):
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment")
    return executions


def _announcing_sender(client, session: str):
    """send_task that first appends the platform's `queued` event (with the run's position:
    runs of the session ahead of it), so the stream shows it before any worker event."""
    ns = namespace()

    def send(name, *, args, queue, task_id):
        request = args[0]
        settled = int(client.get(ns.session_settled(session)) or 0)
        event = protocol.make_event(protocol.EV_QUEUED, execution=request["execution"], cell=request["cell"],
                                    data={"seq": request["seq"], "position": max(0, request["seq"] - 1 - settled)})
        key = ns.session_events(session)
        pipe = client.pipeline(transaction=False)
        pipe.xadd(key, protocol.encode_event(event), maxlen=settings.CAMPFIRE_STREAM_MAXLEN, approximate=True)
        pipe.expire(key, settings.CAMPFIRE_STREAM_TTL)
        pipe.execute()
        send_task(name, args=args, queue=queue, task_id=task_id)

    return send


def _send(session: KernelSession, executions: list[Execution]) -> None:
    client = redis_client()
    sender = _announcing_sender(client, session.key)
    for index, execution in enumerate(executions):
        try:
            request = protocol.submit_execute(
                client, sender, execution=str(execution.id), session=session.key, cell=execution.cell_id,
                code=execution.code, user=str(execution.user_id), device=session.device, ns=namespace(),
            )
        except Exception as exc:  # broker or Redis down: say so now rather than leave runs queued forever
            logs.error("execution.send_failed", exc_info=True, execution=execution.id, session=session.key, error=repr(exc))
            _end_unsent(executions[index:], "not run: the execution service could not be reached")
            return
        logs.info("execution.requested", execution=execution.id, session=session.key, notebook=execution.notebook_id, cell=execution.cell_id, seq=request.seq)


def _end_unsent(executions: list[Execution], message: str) -> None:
    now = timezone.now()
    Execution.objects.filter(pk__in=[e.pk for e in executions], status=Status.QUEUED).update(status=Status.LOST, message=message, finished=now, recorded=now)
    for execution in executions:
        execution.status, execution.message = Status.LOST, message


def session_command(*, notebook: Notebook, user, command: str) -> KernelSession:
    """interrupt | restart | shutdown the notebook's kernel; runs queued so far do not run."""
    if command not in COMMANDS:
        raise ValueError(f"unknown kernel command {command!r}")
    session = kernel_session_get_or_create(notebook=notebook, user=user)
    try:
        protocol.submit_session_command(redis_client(), send_task, COMMANDS[command], session.key, device=session.device, cancel_queued=True, ns=namespace())
    except Exception as exc:
        logs.error("kernel.command_failed", exc_info=True, session=session.key, command=command)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment") from exc
    logs.info("kernel.command", session=session.key, notebook=notebook.id, command=command)
    return session


def notebook_run_request(*, notebook: Notebook, user) -> Execution:
    """Run the whole saved notebook in a fresh kernel (validation of tutorials and submissions);
    its events go to a stream of its own, its record to `notebook_run_record`."""
    cells = [{**cell, "outputs": [], "execution_count": None} if cell["cell_type"] == "code" else cell for cell in notebook.cells]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": notebook.metadata, "cells": cells}
    with transaction.atomic():
        session = kernel_session_get_or_create(notebook=notebook, user=user)
        execution = Execution.objects.create(notebook=notebook, session=session, user=user, kind=Kind.NOTEBOOK)
        request = protocol.NotebookRequest(execution=str(execution.id), session=f"run-{execution.id}", notebook=nb, user=str(user.pk), device=session.device)
        request.validate()
        queue = namespace().pool_queue(session.device)
        transaction.on_commit(lambda: send_task(protocol.TASK_RUN_NOTEBOOK, args=[request.to_dict()], queue=queue, task_id=str(execution.id)))
    return execution


# -------------------------------------------------------------------------------------- records
def _when(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _stored_form(outputs) -> list[dict]:
    """Outputs as the notebook stores them: nbformat dicts without the protocol's `transient`."""
    return [{k: v for k, v in output.items() if k != "transient"} for output in outputs if isinstance(output, dict)]


def _locked_execution(execution_id: str, task: str) -> Execution | None:
    try:
        key = uuid.UUID(execution_id)
    except ValueError:
        key = None
    execution = Execution.objects.select_for_update().filter(pk=key).first() if key else None
    if execution is None:  # its notebook was deleted (cascade), or it never was ours
        logs.warning("record.unknown_execution", execution=execution_id, task=task)
    return execution


def _already_final(execution: Execution, status: str) -> bool:
    if not execution.is_final:
        return False
    if execution.status != status:
        logs.warning("record.conflicting_duplicate", execution=execution.id, stored=execution.status, received=status)
    else:
        logs.info("record.duplicate", execution=execution.id, status=status)
    return True


def _newer_outputs_stored(execution: Execution) -> bool:
    """Has a later run of the same cell already stored its outputs? Later = a higher seq in the
    same session (the order the kernel ran them), else requested later."""
    same_session_later = Q(session_id=execution.session_id, seq__gt=execution.seq or 0)
    other_session_later = ~Q(session_id=execution.session_id) & Q(requested__gt=execution.requested)
    return (
        Execution.objects.filter(notebook_id=execution.notebook_id, cell_id=execution.cell_id, outputs_stored=True)
        .exclude(pk=execution.pk)
        .filter(same_session_later | other_session_later)
        .exists()
    )


def _record(payload, cls, task: str, apply) -> tuple[str, Execution | None]:
    """The shared part of both records: parse, lock the execution, drop a duplicate, store the
    common fields, let `apply(execution, record)` store the rest."""
    try:
        record = cls.from_dict(payload)
    except protocol.ProtocolError as exc:
        logs.error("record.invalid", task=task, error=str(exc))
        return "invalid", None
    with transaction.atomic():
        execution = _locked_execution(record.execution, task)
        if execution is None:
            return "unknown", None
        if _already_final(execution, record.status):
            return "duplicate", execution
        execution.status = record.status
        execution.started, execution.finished = _when(record.started), _when(record.finished) or timezone.now()
        execution.duration = record.duration if isinstance(record.duration, (int, float)) else None
        execution.worker, execution.message = str(record.worker)[:128], str(record.message or "")[:2000]
        execution.recorded = timezone.now()
        apply(execution, record)
        execution.save()
    return "stored", execution


def _apply_cell_record(execution: Execution, record: protocol.ExecutionRecord) -> None:
    outputs = _stored_form(record.outputs)
    execution.seq = record.seq if isinstance(record.seq, int) and record.seq > 0 else None
    execution.outputs, execution.truncated = outputs, bool(record.truncated)
    execution.execution_count = record.execution_count if isinstance(record.execution_count, int) and record.execution_count >= 0 else None
    # Records of one notebook's cells are stored one at a time (the late-record check below).
    Notebook.objects.select_for_update().filter(pk=execution.notebook_id).values("pk").first()
    if (record.started is not None or outputs) and not _newer_outputs_stored(execution):
        execution.outputs_stored = notebook_services.cell_outputs_store(
            notebook_id=execution.notebook_id, cell_id=execution.cell_id, outputs=outputs, execution_count=execution.execution_count
        )


def execution_record(*, payload) -> str:
    """Store a run's final record (campfire.record_execution): stored | duplicate | unknown | invalid.

    A duplicate changes nothing. The outputs become the cell's stored outputs unless the cell is
    gone (kept on the Execution only), a later run of the cell already stored its own, or the
    run never started and printed nothing (the cell keeps what it showed before).
    """
    result, execution = _record(payload, protocol.ExecutionRecord, protocol.TASK_RECORD_EXECUTION, _apply_cell_record)
    if result == "stored":
        logs.info("execution.recorded", execution=execution.id, session=execution.session_id, cell=execution.cell_id,
                  status=execution.status, seq=execution.seq, stored=execution.outputs_stored, duration=execution.duration)
    return result


def _apply_notebook_record(execution: Execution, record: protocol.NotebookRecord) -> None:
    results = []
    for cell in record.cells if isinstance(record.cells, list) else []:
        if not isinstance(cell, dict) or not isinstance(cell.get("cell"), str):
            continue
        outputs = _stored_form(cell.get("outputs") or [])
        count = cell.get("execution_count") if isinstance(cell.get("execution_count"), int) else None
        if cell.get("status") != "not_run":
            notebook_services.cell_outputs_store(notebook_id=execution.notebook_id, cell_id=cell["cell"], outputs=outputs, execution_count=count)
        results.append({"cell": cell["cell"], "status": str(cell.get("status")), "execution_count": count, "outputs": outputs})
    execution.outputs = results
    error = record.error if isinstance(record.error, dict) else {}
    execution.message = execution.message or str(error.get("evalue", ""))[:2000]


def notebook_run_record(*, payload) -> str:
    """Store a whole-notebook run's record (campfire.record_notebook_run); idempotent likewise.
    Each code cell that ran stores its outputs in the notebook while the cell still exists."""
    result, execution = _record(payload, protocol.NotebookRecord, protocol.TASK_RECORD_NOTEBOOK, _apply_notebook_record)
    if result == "stored":
        logs.info("notebook_run.recorded", execution=execution.id, notebook=execution.notebook_id, status=execution.status)
    return result
