"""The contract between the platform (campfire) and the workers.

Task names, queue names, Redis key names, the event schema, execution statuses and the payload of
every task. Standard library only: the platform imports this module without Celery or Jupyter, and
the helpers take any redis-py style client (bytes or str replies) and any ``send_task`` callable.
See docs/EXECUTION.md for the semantics behind these names.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Callable, Mapping

# ---------------------------------------------------------------------------------------- task names
TASK_EXECUTE = "workers.execute"
TASK_INTERRUPT = "workers.interrupt"
TASK_RESTART = "workers.restart"
TASK_SHUTDOWN = "workers.shutdown"
TASK_RUN_NOTEBOOK = "workers.run_notebook"
TASK_CANCEL_NOTEBOOK = "workers.cancel_notebook"
TASK_PING = "workers.ping"
TASK_INPUT = "workers.input"
# Tasks the platform implements; workers send them by name to the platform queue.
TASK_RECORD_EXECUTION = "campfire.record_execution"
TASK_RECORD_NOTEBOOK = "campfire.record_notebook_run"

SESSION_COMMANDS = (TASK_INTERRUPT, TASK_RESTART, TASK_SHUTDOWN)

# ----------------------------------------------------------------------------------- event schema
EV_QUEUED = "queued"
EV_STARTED = "started"
EV_STREAM = "stream"
EV_DISPLAY = "display_data"
EV_UPDATE_DISPLAY = "update_display_data"
EV_RESULT = "execute_result"
EV_ERROR = "error"
EV_CLEAR = "clear_output"
EV_FINISHED = "finished"
EV_KERNEL = "kernel"
EV_INPUT_REQUEST = "input_request"  # a running cell called input()/getpass(): {"prompt", "password"}
# Appended by the platform (never a worker) once it has graded an exercise's check execution:
# {"exercise", "attempt", "status": pass|fail|error, "message", ...} (docs/API.md).
EV_CHECK = "check"
EVENT_TYPES = (EV_QUEUED, EV_STARTED, EV_STREAM, EV_DISPLAY, EV_UPDATE_DISPLAY, EV_RESULT,
               EV_ERROR, EV_CLEAR, EV_FINISHED, EV_KERNEL, EV_CHECK, EV_INPUT_REQUEST)
# Events whose data is an nbformat v4 output dict (update_display_data: the replacement output).
OUTPUT_EVENT_TYPES = (EV_STREAM, EV_DISPLAY, EV_UPDATE_DISPLAY, EV_RESULT, EV_ERROR)

# ------------------------------------------------------------------------------ execution statuses
QUEUED, RUNNING, OK, ERROR = "queued", "running", "ok", "error"
INTERRUPTED, TIMED_OUT, KERNEL_DIED, LOST = "interrupted", "timed_out", "kernel_died", "lost"
STATUSES = (QUEUED, RUNNING, OK, ERROR, INTERRUPTED, TIMED_OUT, KERNEL_DIED, LOST)
FINAL_STATUSES = (OK, ERROR, INTERRUPTED, TIMED_OUT, KERNEL_DIED, LOST)

# data["state"] of a kernel event
KERNEL_STATES = ("ready", "restarted", "died", "lost", "culled", "shutdown", "moved")  # moved: the platform's, below

DEVICES = ("cpu", "gpu")
MAX_CODE_CHARS = 1_000_000
MAX_INPUT_CHARS = 10_000   # one answer to input()
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$")


class ProtocolError(ValueError):
    """A payload or event that does not follow this module's schema."""


def check_id(value: Any, what: str) -> str:
    """Ids end up in Redis key and queue names, so only a safe alphabet is accepted."""
    if not isinstance(value, str) or not _ID.match(value):
        raise ProtocolError(f"{what} must be 1-128 characters of [A-Za-z0-9_.@:-], got {value!r}")
    return value


# ------------------------------------------------------------------------- names (queues and keys)
@dataclass(frozen=True)
class Namespace:
    """Where things live: a prefix for Redis keys and one for queue names (tests use their own)."""

    redis_prefix: str = "campfire"
    queue_prefix: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Namespace":
        return cls(environ.get("CAMPFIRE_REDIS_PREFIX", "campfire") or "campfire",
                   environ.get("CAMPFIRE_QUEUE_PREFIX", ""))

    # queues ------------------------------------------------------------------------------------
    def queue(self, name: str) -> str:
        return f"{self.queue_prefix}{name}"

    @property
    def platform_queue(self) -> str:
        return self.queue("platform")

    def pool_queue(self, device: str = "cpu", live: bool = False) -> str:
        """The shared queue for a session nobody owns yet; `live` is the workshop lane (CPU)."""
        if device not in DEVICES:
            raise ProtocolError(f"device must be one of {DEVICES}, got {device!r}")
        return self.queue("live" if live and device == "cpu" else device)

    def worker_queue(self, worker: str) -> str:
        return self.queue(f"kernels.{check_id(worker, 'worker name')}")

    # keys --------------------------------------------------------------------------------------
    def _session(self, session: str, part: str) -> str:
        return f"{self.redis_prefix}:session:{check_id(session, 'session')}:{part}"

    def session_events(self, session: str) -> str:
        return self._session(session, "events")

    def session_seq(self, session: str) -> str:
        return self._session(session, "seq")

    def session_owner(self, session: str) -> str:
        return self._session(session, "owner")

    def session_settled(self, session: str) -> str:
        return self._session(session, "settled")

    def session_settled_above(self, session: str) -> str:
        return self._session(session, "settled:above")

    def session_cancel(self, session: str) -> str:
        return self._session(session, "cancel")

    def session_nocull(self, session: str) -> str:
        return self._session(session, "nocull")

    def execution_start(self, execution: str) -> str:
        return f"{self.redis_prefix}:exec:{check_id(execution, 'execution')}:start"

    def execution_final(self, execution: str) -> str:
        return f"{self.redis_prefix}:exec:{check_id(execution, 'execution')}:final"

    def execution_cancel(self, execution: str) -> str:
        return f"{self.redis_prefix}:exec:{check_id(execution, 'execution')}:cancel"

    @property
    def workers(self) -> str:
        return f"{self.redis_prefix}:workers"

    @property
    def workers_gone(self) -> str:
        return f"{self.redis_prefix}:workers:gone"

    @property
    def sweep_lock(self) -> str:
        return f"{self.redis_prefix}:sweep"

    def _worker(self, worker: str, part: str) -> str:
        return f"{self.redis_prefix}:worker:{check_id(worker, 'worker name')}{part}"

    def worker_info(self, worker: str) -> str:
        return self._worker(worker, "")

    def worker_alive(self, worker: str) -> str:
        return self._worker(worker, ":alive")

    def worker_runs(self, worker: str) -> str:
        return self._worker(worker, ":runs")

    def worker_sessions(self, worker: str) -> str:
        return self._worker(worker, ":sessions")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


# ---------------------------------------------------------------------------------------- events
def make_event(type: str, *, execution: str | None, cell: str | None, data: dict) -> dict:
    """An event without its stream id (Redis assigns it when the event is appended)."""
    event = {"execution": execution, "cell": cell, "type": type, "data": data}
    validate_event(event)
    return event


def validate_event(event: Mapping[str, Any]) -> None:
    if event.get("type") not in EVENT_TYPES:
        raise ProtocolError(f"unknown event type {event.get('type')!r}")
    for key in ("execution", "cell"):
        if event.get(key) is not None and not isinstance(event[key], str):
            raise ProtocolError(f"event {key} must be a string or None")
    data = event.get("data")
    if not isinstance(data, dict):
        raise ProtocolError("event data must be a dict")
    kind = event["type"]
    if kind in OUTPUT_EVENT_TYPES and "output_type" not in data:
        raise ProtocolError(f"{kind} event data must be an nbformat output dict")
    if kind == EV_FINISHED and data.get("status") not in FINAL_STATUSES:
        raise ProtocolError(f"finished event needs a final status, got {data.get('status')!r}")
    if kind == EV_KERNEL and data.get("state") not in KERNEL_STATES:
        raise ProtocolError(f"kernel event needs a state in {KERNEL_STATES}")
    if kind == EV_CLEAR and not isinstance(data.get("wait"), bool):
        raise ProtocolError("clear_output event needs a boolean 'wait'")
    if kind == EV_INPUT_REQUEST and not (isinstance(data.get("prompt"), str) and isinstance(data.get("password"), bool)):
        raise ProtocolError("input_request event needs a string 'prompt' and a boolean 'password'")


def encode_event(event: Mapping[str, Any]) -> dict[str, str]:
    """Stream entry fields for an event (Redis stream values are flat strings)."""
    validate_event(event)
    return {"execution": event["execution"] or "", "cell": event["cell"] or "",
            "type": event["type"], "data": json.dumps(event["data"], separators=(",", ":"))}


def decode_event(stream_id: Any, entry: Mapping[Any, Any]) -> dict:
    """The event dict for one stream entry, as XREAD/XRANGE return it."""
    fields_ = {_text(k): _text(v) for k, v in entry.items()}
    try:
        data = json.loads(fields_["data"])
        return {"id": _text(stream_id), "execution": fields_.get("execution") or None,
                "cell": fields_.get("cell") or None, "type": fields_["type"], "data": data}
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"malformed stream entry {stream_id!r}: {exc}") from exc


def read_events(redis, session: str, after: str = "0-0", count: int = 500,
                block_ms: int | None = None, ns: Namespace | None = None) -> list[dict]:
    """Events of a session after stream id `after` (what a WebSocket consumer tails)."""
    key = (ns or Namespace.from_env()).session_events(session)
    reply = redis.xread({key: after}, count=count, block=block_ms)
    return [decode_event(eid, entry) for _key, entries in (reply or []) for eid, entry in entries]


# -------------------------------------------------------------------------------------- payloads
class _Payload:
    """to_dict/from_dict for the flat dataclasses below; unknown keys are rejected."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Any):
        if not isinstance(raw, Mapping):
            raise ProtocolError(f"{cls.__name__} payload must be a dict")
        names = {f.name for f in fields(cls)}
        unknown = set(raw) - names
        if unknown:
            raise ProtocolError(f"{cls.__name__}: unknown keys {sorted(unknown)}")
        try:
            obj = cls(**dict(raw))
        except TypeError as exc:
            raise ProtocolError(f"{cls.__name__}: {exc}") from exc
        obj.validate()
        return obj

    def validate(self) -> None:  # pragma: no cover - every payload overrides it
        raise NotImplementedError


def _positive(value: Any, what: str, kind: type) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                              or (kind is int and not isinstance(value, int)) or value <= 0):
        raise ProtocolError(f"{what} must be a positive {kind.__name__} or None, got {value!r}")


@dataclass
class Limits(_Payload):
    """Per-run limits asked for by the platform; a worker only ever lowers its own maxima."""

    timeout: float | None = None        # wall-clock seconds per cell
    output_bytes: int | None = None     # output bytes a cell keeps (10x that may go live)

    def validate(self) -> None:
        _positive(self.timeout, "limits.timeout", float)
        _positive(self.output_bytes, "limits.output_bytes", int)


def _limits(value: Any) -> Limits:
    return value if isinstance(value, Limits) else Limits.from_dict(value or {})


@dataclass
class ExecuteRequest(_Payload):
    """Payload of workers.execute: run one cell's code in its session's kernel."""

    execution: str
    session: str
    cell: str
    code: str
    seq: int                 # per-session submission order, from next_seq()
    user: str = ""
    device: str = "cpu"
    live: bool = False       # workshop lane
    limits: Limits = field(default_factory=Limits)
    # False for runs that are not the learner's own (exercise checks): the kernel neither
    # numbers them nor records their input in its history (Jupyter's execute_request flag).
    store_history: bool = True
    # Restart & run all: the run starts on a new kernel; runs of the session submitted before it
    # do not run, and one still running is stopped.
    fresh_kernel: bool = False

    def validate(self) -> None:
        check_id(self.execution, "execution")
        check_id(self.session, "session")
        check_id(self.cell, "cell")
        if not isinstance(self.code, str) or len(self.code) > MAX_CODE_CHARS:
            raise ProtocolError(f"code must be a string of at most {MAX_CODE_CHARS} characters")
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise ProtocolError(f"seq must be an integer >= 1, got {self.seq!r}")
        if not isinstance(self.user, str) or self.device not in DEVICES:
            raise ProtocolError(f"user must be a string and device one of {DEVICES}")
        if not all(isinstance(flag, bool) for flag in (self.live, self.store_history, self.fresh_kernel)):
            raise ProtocolError("live, store_history and fresh_kernel must be booleans")
        self.limits = _limits(self.limits)


@dataclass
class SessionCommand(_Payload):
    """Payload of workers.interrupt / restart / shutdown.

    `upto_seq`: runs of the session submitted up to this sequence number that have not started
    are not run (they finish `interrupted`), as Jupyter aborts queued cells on an interrupt.
    """

    session: str
    upto_seq: int | None = None
    device: str = "cpu"

    def validate(self) -> None:
        check_id(self.session, "session")
        if self.upto_seq is not None and (isinstance(self.upto_seq, bool)
                                          or not isinstance(self.upto_seq, int)
                                          or self.upto_seq < 0):
            raise ProtocolError("upto_seq must be a non-negative integer or None")
        if self.device not in DEVICES:
            raise ProtocolError(f"device must be one of {DEVICES}")


@dataclass
class InputReply(_Payload):
    """Payload of workers.input: what the user typed for the input() of a running cell."""

    session: str
    execution: str
    value: str

    def validate(self) -> None:
        check_id(self.session, "session")
        check_id(self.execution, "execution")
        if not isinstance(self.value, str) or len(self.value) > MAX_INPUT_CHARS:
            raise ProtocolError(f"value must be a string of at most {MAX_INPUT_CHARS} characters")


@dataclass
class NotebookRequest(_Payload):
    """Payload of workers.run_notebook: run a whole notebook in a fresh kernel."""

    execution: str
    session: str             # the stream its events go to
    notebook: dict
    user: str = ""
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)

    def validate(self) -> None:
        check_id(self.execution, "execution")
        check_id(self.session, "session")
        if not isinstance(self.notebook, dict) or not isinstance(self.notebook.get("cells"), list):
            raise ProtocolError("notebook must be an nbformat v4 notebook dict")
        if self.device not in DEVICES:
            raise ProtocolError(f"device must be one of {DEVICES}")
        self.limits = _limits(self.limits)


@dataclass
class ExecutionRecord(_Payload):
    """Payload of campfire.record_execution: the final state of one run (idempotent by id)."""

    execution: str
    session: str
    cell: str
    seq: int
    status: str
    outputs: list
    execution_count: int | None
    started: str | None      # ISO 8601 UTC; None when the run never started
    finished: str
    duration: float | None   # seconds the cell ran
    worker: str
    message: str = ""        # why, for timed_out / kernel_died / lost / interrupted
    truncated: bool = False  # the output cap was hit
    displays: dict = field(default_factory=dict)         # display id -> indexes in `outputs`
    display_updates: dict = field(default_factory=dict)  # display id -> the last output an
    #   update_display_data gave a display that an earlier cell made (Jupyter updates it in place)

    def validate(self) -> None:
        check_id(self.execution, "execution")
        if self.status not in FINAL_STATUSES:
            raise ProtocolError(f"record status must be final, got {self.status!r}")
        if not isinstance(self.outputs, list):
            raise ProtocolError("outputs must be a list of nbformat outputs")
        if not isinstance(self.displays, dict) or not isinstance(self.display_updates, dict):
            raise ProtocolError("displays and display_updates must be objects keyed by display id")


@dataclass
class NotebookRecord(_Payload):
    """Payload of campfire.record_notebook_run: the executed notebook and per-cell outcome."""

    execution: str
    session: str
    status: str
    notebook: dict | None    # the executed notebook (nbformat v4 dict)
    cells: list              # [{"cell", "status", "execution_count", "outputs"}] per code cell run
    started: str | None
    finished: str
    duration: float | None
    worker: str
    message: str = ""
    error: dict | None = None  # {"cell", "ename", "evalue", "traceback"} of the failing cell

    def validate(self) -> None:
        check_id(self.execution, "execution")
        if self.status not in FINAL_STATUSES:
            raise ProtocolError(f"record status must be final, got {self.status!r}")


# --------------------------------------------------------------------------- platform-side helpers
def worker_is_alive(redis, worker: str, ns: Namespace | None = None) -> bool:
    return bool(redis.exists((ns or Namespace.from_env()).worker_alive(worker)))


def session_owner(redis, session: str, ns: Namespace | None = None) -> str | None:
    return _text(redis.get((ns or Namespace.from_env()).session_owner(session)))


def route_for_session(redis, session: str, device: str = "cpu", *, live: bool = False,
                      ns: Namespace | None = None) -> str:
    """The owner's `kernels.<worker>` queue if the session is claimed by a live worker, else the
    shared pool queue (whoever takes the run starts the kernel and claims the session)."""
    ns = ns or Namespace.from_env()
    owner = session_owner(redis, session, ns)
    if owner and worker_is_alive(redis, owner, ns):
        return ns.worker_queue(owner)
    return ns.pool_queue(device, live)


SEQ_TTL = 7 * 24 * 3600  # ordering keys outlive any session; refreshed on each use


def next_seq(redis, session: str, ns: Namespace | None = None) -> int:
    """The next submission number of a session (cells run in this order)."""
    key = (ns or Namespace.from_env()).session_seq(session)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, SEQ_TTL)
    return int(pipe.execute()[0])


def current_seq(redis, session: str, ns: Namespace | None = None) -> int:
    return int(_text(redis.get((ns or Namespace.from_env()).session_seq(session))) or 0)


def continue_numbering(redis, old: str, new: str, ns: Namespace | None = None) -> int:
    """A session that replaces `old` (a runtime change) numbers its runs after old's, as settled: its
    first run starts at once, and run numbers stay comparable across the two. Returns that number."""
    ns = ns or Namespace.from_env()
    last = current_seq(redis, old, ns)
    pipe = redis.pipeline()
    pipe.set(ns.session_seq(new), last, ex=SEQ_TTL)
    pipe.set(ns.session_settled(new), last, ex=SEQ_TTL)
    pipe.execute()
    return last


SendTask = Callable[..., Any]  # Celery's app.send_task


def submit_execute(redis, send_task: SendTask, *, execution: str, session: str, cell: str,
                   code: str, user: str = "", device: str = "cpu", live: bool = False,
                   limits: Limits | dict | None = None, store_history: bool = True,
                   fresh_kernel: bool = False, ns: Namespace | None = None) -> ExecuteRequest:
    """Number the run, route it and send workers.execute (task id = execution id)."""
    ns = ns or Namespace.from_env()
    request = ExecuteRequest(execution=execution, session=session, cell=cell, code=code, seq=1,
                             user=user, device=device, live=live, limits=_limits(limits),
                             store_history=store_history, fresh_kernel=fresh_kernel)
    request.validate()
    request.seq = next_seq(redis, session, ns)
    queue = route_for_session(redis, session, device, live=live, ns=ns)
    send_task(TASK_EXECUTE, args=[request.to_dict()], queue=queue, task_id=execution)
    return request


def submit_session_command(redis, send_task: SendTask, task: str, session: str, *,
                           device: str = "cpu", cancel_queued: bool = True,
                           ns: Namespace | None = None) -> SessionCommand:
    """Send interrupt/restart/shutdown to the session's owner; with `cancel_queued`, runs
    submitted so far that have not started are not run."""
    if task not in SESSION_COMMANDS:
        raise ProtocolError(f"{task!r} is not a session command")
    ns = ns or Namespace.from_env()
    command = SessionCommand(session=session, device=device,
                             upto_seq=current_seq(redis, session, ns) if cancel_queued else None)
    command.validate()
    send_task(task, args=[command.to_dict()], queue=route_for_session(redis, session, device, ns=ns))
    return command


def submit_input(redis, send_task: SendTask, reply: InputReply, *, ns: Namespace | None = None) -> bool:
    """Send an answer to a cell's input() to the worker that owns the session; False when no live
    worker does (the cell is gone with its kernel)."""
    ns = ns or Namespace.from_env()
    reply.validate()
    owner = session_owner(redis, reply.session, ns)
    if not owner or not worker_is_alive(redis, owner, ns):
        return False
    send_task(TASK_INPUT, args=[reply.to_dict()], queue=ns.worker_queue(owner))
    return True


def cancel_notebook_run(redis, send_task: SendTask, execution: str, *,
                        ns: Namespace | None = None) -> str:
    """Stop a whole-notebook run: `ended` if it already ended, else `sent` (its worker interrupts the running
    cell, then kills the kernel after the grace) or `marked` (not started: it ends `interrupted` unrun).

    The marker is set before the starter is read and a worker reads it after marking the start, so a run
    starting at this moment sees one or the other (or both; a second stop does nothing)."""
    ns = ns or Namespace.from_env()
    check_id(execution, "execution")
    if redis.exists(ns.execution_final(execution)):
        return "ended"
    redis.set(ns.execution_cancel(execution), "1", ex=SEQ_TTL)
    starter = _text(redis.get(ns.execution_start(execution)))
    if not starter:
        return "marked"
    send_task(TASK_CANCEL_NOTEBOOK, args=[{"execution": execution}], queue=ns.worker_queue(starter))
    return "sent"


def set_no_cull(redis, session: str, seconds: int, ns: Namespace | None = None) -> None:
    """Keep a session's kernel from idle culling for `seconds` (workshops, until they end)."""
    redis.set((ns or Namespace.from_env()).session_nocull(session), "1", ex=int(seconds))


def clear_no_cull(redis, session: str, ns: Namespace | None = None) -> None:
    redis.delete((ns or Namespace.from_env()).session_nocull(session))


def list_workers(redis, ns: Namespace | None = None) -> list[dict]:
    """The worker registry for the staff page: one dict per known worker, with `alive`."""
    ns = ns or Namespace.from_env()
    result = []
    for raw in sorted(redis.smembers(ns.workers) or ()):
        name = _text(raw)
        info = _text(redis.hget(ns.worker_info(name), "info"))
        entry = json.loads(info) if info else {"name": name}
        entry["alive"] = worker_is_alive(redis, name, ns)
        result.append(entry)
    return result
