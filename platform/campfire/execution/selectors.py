"""Live execution reads: executions, kernel sessions, who holds a kernel, the editor's data.

Owner only: another user's execution or notebook is a 404, as everywhere in the API.
"""

import json
import uuid

from django.db.models import Q
from django.http import Http404
from redis.exceptions import RedisError

from workers import protocol

from campfire.execution import events
from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import ACTIVE_STATES, PENDING_STATUSES, Execution, KernelSession, Kind, Status


def _iso(value):
    return value.isoformat() if value else None


def execution_get_owned(*, execution_id, user) -> Execution:
    try:
        key = uuid.UUID(str(execution_id))
    except ValueError:
        raise Http404("execution not found") from None
    execution = Execution.objects.filter(pk=key, user_id=user.pk).first()
    if execution is None:
        raise Http404("execution not found")
    return execution


def _worker_view(execution: Execution) -> dict:
    """What the workers already know of a run the platform has not recorded yet: started
    (the start marker) or finished (the final marker holds the record the platform will store)."""
    if execution.is_final or execution.kind == Kind.CHECK:
        return {}
    ns, client = namespace(), redis_client()
    start, final = client.mget(ns.execution_start(str(execution.id)), ns.execution_final(str(execution.id)))
    if final:
        payload = json.loads(final).get("payload", {})
        return {key: payload[key] for key in ("status", "outputs", "execution_count", "started", "finished",
                                               "duration", "worker", "message", "truncated") if key in payload}
    if start:
        return {"status": Status.RUNNING, "worker": start}
    return {}


def runtimes() -> list[dict]:
    """The runtimes a notebook can pick now, from the worker registry: [{"device", "available" (a live
    worker of that device), "workers", "gpus" (their names)}]. Redis down: none available."""
    try:
        workers = protocol.list_workers(redis_client(), namespace())
    except RedisError:
        workers = []
    result = []
    for device in protocol.DEVICES:
        alive = [w for w in workers if w.get("alive") and w.get("device", "cpu") == device]
        gpus = sorted({g["name"] for w in alive for g in w.get("gpus") or [] if isinstance(g, dict) and isinstance(g.get("name"), str)})
        result.append({"device": device, "available": bool(alive), "workers": len(alive), "gpus": gpus})
    return result


def notebook_runs_recent(*, notebook, user, limit: int = 10) -> list[Execution]:
    """The user's latest clean (whole-notebook) runs of a notebook, newest first."""
    return list(Execution.objects.filter(notebook=notebook, user_id=user.pk, kind=Kind.NOTEBOOK).order_by("-requested")[:limit])


def execution_detail(*, execution: Execution) -> dict:
    detail = {
        "id": str(execution.id),
        "kind": execution.kind,
        "notebook": str(execution.notebook_id),
        "cell": execution.cell_id or None,
        "status": execution.status,
        "outputs": execution.outputs,
        "execution_count": execution.execution_count,
        "requested": _iso(execution.requested),
        "started": _iso(execution.started),
        "finished": _iso(execution.finished),
        "duration": execution.duration,
        "message": execution.message,
        "truncated": execution.truncated,
        "worker": execution.worker,
        "recorded": execution.recorded is not None,
    }
    detail.update(_worker_view(execution))
    if execution.kind == Kind.CHECK:
        detail["outputs"] = []  # the grader's outputs (a traceback may quote the hidden check); the result is the attempt's
    return detail


def session_get(*, notebook, user) -> KernelSession | None:
    return KernelSession.objects.filter(notebook=notebook, user_id=user.pk).first()


def session_holds_kernel(*, session: KernelSession, client=None, pending: bool | None = None) -> bool:
    """The authoritative answer (the cap is counted with it): the session has runs waiting or
    running (a kernel is being started for them, `pending` when the caller knows), or it is
    claimed by a live worker. The database is asked first: it costs no round trip to Redis."""
    if pending is None:             # a clean run (kind notebook) has a kernel of its own, not the session's
        pending = Execution.objects.filter(session=session, status__in=PENDING_STATUSES).exclude(kind=Kind.NOTEBOOK).exists()
    if pending:
        return True
    client = client or redis_client()
    owner = protocol.session_owner(client, session.key, namespace())
    return bool(owner and protocol.worker_is_alive(client, owner, namespace()))


def kernels_in_use(*, user, exclude=None) -> list[KernelSession]:
    """The user's sessions that hold a kernel now (optionally leaving one out)."""
    candidates = (
        KernelSession.objects.filter(user_id=user.pk)
        .filter(Q(state__in=ACTIVE_STATES) | Q(executions__status__in=PENDING_STATUSES, executions__kind__in=(Kind.CELL, Kind.CHECK)))
        .select_related("notebook")
        .distinct()
        .order_by("created")
    )
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    client = redis_client()
    return [session for session in candidates if session_holds_kernel(session=session, client=client)]


def default_device(*, notebook) -> str:
    """The runtime a notebook asks for (`metadata.campfire.device`, e.g. a GPU tutorial): gpu or cpu."""
    metadata = notebook.metadata.get("campfire") if isinstance(notebook.metadata, dict) else None
    return "gpu" if isinstance(metadata, dict) and metadata.get("device") == "gpu" else "cpu"


def kernel_detail(*, session: KernelSession | None, notebook=None) -> dict:
    """The kernel session as the API shows it; without one, what the first run would start (`notebook`'s runtime)."""
    if session is None:
        device = default_device(notebook=notebook) if notebook is not None else "cpu"
        return {"session": None, "state": "dead", "device": device, "worker": "", "message": "", "updated": None}
    return {
        "session": session.key,
        "state": session.state,
        "device": session.device,
        "worker": session.worker,
        "message": session.state_message,
        "updated": _iso(session.updated),
    }


def kernel_summaries(*, sessions) -> list[dict]:
    return [{"notebook": str(s.notebook_id), "title": s.notebook.title, "state": s.state} for s in sessions]


def pending_executions(*, session: KernelSession) -> list[dict]:
    return [
        {"execution": str(e.id), "cell": e.cell_id, "status": e.status}
        for e in Execution.objects.filter(session=session, kind="cell", status__in=PENDING_STATUSES).order_by("requested")
    ]


def editor_execution_data(*, notebook, user) -> dict:
    """What the editor's kernel.js starts from: the kernel, the runs not finished yet, and the
    stream id to resume after (before the first event of the oldest unfinished run, so a reload
    shows a running cell's output so far). Redis down: the editor starts without execution."""
    session = session_get(notebook=notebook, user=user)
    pending = pending_executions(session=session) if session else []
    try:
        after = events.resume_point(session.key, {p["execution"] for p in pending}) if session else events.ZERO
    except RedisError as exc:
        return {"notebook": str(notebook.id), "available": False, "error": f"the event stream is unavailable ({exc.__class__.__name__})"}
    return {"notebook": str(notebook.id), "available": True, "kernel": kernel_detail(session=session, notebook=notebook), "pending": pending, "after": after}
