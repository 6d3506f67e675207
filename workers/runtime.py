"""The execution side of one worker process: what the Celery tasks call.

A worker runs Celery's threads pool: kernels, their clients and the session threads live in this
one long-lived process. Tasks only *accept* work (claim the session or forward the run to its
owner, reserve a kernel slot, record the run in Redis) and return; the session thread runs it.
So a message stays unacked for at most `kernel_wait`, cells never run inside a Celery task, and a
run this worker accepted is known in Redis (`worker:<name>:runs`) for the sweeper if it dies.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections import defaultdict

from . import logs
from .coordination import Coordinator
from .culler import cull_idle
from .launcher import make_launcher
from .notebook import NotebookRunner
from .pool import KernelPool
from .protocol import (ERROR, EV_QUEUED, INTERRUPTED, LOST, TASK_EXECUTE, TASK_INPUT, TASK_INTERRUPT,
                       TASK_RESTART, TASK_SHUTDOWN, ExecuteRequest, ExecutionRecord, InputReply,
                       NotebookRequest, SessionCommand, worker_is_alive)
from .query_protocol import NO_KERNEL, TASK_QUERY, KernelQuery, no_answer, push_answer
from .registry import Registry
from .reporting import Reporter, utc_now
from .session import Closing, Run, Session
from .sweeper import Sweeper, drain_queue

log = logs.get("runtime")


class NoCapacity(Exception):
    """No kernel slot freed up in time: the message goes back to its queue for another worker."""


class WorkerRuntime:
    def __init__(self, config, name: str, app, redis, queues: list[str]) -> None:
        self.config = config
        self.worker = name
        self.app = app
        self.redis = redis
        self.ns = config.namespace
        self.queues = queues
        self.coord = Coordinator(redis, self.ns, config.marker_ttl)
        self.reporter = Reporter(redis, self.coord, self.ns, app.send_task, name,
                                 config.stream_maxlen, config.stream_ttl)
        base = config.runtime_dir / f"{socket.gethostname()}-{os.getpid()}"
        self.launcher = make_launcher(config, base)
        self.pool = KernelPool(self.launcher, config.warm_kernels, config.max_kernels,
                               config.kernel_start_timeout)
        self.registry = Registry(redis, self.ns, name, config, self._info)
        self.sweeper = Sweeper(self)
        self.notebooks = NotebookRunner(self)
        self.sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._creating: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self._slot_waiters = threading.BoundedSemaphore(max(1, config.concurrency // 2))
        self._stop = threading.Event()            # sweeping and culling
        self._stop_heartbeat = threading.Event()  # last: alive until it has cleaned up
        self._threads = [
            threading.Thread(target=self._every, args=(interval, step, stop), daemon=True,
                             name=f"maintenance-{step.__name__}")
            for interval, step, stop in (
                (config.heartbeat_interval, self.heartbeat, self._stop_heartbeat),
                (config.sweep_interval, self.sweeper.sweep, self._stop),
                (config.cull_interval, self.cull, self._stop))]

    # -------------------------------------------------------------------------------- lifecycle
    def recover(self) -> None:
        """Before consuming: a previous life of this worker name (a crash, then a restart under
        the same name) may have left runs and sessions behind; they are swept like any dead
        worker's, or they would look alive forever."""
        if self.redis.exists(self.ns.worker_runs(self.worker), self.ns.worker_sessions(self.worker)):
            log.warning("worker.recovering", worker=self.worker)
            self.sweeper.sweep_worker(self.worker)

    def start(self) -> None:
        self.pool.start()
        self.registry.register()
        for thread in self._threads:
            thread.start()
        log.info("worker.started", worker=self.worker, queues=",".join(self.queues),
                 warm=self.config.warm_kernels, max=self.config.max_kernels)

    def stop(self) -> None:
        """Graceful stop: running cells get `shutdown_grace` seconds, then every run still here
        ends `lost`; runs still queued for this worker are sent on to the pool."""
        self._stop.set()
        deadline = time.monotonic() + self.config.shutdown_grace
        while time.monotonic() < deadline and any(s.busy for s in list(self.sessions.values())):
            time.sleep(0.1)
        sessions = list(self.sessions.values())
        for session in sessions:
            self.close_session(session, Closing("lost", "kernel lost: its worker stopped", LOST))
        for session in sessions:
            session.join(10)
        self.notebooks.stop()
        self.pool.close()
        self.launcher.close()
        shutil.rmtree(self.launcher.base_dir, ignore_errors=True)
        self._stop_heartbeat.set()
        self.registry.deregister()
        drain_queue(self.app, self.ns.worker_queue(self.worker), self.sweeper.reroute)
        log.info("worker.stopped", worker=self.worker)

    @staticmethod
    def _every(interval: float, step, stop: threading.Event) -> None:
        """Run a maintenance step periodically; the heartbeat has its own thread so that a slow
        sweep never makes this worker look dead."""
        while not stop.wait(interval):
            try:
                step()
            except Exception:
                log.exception("maintenance.failed", step=step.__name__)

    def heartbeat(self) -> None:
        self.registry.beat()
        for session in list(self.sessions.values()):
            if not self.coord.refresh_claim(session.id, self.worker, self.config.heartbeat_ttl):
                log.error("session.claim_lost", session=session.id)
                self.close_session(session, Closing(
                    "lost", "kernel lost: its worker missed its heartbeat", LOST))

    def cull(self) -> list[str]:
        if self.config.idle_cull <= 0:
            return []
        return cull_idle(
            list(self.sessions.values()), idle_after=self.config.idle_cull,
            keep=lambda s: bool(self.redis.exists(self.ns.session_nocull(s.id))),
            cull=lambda s: self.close_session(s, Closing(
                "culled", f"kernel stopped after {self.config.idle_cull / 60:g} min idle",
                INTERRUPTED)))

    def _info(self) -> dict:
        return {"name": self.worker, "host": socket.gethostname(), "pid": os.getpid(),
                "device": self.config.device, "queues": self.queues,
                "sessions": len(self.sessions), "kernels": self.pool.stats(),
                "sandbox": self.launcher.describe()}

    # ----------------------------------------------------------------------------------- runs
    def accept_execute(self, request: ExecuteRequest) -> str:
        """accepted | forwarded | duplicate | lost (see docs/EXECUTION.md)."""
        if self.coord.started_by(request.execution) is not None:
            return self.duplicate(request)
        for _attempt in range(3):
            with self._lock:
                creating = self._creating[request.session]
            with creating:
                session = self.sessions.get(request.session)
                if session is None:
                    owner = self._live_owner(request.session)
                    if owner is None:
                        owner = self._open_session(request)
                    if owner != self.worker:
                        self._forward(TASK_EXECUTE, request.to_dict(), owner, request.execution)
                        return "forwarded"
                    session = self.sessions[request.session]
                self.redis.hset(self.ns.worker_runs(self.worker), request.execution, json.dumps(
                    {"session": request.session, "cell": request.cell, "seq": request.seq}))
                if request.fresh_kernel:    # what was submitted before it does not run
                    self.coord.raise_cancel(request.session, request.seq - 1)
                if session.enqueue(Run(request.seq, request), lambda ahead: self._queued(
                        request, ahead)):
                    log.info("run.accepted", execution=request.execution,
                             session=request.session, seq=request.seq)
                    return "accepted"
        raise RuntimeError(f"session {request.session} kept closing while a run arrived")

    def fail_execute(self, request: ExecuteRequest, message: str) -> bool:
        """End a run this worker could not accept (a bug or a broken dependency), so the user
        sees an error instead of a cell queued forever; it is never run afterwards."""
        if not self.coord.mark_started(request.execution, self.worker):
            return False
        return self.reporter.finish(ExecutionRecord(
            execution=request.execution, session=request.session, cell=request.cell,
            seq=request.seq, status=ERROR, outputs=[], execution_count=None, started=None,
            finished=utc_now(), duration=None, worker=self.worker, message=message),
            seq=request.seq)

    def _reserve_slot(self, execution: str, announce_wait) -> None:
        """Take a kernel slot for new work, waiting up to `kernel_wait` for one. Only half the
        task threads may wait at once: the others must stay free to take the runs of sessions
        that already have a kernel here (from this worker's own queue)."""
        if self.pool.reserve(0):
            return
        if not self._slot_waiters.acquire(blocking=False):
            time.sleep(1.0)  # do not bounce the message straight back and forth
            raise NoCapacity(execution)
        try:
            announce_wait()
            if not self.pool.reserve(self.config.kernel_wait):
                log.warning("run.no_capacity", execution=execution)
                raise NoCapacity(execution)
        finally:
            self._slot_waiters.release()

    def _live_owner(self, session: str) -> str | None:
        """Another live worker that owns the session, if any."""
        owner = self.coord.owner(session)
        if owner and owner != self.worker and worker_is_alive(self.redis, owner, self.ns):
            return owner
        return None

    def _open_session(self, request: ExecuteRequest) -> str:
        """Reserve a kernel slot, then claim the session (in that order: while this worker waits
        for a slot, the session stays free for a worker that has one). Returns the owner."""
        self._reserve_slot(request.execution, lambda: self.reporter.event(
            request.session, EV_QUEUED, execution=request.execution, cell=request.cell,
            data={"worker": self.worker, "seq": request.seq, "waiting": "a free kernel"}))
        owner = self.coord.claim(request.session, self.worker, self.config.heartbeat_ttl)
        if owner != self.worker and not worker_is_alive(self.redis, owner, self.ns):
            log.warning("session.take_over", session=request.session, dead_owner=owner)
            owner = self.coord.claim(request.session, self.worker, self.config.heartbeat_ttl,
                                     replacing=owner)
        if owner != self.worker:
            self.pool.release()
            return owner
        with self._lock:
            self.sessions[request.session] = Session(request.session, self, self._session_closed)
        self.redis.sadd(self.ns.worker_sessions(self.worker), request.session)
        log.info("session.opened", session=request.session)
        return self.worker

    def _queued(self, request: ExecuteRequest, ahead: int) -> None:
        self.reporter.event(request.session, EV_QUEUED, execution=request.execution,
                            cell=request.cell, data={"worker": self.worker,
                                                     "seq": request.seq, "position": ahead})

    def _forward_to_owner(self, task: str, payload: dict, session: str) -> bool:
        """A session command, query or input for a session this worker does not hold: to the live worker
        that does; False when none does."""
        owner = self._live_owner(session)
        if owner is not None:
            self._forward(task, payload, owner, None)
        return owner is not None

    def _forward(self, task: str, payload: dict, owner: str, task_id: str | None) -> None:
        log.info("run.forwarded", task=task, owner=owner, execution=payload.get("execution"),
                 session=payload.get("session"))
        self.app.send_task(task, args=[payload], queue=self.ns.worker_queue(owner),
                           task_id=task_id)

    def duplicate(self, request: ExecuteRequest) -> str:
        """A run delivered again (broker redelivery, or a retried send) never runs twice."""
        starter = self.coord.started_by(request.execution)
        running_here = any(request.execution in s.executions()
                           for s in list(self.sessions.values()))
        if self.coord.is_final(request.execution) or running_here or (
                starter and starter != self.worker
                and worker_is_alive(self.redis, starter, self.ns)):
            log.info("run.duplicate_dropped", execution=request.execution, started_by=starter)
            return "duplicate"
        # Started by a worker that is gone (its kernel with it) and never reported.
        self.reporter.finish_lost(execution=request.execution, session=request.session,
                                  cell=request.cell, seq=request.seq, worker=starter or "",
                                  message="kernel lost: its worker stopped while the cell ran")
        return "lost"

    # ------------------------------------------------------------------------- session commands
    def session_command(self, task: str, command: SessionCommand) -> str:
        if command.upto_seq:
            self.coord.raise_cancel(command.session, command.upto_seq)
        session = self.sessions.get(command.session)
        if session is None:
            if self._forward_to_owner(task, command.to_dict(), command.session):
                return "forwarded"
            log.info("session.command_no_kernel", task=task, session=command.session)
            return "no-session"
        if task == TASK_INTERRUPT:
            session.interrupt()
        elif task == TASK_RESTART:
            session.restart()
        elif task == TASK_SHUTDOWN:
            self.close_session(session, Closing("shutdown", "kernel shut down", INTERRUPTED))
        else:
            raise ValueError(f"unknown session command {task!r}")
        return "done"

    def query(self, query: KernelQuery) -> str:
        """Completion or inspection in a session's kernel: answered by the session thread between runs,
        or forwarded to the session's owner, or answered `no_kernel` at once."""
        session = self.sessions.get(query.session)
        if session is not None:
            session.query(query, lambda answer: push_answer(self.redis, self.ns, query.reply_to, answer))
            return "accepted"
        if self._forward_to_owner(TASK_QUERY, query.to_dict(), query.session):
            return "forwarded"
        push_answer(self.redis, self.ns, query.reply_to, no_answer(NO_KERNEL, "no kernel is running for this notebook"))
        return "no-session"

    def input(self, reply: InputReply) -> str:
        """The user's answer to a running cell's input(): to its session here, else to its owner."""
        session = self.sessions.get(reply.session)
        if session is not None:
            return "accepted" if session.provide_input(reply.execution, reply.value) else "not-waiting"
        return "forwarded" if self._forward_to_owner(TASK_INPUT, reply.to_dict(), reply.session) else "no-session"

    def close_session(self, session: Session, closing: Closing) -> None:
        with self._lock:
            if self.sessions.get(session.id) is session:
                del self.sessions[session.id]
        session.close(closing)

    def _session_closed(self, session: Session) -> None:
        """Called by the session thread when its kernel is gone and its runs are reported."""
        with self._lock:
            if self.sessions.get(session.id) is session:
                del self.sessions[session.id]
            still_here = session.id in self.sessions
            creating = self._creating.get(session.id)
            if not still_here and creating is not None and not creating.locked():
                del self._creating[session.id]
        self.pool.release()
        if not still_here:
            self.coord.release_claim(session.id, self.worker)
            self.redis.srem(self.ns.worker_sessions(self.worker), session.id)
        log.info("session.closed", session=session.id)

    # -------------------------------------------------------------------------------- notebooks
    def accept_notebook(self, request: NotebookRequest) -> str:
        if self.coord.started_by(request.execution) is not None:
            return "duplicate"
        if self.redis.exists(self.ns.execution_cancel(request.execution)):   # no kernel slot for it
            if not self.coord.mark_started(request.execution, self.worker):
                return "duplicate"
            self.notebooks.report_unstarted(request)
            return "cancelled"
        self._reserve_slot(request.execution, lambda: None)
        self.notebooks.submit(request)
        return "accepted"
