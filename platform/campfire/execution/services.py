"""Live execution writes: run requests, session commands, and the workers' records.

A run request creates its `Execution` rows and decides to send them in one transaction (caps
are checked under a lock on the user's row); the tasks are sent by `transaction.on_commit`, so a
worker never hears of a run the database does not have. Records are idempotent by execution id.
"""

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from redis.exceptions import RedisError

from workers import protocol

from campfire.execution import events, logs, selectors
from campfire.execution.broker import namespace, redis_client, send_task
from campfire.execution.models import ACTIVE_STATES, PENDING_STATUSES, Execution, KernelSession, KernelState, Kind, Status
from campfire.notebooks import services as notebook_services
from campfire.notebooks.models import Notebook

DISPLAYS_MAX = 100  # display ids a record may carry (the worker sends at most this many updates)
COMMANDS = {"interrupt": protocol.TASK_INTERRUPT, "restart": protocol.TASK_RESTART, "shutdown": protocol.TASK_SHUTDOWN}


class CapReached(Exception):
    """A per-user cap would be passed; the message says which and what to do."""

    def __init__(self, message: str, kernels: list[dict] | None = None):
        super().__init__(message)
        self.kernels = kernels or []


class ExecutionUnavailable(Exception):
    """The broker could not be reached; the runs were ended as lost."""


class RunConflict(Exception):
    """The request does not fit the run's state (a clean run already under way, a run already ended)."""

    def __init__(self, message: str, execution: Execution | None = None):
        super().__init__(message)
        self.execution = execution


# ------------------------------------------------------------------------------------- sessions
def kernel_session_get_or_create(*, notebook: Notebook, user) -> KernelSession:
    session, _ = KernelSession.objects.get_or_create(notebook=notebook, user=user, defaults={"device": selectors.default_device(notebook=notebook)})
    return session


def kernel_session_refresh(*, session: KernelSession) -> KernelSession:
    """Bring `state` up to date from the session's events (and the claim, for a kernel that went
    away without an event still in the stream)."""
    derived = events.current_state(session.key) or {"state": session.state, "worker": session.worker, "message": session.state_message}
    if derived["state"] in ACTIVE_STATES and not selectors.session_holds_kernel(session=session):
        derived = {**derived, "state": KernelState.DEAD, "message": ""}  # gone unnoticed: the next run starts one
    changes = {k: v for k, v in (("state", derived["state"]), ("worker", derived["worker"]), ("state_message", derived["message"][:500])) if getattr(session, k) != v}
    if changes:
        for key, value in changes.items():
            setattr(session, key, value)
        session.updated = timezone.now()
        KernelSession.objects.filter(pk=session.pk).update(**changes, updated=session.updated)
    return session


def _lock(queryset) -> None:
    """Lock a row until the transaction ends, as a mutex among our own writers. On PostgreSQL
    FOR NO KEY UPDATE: it excludes another _lock of the row but not the FOR KEY SHARE that a
    foreign-key check takes. With FOR UPDATE a run request (user row locked, inserting runs of a
    notebook) and a record (notebook row locked) deadlocked at COMMIT, each one's deferred
    foreign-key checks waiting on the other's lock (test_lock_order.py). SQLite has no row locks:
    its transactions take the database's write lock up front (settings: transaction_mode
    IMMEDIATE), which already makes writers take turns, so the query is skipped there."""
    if connection.features.has_select_for_update:
        queryset.select_for_update(no_key=connection.features.has_select_for_no_key_update).values("pk").first()


# ----------------------------------------------------------------------------------------- caps
def _check_caps(*, user, session: KernelSession, adding: int) -> None:
    pending = list(Execution.objects.filter(user_id=user.pk, status__in=PENDING_STATUSES).values_list("session_id", "kind"))
    pending_sessions = [session_id for session_id, _ in pending]
    cap = settings.CAMPFIRE_MAX_QUEUED_RUNS_PER_USER
    if len(pending_sessions) + adding > cap:
        raise CapReached(
            f"You already have {len(pending_sessions)} runs waiting or running (the limit is {cap}); this would add {adding}. "
            "Wait for them to finish, or interrupt the kernel to drop the waiting ones."
        )
    # a clean run has a kernel of its own: it does not make the notebook's session hold one
    if selectors.session_holds_kernel(session=session, pending=any(sid == session.pk and kind != Kind.NOTEBOOK for sid, kind in pending)):
        return
    others = selectors.kernels_in_use(user=user, exclude=session)
    _check_kernel_cap(others, settings.CAMPFIRE_MAX_KERNELS_PER_USER, "running")
    if session.device == "gpu":
        _check_kernel_cap([s for s in others if s.device == "gpu"], settings.CAMPFIRE_MAX_GPU_KERNELS_PER_USER, "GPU")


def _check_kernel_cap(holding: list[KernelSession], cap: int, what: str) -> None:
    if len(holding) >= cap:
        titles = ", ".join(f"“{s.notebook.title}”" for s in holding)
        kernels = "kernel" if len(holding) == 1 else "kernels"
        raise CapReached(
            f"You already have {len(holding)} {what} {kernels} (notebooks {titles}); the limit is {cap}. "
            "Shut one down to start another.",
            kernels=selectors.kernel_summaries(sessions=holding),
        )


# ------------------------------------------------------------------------------------- requests
def execution_request(*, notebook: Notebook, user, runs: list[tuple[str, str] | tuple[str, str, str]],
                      fresh_kernel: bool = False) -> list[Execution]:
    """Queue `runs` ([(cell id, code[, kind])], in order; kind "cell" unless given) in the
    notebook's session; the caller has checked that the cells exist. Raises CapReached, or
    ExecutionUnavailable when the broker is down (the runs are then ended as lost). `fresh_kernel`
    (Restart & run all): they run on a new kernel, and the session's earlier runs that have not
    finished are stopped or not run.

    Inside a caller's transaction the runs are sent when that transaction commits, and a broker
    failure only shows on the returned executions (status lost) after it."""
    runs = [(run[0], run[1], run[2] if len(run) > 2 else Kind.CELL) for run in runs]
    for cell_id, code, _ in runs:
        if len(code) > protocol.MAX_CODE_CHARS:
            raise ValidationError(f"cell {cell_id!r} has {len(code):,} characters of code; at most {protocol.MAX_CODE_CHARS:,} run at once")
    with transaction.atomic():
        # One user's requests take turns here, so two of them cannot both pass the caps.
        _lock(get_user_model().objects.filter(pk=user.pk))
        session = kernel_session_get_or_create(notebook=notebook, user=user)
        _check_caps(user=user, session=session, adding=len(runs))
        executions = Execution.objects.bulk_create(
            Execution(notebook=notebook, session=session, user=user, cell_id=cell_id, code=code, kind=kind) for cell_id, code, kind in runs
        )
        if session.state not in ACTIVE_STATES:
            session.state, session.state_message, session.updated = KernelState.STARTING, "", timezone.now()
            KernelSession.objects.filter(pk=session.pk).update(state=session.state, state_message="", updated=session.updated)
        transaction.on_commit(partial(_send, session, executions, fresh_kernel))
    if any(e.status == Status.LOST for e in executions):
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment")
    return executions


def _announcing_sender(client, session: str):
    """send_task, then the platform's `queued` event with the run's position (runs of the session
    ahead of it). After the send, not before: the two Redis round trips it takes are then off
    the path to the kernel (the worker may well report `started` first; clients ignore a
    `queued` for a run they saw start)."""
    ns = namespace()

    def send(name, *, args, queue, task_id):
        send_task(name, args=args, queue=queue, task_id=task_id)
        request = args[0]
        try:
            settled = int(client.get(ns.session_settled(session)) or 0)
            event = protocol.make_event(protocol.EV_QUEUED, execution=request["execution"], cell=request["cell"],
                                        data={"seq": request["seq"], "position": max(0, request["seq"] - 1 - settled)})
            events.append(session, event, client)
        except RedisError as exc:  # the run is sent: only the announcement is missing
            logs.warning("execution.queued_event_failed", execution=request["execution"], error=repr(exc))

    return send


def _send(session: KernelSession, executions: list[Execution], fresh_kernel: bool = False) -> None:
    client = redis_client()
    sender = _announcing_sender(client, session.key)
    for index, execution in enumerate(executions):
        try:
            request = protocol.submit_execute(
                client, sender, execution=str(execution.id), session=session.key, cell=execution.stream_cell,
                code=execution.code, user=str(execution.user_id), device=session.device,
                store_history=execution.kind != Kind.CHECK, fresh_kernel=fresh_kernel and index == 0, ns=namespace(),
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


def kernel_command_send(*, key: str, device: str, command: str) -> None:
    """Send interrupt | restart | shutdown to the worker that holds session `key`; runs queued so
    far do not run. Raises what the broker raises."""
    protocol.submit_session_command(redis_client(), send_task, COMMANDS[command], key, device=device, cancel_queued=True, ns=namespace())


def session_command(*, notebook: Notebook, user, command: str) -> KernelSession:
    """interrupt | restart | shutdown the notebook's kernel; runs queued so far do not run."""
    if command not in COMMANDS:
        raise ValueError(f"unknown kernel command {command!r}")
    session = kernel_session_get_or_create(notebook=notebook, user=user)
    try:
        kernel_command_send(key=session.key, device=session.device, command=command)
    except Exception as exc:
        logs.error("kernel.command_failed", exc_info=True, session=session.key, command=command)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment") from exc
    logs.info("kernel.command", session=session.key, notebook=notebook.id, command=command)
    return session


def runtime_change(*, notebook: Notebook, user, device: str) -> KernelSession:
    """Move the notebook's kernel session to `device` (cpu | gpu): its kernel is shut down (runs still
    waiting do not run) and the next run starts a kernel there. The session gets a new id for the
    workers, numbered after the old one. RunConflict when no worker of that device is alive."""
    if device not in protocol.DEVICES:
        raise ValidationError(f"device must be one of {', '.join(protocol.DEVICES)}")
    session = kernel_session_get_or_create(notebook=notebook, user=user)
    if session.device == device:
        return session
    if not any(r["available"] for r in selectors.runtimes() if r["device"] == device):
        raise RunConflict(f"No {device.upper()} runtime is available right now (no {device} worker is running); the notebook stays on {session.device.upper()}.")
    if device == "gpu":
        holding = [s for s in selectors.kernels_in_use(user=user, exclude=session) if s.device == "gpu"]
        _check_kernel_cap(holding, settings.CAMPFIRE_MAX_GPU_KERNELS_PER_USER, "GPU")
    with transaction.atomic():
        _lock(get_user_model().objects.filter(pk=user.pk))   # no run request reads the session halfway
        session = KernelSession.objects.get(pk=session.pk)
        old_key, old_device = session.key, session.device
        session.generation += 1
        session.device, session.state, session.worker, session.state_message, session.updated = device, KernelState.DEAD, "", "", timezone.now()
        session.save(update_fields=["generation", "device", "state", "worker", "state_message", "updated"])
        protocol.continue_numbering(redis_client(), old_key, session.key, namespace())
        transaction.on_commit(partial(_kernel_moved, old_key, old_device, device))
    logs.info("kernel.runtime_changed", notebook=notebook.id, session=session.key, device=device, previous=old_key)
    return session


def _kernel_moved(old_key: str, old_device: str, device: str) -> None:
    """Shut the old kernel down and tell the pages still reading the old stream (another tab) where it went."""
    kernel_retire(old_key, old_device)
    try:
        events.append(old_key, protocol.make_event(protocol.EV_KERNEL, execution=None, cell=None, data={
            "state": "moved", "message": f"the notebook moved to the {device.upper()} runtime", "device": device}))
    except RedisError:              # those pages find the new session when they reconnect
        logs.warning("kernel.moved_event_failed", exc_info=True, session=old_key)


def kernel_retire(key: str, device: str) -> None:
    """Shut a kernel down by its session key, best effort (runs still waiting for it do not run)."""
    try:
        kernel_command_send(key=key, device=device, command="shutdown")
    except Exception:  # the broker is down: idle culling ends that kernel later
        logs.warning("kernel.retire_failed", exc_info=True, session=key)


def notebook_run_request(*, notebook: Notebook, user) -> Execution:
    """Run the whole saved notebook top to bottom in a fresh kernel of its own (a clean run: it
    checks the notebook runs from scratch and leaves the notebook's live kernel alone); its events
    go to a stream of its own, its record to `notebook_run_record`. One clean run per notebook at
    a time (RunConflict), and a user's clean runs under way count against the kernel cap, since
    each takes a kernel, and on a GPU runtime against the GPU cap with the user's GPU kernels
    (CapReached); a broker that cannot be reached ends it lost (ExecutionUnavailable)."""
    cells = [{**cell, "outputs": [], "execution_count": None} if cell["cell_type"] == "code" else cell for cell in notebook.cells]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": notebook.metadata, "cells": cells}
    with transaction.atomic():
        _lock(get_user_model().objects.filter(pk=user.pk))
        pending = Execution.objects.filter(user_id=user.pk, kind=Kind.NOTEBOOK, status__in=PENDING_STATUSES)
        running = pending.filter(notebook=notebook).first()
        if running is not None:
            raise RunConflict(f"a clean run of this notebook is already {running.status}; cancel it or wait for it", running)
        cap = settings.CAMPFIRE_MAX_KERNELS_PER_USER
        if pending.count() >= cap:
            raise CapReached(f"You already have {cap} clean runs under way (each takes a kernel; the limit is {cap}). Wait for one, or cancel it.")
        session = kernel_session_get_or_create(notebook=notebook, user=user)
        if session.device == "gpu":
            _check_gpu_clean_run(user, pending.filter(session__device="gpu").count())
        execution = Execution.objects.create(notebook=notebook, session=session, user=user, kind=Kind.NOTEBOOK)
        request = protocol.NotebookRequest(execution=str(execution.id), session=execution.stream_session, notebook=nb, user=str(user.pk), device=session.device)
        request.validate()
        transaction.on_commit(partial(_send_notebook, execution, request))
    if execution.status == Status.LOST:
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment")
    logs.info("notebook_run.requested", execution=execution.id, notebook=notebook.id, cells=len(cells))
    return execution


def _check_gpu_clean_run(user, gpu_runs: int) -> None:
    holding = [s for s in selectors.kernels_in_use(user=user) if s.device == "gpu"]
    cap = settings.CAMPFIRE_MAX_GPU_KERNELS_PER_USER
    if len(holding) + gpu_runs >= cap:
        raise CapReached(
            f"A clean run on the GPU takes a GPU kernel of its own, and you already have {len(holding) + gpu_runs} "
            f"(the limit is {cap}). Shut a GPU kernel down, or wait for your clean run to end.",
            kernels=selectors.kernel_summaries(sessions=holding))


def _send_notebook(execution: Execution, request: protocol.NotebookRequest) -> None:
    try:
        send_task(protocol.TASK_RUN_NOTEBOOK, args=[request.to_dict()], queue=namespace().pool_queue(request.device), task_id=request.execution)
    except Exception as exc:
        logs.error("notebook_run.send_failed", exc_info=True, execution=execution.id, error=repr(exc))
        _end_unsent([execution], "not run: the execution service could not be reached")


def notebook_run_cancel(*, execution: Execution) -> Execution:
    """Stop a clean run: its worker interrupts the running cell (and kills the kernel if the cell
    ignores that); one not started yet never starts. It ends `interrupted` when its record comes."""
    if execution.kind != Kind.NOTEBOOK:
        raise ValidationError("only a clean (whole-notebook) run is cancelled this way; interrupt the kernel to stop a cell")
    if execution.is_final:
        raise RunConflict(f"this run already ended ({execution.status})", execution)
    try:
        answer = protocol.cancel_notebook_run(redis_client(), send_task, str(execution.id), ns=namespace())
    except Exception as exc:
        logs.error("notebook_run.cancel_failed", exc_info=True, execution=execution.id)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment") from exc
    logs.info("notebook_run.cancel", execution=execution.id, answer=answer)
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


def _unrecorded(execution_id: str, task: str, status: str) -> tuple[str, Execution | None]:
    """("", the execution) a record is for, read without any lock; else "unknown" (its notebook
    was deleted, or it never was ours) or "duplicate" (already recorded), logged."""
    execution = Execution.objects.filter(pk=_uuid(execution_id)).first() if _uuid(execution_id) else None
    if execution is None:
        logs.warning("record.unknown_execution", execution=execution_id, task=task)
        return "unknown", None
    if execution.is_final:
        _duplicate(execution.id, execution.status, status)
        return "duplicate", None
    return "", execution


def _duplicate(execution_id, stored: str, received: str) -> None:
    if stored != received:
        logs.warning("record.conflicting_duplicate", execution=execution_id, stored=stored, received=received)
    else:
        logs.info("record.duplicate", execution=execution_id, status=received)


def _record(payload, cls, task: str, fields_of, then) -> tuple[str, Execution | None]:
    """The shared part of both records: parse; read the execution (no lock: a duplicate costs no
    write); then, in a short transaction, claim it with a conditional UPDATE (exactly one record
    of an execution gets past it) and let `then(execution, record)` store the outputs."""
    try:
        record = cls.from_dict(payload)
    except protocol.ProtocolError as exc:
        logs.error("record.invalid", task=task, error=str(exc))
        return "invalid", None
    refused, execution = _unrecorded(record.execution, task, record.status)
    if refused:
        return refused, None
    fields = {
        "status": record.status,
        "started": _when(record.started),
        "finished": _when(record.finished) or timezone.now(),
        "duration": record.duration if isinstance(record.duration, (int, float)) else None,
        "worker": str(record.worker)[:128],
        "message": str(record.message or "")[:2000],
        "recorded": timezone.now(),
        **fields_of(record),
    }
    with transaction.atomic():
        if not Execution.objects.filter(pk=execution.pk, status__in=PENDING_STATUSES).update(**fields):
            _duplicate(execution.id, "recorded meanwhile", record.status)
            return "duplicate", None
        for name, value in fields.items():
            setattr(execution, name, value)
        then(execution, record)
    return "stored", execution


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _is_later(holder: dict, execution: Execution) -> bool:
    """Later = a higher seq in the same session (the order the kernel ran them), else requested later."""
    if holder["session_id"] == execution.session_id:
        return (holder["seq"] or 0) > (execution.seq or 0)
    return holder["requested"] > execution.requested


def _cell_fields(record: protocol.ExecutionRecord) -> dict:
    return {
        "seq": record.seq if isinstance(record.seq, int) and record.seq > 0 else None,
        "outputs": _stored_form(record.outputs),
        "truncated": bool(record.truncated),
        "execution_count": record.execution_count if isinstance(record.execution_count, int) and record.execution_count >= 0 else None,
        "display_updates": _display_updates(record.display_updates),
    }


def _displays(raw, count: int) -> dict[str, list[int]]:
    """The record's {display id: [output indexes]}, well-formed entries only (ids come from user code)."""
    if not isinstance(raw, dict):
        return {}
    return {key: [i for i in value if type(i) is int and 0 <= i < count]
            for key, value in list(raw.items())[:DISPLAYS_MAX] if _display_id(key) and isinstance(value, list)}


def _display_updates(raw) -> dict[str, dict]:
    """The record's {display id: the output its last update gave}, in stored form."""
    if not isinstance(raw, dict):
        return {}
    return {key: {"output_type": "display_data", "data": value["data"], "metadata": value.get("metadata", {})}
            for key, value in list(raw.items())[:DISPLAYS_MAX]
            if _display_id(key) and isinstance(value, dict) and isinstance(value.get("data"), dict)
            and isinstance(value.get("metadata", {}), dict)}


def _display_id(key) -> bool:
    return isinstance(key, str) and 0 < len(key) <= 200


def _store_cell_outputs(execution: Execution, record: protocol.ExecutionRecord) -> None:
    """Make the run's outputs the cell's stored outputs, unless the run never started and printed
    nothing, or a later run of the cell already stored its own (`outputs_stored` marks the one
    execution whose outputs the cell holds). Updates it sent to displays of other cells change
    those cells' stored outputs."""
    if execution.kind != Kind.CELL or (record.started is None and not execution.outputs):
        return  # a check's outputs are the grader's, never the cell's
    # Records of one notebook's cells are stored one at a time.
    _lock(Notebook.objects.filter(pk=execution.notebook_id))
    updated = notebook_services.cell_displays_update(notebook_id=execution.notebook_id, updates=execution.display_updates)
    if updated:
        logs.info("record.displays_updated", execution=execution.id, cells=",".join(updated))
    same_cell = Execution.objects.filter(notebook_id=execution.notebook_id, cell_id=execution.cell_id)
    holder = same_cell.filter(outputs_stored=True).exclude(pk=execution.pk).values("session_id", "seq", "requested").first()
    if (holder is not None and _is_later(holder, execution)) or _later_clean_run_stored(execution):
        logs.info("record.older_than_stored", execution=execution.id, cell=execution.cell_id)
        return
    displays = _displays(record.displays, len(execution.outputs))
    if notebook_services.cell_outputs_store(notebook_id=execution.notebook_id, cell_id=execution.cell_id,
                                            outputs=execution.outputs, execution_count=execution.execution_count,
                                            displays=displays):
        same_cell.filter(Q(outputs_stored=True) | Q(pk=execution.pk)).update(
            outputs_stored=Case(When(pk=execution.pk, then=Value(True)), default=Value(False)))
        execution.outputs_stored = True
        _apply_earlier_recorded_updates(execution, displays)


def _apply_earlier_recorded_updates(execution: Execution, displays: dict) -> None:
    """Records of two cells can be stored out of order: a later run's updates to this run's displays
    that were recorded first are applied now, in the order the kernel ran them (this cell only: other
    cells got them when they were recorded)."""
    if not any(displays.values()) or not execution.seq:
        return
    later = (Execution.objects.filter(session_id=execution.session_id, kind=Kind.CELL, seq__gt=execution.seq)
             .exclude(display_updates={}).order_by("seq").values_list("display_updates", flat=True))
    for updates in later:
        mine = {key: value for key, value in updates.items() if displays.get(key)}
        if mine and notebook_services.cell_displays_update(notebook_id=execution.notebook_id, updates=mine,
                                                           cell_id=execution.cell_id):
            logs.info("record.displays_updated_late", execution=execution.id, cell=execution.cell_id)


# What follows the record of an execution of a given kind, registered by the app that owns the
# kind (campfire.tutorials grades "check" executions): hook(execution), after the record is stored.
RECORD_HOOKS: dict[str, Callable[[Execution], None]] = {}


def record_hook_register(*, kind: str, hook: Callable[[Execution], None]) -> None:
    RECORD_HOOKS[kind] = hook


def execution_record(*, payload) -> str:
    """Store a run's final record (campfire.record_execution): stored | duplicate | unknown | invalid.

    A duplicate changes nothing. The outputs become the cell's stored outputs unless the cell is
    gone (kept on the Execution only), a later run of the cell already stored its own, the run
    never started and printed nothing (the cell keeps what it showed before), or it is a check.
    """
    result, execution = _record(payload, protocol.ExecutionRecord, protocol.TASK_RECORD_EXECUTION, _cell_fields, _store_cell_outputs)
    if result == "stored":
        logs.info("execution.recorded", execution=execution.id, session=execution.session_id, cell=execution.cell_id,
                  status=execution.status, seq=execution.seq, stored=execution.outputs_stored, duration=execution.duration)
        hook = RECORD_HOOKS.get(execution.kind)
        if hook is not None:
            hook(execution)
    return result


def _notebook_results(record: protocol.NotebookRecord) -> list[dict]:
    results = []
    for cell in record.cells if isinstance(record.cells, list) else []:
        if isinstance(cell, dict) and isinstance(cell.get("cell"), str):
            count = cell.get("execution_count") if isinstance(cell.get("execution_count"), int) else None
            results.append({"cell": cell["cell"], "status": str(cell.get("status")), "execution_count": count,
                            "outputs": _stored_form(cell.get("outputs") or [])})
    return results


def _notebook_fields(record: protocol.NotebookRecord) -> dict:
    error = record.error if isinstance(record.error, dict) else {}
    return {"outputs": _notebook_results(record), "message": str(record.message or error.get("evalue", ""))[:2000]}


def _later_clean_run_stored(execution: Execution) -> bool:
    """A clean run requested after this cell run stored its own outputs for the cell (`stored` in its results)."""
    later = Execution.objects.filter(notebook_id=execution.notebook_id, kind=Kind.NOTEBOOK, requested__gt=execution.requested,
                                     recorded__isnull=False).values_list("outputs", flat=True)
    return any(isinstance(c, dict) and c.get("cell") == execution.cell_id and c.get("stored") for results in later for c in results)


def _store_notebook_outputs(execution: Execution, record: protocol.NotebookRecord) -> None:
    """Each cell the clean run reached shows its outputs, unless a cell run requested after the clean run
    already stored its own (the newest request wins, as for cell runs); `stored` marks those it changed."""
    _lock(Notebook.objects.filter(pk=execution.notebook_id))
    for cell in execution.outputs:
        if cell["status"] == "not_run":
            continue
        same_cell = Execution.objects.filter(notebook_id=execution.notebook_id, cell_id=cell["cell"], kind=Kind.CELL, outputs_stored=True)
        if same_cell.filter(requested__gt=execution.requested).exists():
            continue
        if notebook_services.cell_outputs_store(notebook_id=execution.notebook_id, cell_id=cell["cell"],
                                                outputs=cell["outputs"], execution_count=cell["execution_count"]):
            same_cell.update(outputs_stored=False)       # the cell holds the clean run's outputs now
            cell["stored"] = True
    Execution.objects.filter(pk=execution.pk).update(outputs=execution.outputs)


def notebook_run_record(*, payload) -> str:
    """Store a whole-notebook run's record (campfire.record_notebook_run); idempotent likewise.
    Each code cell that ran stores its outputs in the notebook while the cell still exists and no
    newer run of it stored its own."""
    result, execution = _record(payload, protocol.NotebookRecord, protocol.TASK_RECORD_NOTEBOOK, _notebook_fields, _store_notebook_outputs)
    if result == "stored":
        logs.info("notebook_run.recorded", execution=execution.id, notebook=execution.notebook_id, status=execution.status)
    return result
