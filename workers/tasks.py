"""The Celery tasks: thin. Each parses its payload and calls the worker runtime.

A payload that does not follow workers.protocol is logged and dropped (retrying cannot fix it).
"""
from __future__ import annotations

import json
import socket
import time

import redis as redis_lib
from celery.exceptions import Reject

from . import logs
from .celery_app import app, current_runtime
from .protocol import (TASK_CANCEL_NOTEBOOK, TASK_EXECUTE, TASK_INPUT, TASK_INTERRUPT, TASK_PING, TASK_RESTART,
                       TASK_RUN_NOTEBOOK, TASK_SHUTDOWN, ExecuteRequest, InputReply, NotebookRequest,
                       ProtocolError, SessionCommand, check_id)
from .query_protocol import TASK_QUERY, KernelQuery
from .runtime import NoCapacity

log = logs.get("tasks")


def _parse(cls, payload):
    try:
        return cls.from_dict(payload)
    except ProtocolError as exc:
        log.error("task.bad_payload", payload_type=cls.__name__, error=str(exc))
        return None


def _accept(cls, payload, accept) -> str:
    request = _parse(cls, payload)
    if request is None:
        return "rejected"
    try:
        return accept(request)
    except NoCapacity:  # back to its queue, for a worker with a free kernel
        raise Reject("no free kernel on this worker", requeue=True)
    except redis_lib.RedisError:  # Redis unreachable: nothing can be recorded, try again later
        log.exception("task.redis_unavailable", execution=request.execution)
        time.sleep(1)
        raise Reject("redis unavailable", requeue=True)
    except Exception as exc:  # a bug: tell the user rather than leave the run queued forever
        log.exception("task.failed", execution=request.execution)
        try:
            if isinstance(request, ExecuteRequest):
                current_runtime().fail_execute(request, f"worker error: {exc!r}")
        except Exception:  # cannot even report it: keep the message rather than lose the run
            log.exception("task.report_failed", execution=request.execution)
            time.sleep(1)
            raise Reject("worker error", requeue=True)
        return "failed"


@app.task(name=TASK_EXECUTE)
def execute(payload: dict) -> str:
    return _accept(ExecuteRequest, payload, lambda r: current_runtime().accept_execute(r))


def _session_command(task: str, payload: dict) -> str:
    command = _parse(SessionCommand, payload)
    return "rejected" if command is None else current_runtime().session_command(task, command)


@app.task(name=TASK_INTERRUPT)
def interrupt(payload: dict) -> str:
    return _session_command(TASK_INTERRUPT, payload)


@app.task(name=TASK_RESTART)
def restart(payload: dict) -> str:
    return _session_command(TASK_RESTART, payload)


@app.task(name=TASK_SHUTDOWN)
def shutdown(payload: dict) -> str:
    return _session_command(TASK_SHUTDOWN, payload)


@app.task(name=TASK_RUN_NOTEBOOK)
def run_notebook(payload: dict) -> str:
    return _accept(NotebookRequest, payload, lambda r: current_runtime().accept_notebook(r))


@app.task(name=TASK_CANCEL_NOTEBOOK)
def cancel_notebook(payload: dict) -> str:
    """Sent to the worker that started the run (workers.protocol.cancel_notebook_run)."""
    try:
        execution = check_id((payload or {}).get("execution") if isinstance(payload, dict) else None, "execution")
    except ProtocolError as exc:
        log.error("task.bad_payload", payload_type="cancel_notebook", error=str(exc))
        return "rejected"
    return current_runtime().notebooks.cancel(execution)


@app.task(name=TASK_INPUT)
def input_reply(payload: dict) -> str:
    """What the user typed for a running cell's input() (workers/stdin.py)."""
    reply = _parse(InputReply, payload)
    return "rejected" if reply is None else current_runtime().input(reply)


@app.task(name=TASK_QUERY)
def query(payload: dict) -> str:
    """Completion or inspection (workers.query_protocol): the answer goes to the Redis list it names."""
    request = _parse(KernelQuery, payload)
    return "rejected" if request is None else current_runtime().query(request)


@app.task(name=TASK_PING)
def ping(reply_to: str | None = None) -> dict:
    """Health: answers with this worker's state; with `reply_to` (a token), the answer is also
    pushed to a Redis list the caller waits on (python -m workers.health)."""
    runtime = current_runtime()
    answer = {"worker": runtime.worker, "host": socket.gethostname(), "time": time.time(),
              "kernels": runtime.pool.stats(), "sessions": len(runtime.sessions)}
    if reply_to is not None:
        key = f"{runtime.ns.redis_prefix}:ping:{check_id(reply_to, 'reply_to')}"
        runtime.redis.rpush(key, json.dumps(answer))
        runtime.redis.expire(key, 60)
    return answer
