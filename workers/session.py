"""One notebook session on this worker: its kernel, and one thread that runs its cells in order.

Runs arrive from any Celery thread (and, after a routing race, out of order). The session thread
runs the lowest pending seq once every earlier run of the session is settled (Redis watermark,
see coordination.py), so the order holds across workers and forwarded runs. A predecessor that
never arrives (its submitter died between numbering and sending) is given up after `order_wait`.
"""
from __future__ import annotations

import heapq
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from . import logs
from .cellrun import CellResult, run_cell
from .kernel import Kernel, KernelStartError
from .protocol import (EV_KERNEL, ERROR, INTERRUPTED, KERNEL_DIED, LOST, ExecuteRequest,
                       ExecutionRecord)
from .queries import ask
from .query_protocol import BUSY, FAILED, NO_KERNEL, KernelQuery, no_answer
from .reporting import iso, utc_now
from .stdin import StdinBridge

log = logs.get("session")


@dataclass(order=True)
class Run:
    seq: int
    request: ExecuteRequest = field(compare=False)
    accepted: float = field(compare=False, default_factory=time.monotonic)
    interrupted: threading.Event = field(compare=False, default_factory=threading.Event)
    stdin: StdinBridge = field(compare=False, default_factory=StdinBridge)
    # set before its `finished` is published: a query sent on seeing it waits for the thread, not "busy"
    reported: bool = field(compare=False, default=False)


@dataclass
class Query:
    query: KernelQuery
    reply: Callable[[dict], None]


QUERIES_KEPT = 4    # a burst of Tabs: the oldest waiting queries are answered "busy" (nobody wants them)


@dataclass
class Closing:
    state: str          # kernel event state: shutdown | culled | lost
    message: str
    status: str         # what unfinished runs end as


class Session:
    def __init__(self, session_id: str, ctx, on_closed: Callable[["Session"], None]) -> None:
        self.id = session_id
        self.ctx = ctx            # the runtime's services: config, pool, coord, reporter, worker
        self.on_closed = on_closed
        self.kernel: Kernel | None = None
        self.last_activity = time.time()
        self._pending: list[Run] = []
        self._queries: deque[Query] = deque()
        self._running: Run | None = None
        self._restart: bool = False
        self._kernel_used = False   # a cell ran on this kernel (a fresh_kernel run replaces it)
        self._closing: Closing | None = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name=f"session-{session_id}",
                                        daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ called from other threads
    def enqueue(self, run: Run, announce: Callable[[int], None]) -> bool:
        """Queue a run; `announce(runs ahead of it)` is called before the session thread can see
        it (so `queued` precedes `started` in the stream). False if the session is closing."""
        with self._cond:
            if self._closing is not None:
                return False
            announce(sum(1 for other in self._pending if other.seq < run.seq)
                     + (self._running is not None))
            heapq.heappush(self._pending, run)
            self.last_activity = time.time()
            stop = (run.request.fresh_kernel and self._running is not None
                    and self._running.seq < run.seq)
            self._cond.notify_all()
        if stop:                    # an earlier run still running: Restart & run all stops it
            self.restart()
        return True

    def query(self, query: KernelQuery, reply: Callable[[dict], None]) -> None:
        """Ask the kernel (completion, inspection) between runs; answered at once, without one, when a
        cell is running (the kernel would only answer after it), the kernel is not up, or it is closing."""
        dropped: list[Query] = []
        with self._cond:
            if self._closing is not None or self.kernel is None:
                refusal = no_answer(NO_KERNEL, "the kernel is starting" if self._closing is None else "the kernel is stopping")
            elif self._running is not None and not self._running.reported:
                refusal = no_answer(BUSY, "a cell is running")
            else:
                refusal = None
                self._queries.append(Query(query, reply))
                dropped = [self._queries.popleft() for _ in range(len(self._queries) - QUERIES_KEPT)]
                self.last_activity = time.time()
                self._cond.notify_all()
        if refusal is not None:
            reply(refusal)
        for old in dropped:
            old.reply(no_answer(BUSY, "a newer query replaced this one"))

    def provide_input(self, execution: str, value: str) -> bool:
        """An answer to the running cell's input(); False if that cell is not running here or not asking."""
        with self._cond:
            running = self._running
        return running is not None and running.request.execution == execution and running.stdin.provide(value)

    def interrupt(self) -> None:
        with self._cond:
            running = self._running
        if running is not None and self.kernel is not None:
            running.interrupted.set()
            self.kernel.interrupt()
            log.info("session.interrupt", session=self.id,
                     execution=running.request.execution)

    def restart(self) -> None:
        """Replace the kernel with a fresh one, killing a running cell."""
        with self._cond:
            self._restart = True
            running = self._running
            self._cond.notify_all()
        if running is not None and self.kernel is not None:
            self.kernel.kill()

    def close(self, closing: Closing) -> None:
        with self._cond:
            if self._closing is not None:
                return
            self._closing = closing
            running = self._running
            self._cond.notify_all()
        if running is not None and self.kernel is not None:
            self.kernel.kill()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    @property
    def busy(self) -> bool:
        with self._cond:
            return bool(self._pending) or self._running is not None

    def executions(self) -> list[str]:
        with self._cond:
            runs = list(self._pending) + ([self._running] if self._running else [])
        return [run.request.execution for run in runs]

    # --------------------------------------------------------------------- the session thread
    def _loop(self) -> None:
        try:
            while True:
                item = self._next()
                if item is None:
                    break
                if isinstance(item, Query):
                    self._answer(item)
                else:
                    self._execute(item)
        except Exception:
            log.exception("session.crashed", session=self.id)
            self.close(Closing("lost", "kernel lost: the worker failed", LOST))
        finally:
            self._teardown()

    def _next(self) -> Run | Query | None:
        """The next run allowed to start, after any pending restart, or a query (they go first: they
        take a moment, and the person typing waits for them); None once closing."""
        while True:
            with self._cond:
                while not (self._pending or self._restart or self._closing or self._queries):
                    self._cond.wait()
                if self._closing is not None:
                    return None
                if self._queries and not self._restart:
                    return self._queries.popleft()
                restart = self._restart
                self._restart = False
                head = self._pending[0] if self._pending else None
            if restart:
                self._replace_kernel("restarted", "kernel restarted")
                continue
            if head is None:
                continue
            settled, cancel = self.ctx.coord.gate(self.id)
            if head.seq <= cancel:
                self._pop(head)
                self._skip(head, "not run: the session was interrupted before this cell started")
                continue
            if settled < head.seq - 1 and time.monotonic() - head.accepted < \
                    self.ctx.config.order_wait:
                with self._cond:
                    self._cond.wait(0.05)  # a predecessor may arrive or settle elsewhere
                continue
            if settled < head.seq - 1:
                log.warning("session.order_gap_skipped", session=self.id, waited_for=settled + 1,
                            upto=head.seq - 1, execution=head.request.execution)
                self.ctx.coord.skip_to(self.id, head.seq - 1)
            if head.request.fresh_kernel and self._kernel_used:
                self._replace_kernel("restarted", "kernel restarted to run the notebook from the top")
            self._pop(head)
            return head

    def _pop(self, run: Run) -> None:
        with self._cond:
            self._pending.remove(run)
            heapq.heapify(self._pending)
            self._running = run

    def _execute(self, run: Run) -> None:
        request = run.request
        try:
            if not self.ctx.coord.mark_started(request.execution, self.ctx.worker):
                self.ctx.duplicate(request)
                return
            if self.kernel is None:
                try:
                    self._new_kernel()
                except KernelStartError as exc:
                    self._finish(run, _failed(str(exc), notice=True))
                    return
            if self._closing is not None:  # closed while the kernel started
                self._finish(run, _failed(self._closing.message, self._closing.status))
                return
            limits = request.limits
            self._kernel_used = True
            result = run_cell(
                self.kernel, request.code,
                emit=lambda kind, data: self.ctx.reporter.event(
                    self.id, kind, execution=request.execution, cell=request.cell, data=data),
                timeout=min(limits.timeout or self.ctx.config.cell_timeout,
                            self.ctx.config.cell_timeout),
                output_limit=min(limits.output_bytes or self.ctx.config.output_limit,
                                 self.ctx.config.output_limit),
                interrupt_grace=self.ctx.config.interrupt_grace, interrupted=run.interrupted,
                store_history=request.store_history,
                stdin=run.stdin if request.store_history else None)  # a hidden check never asks the user
            closing = self._closing
            if result.kernel_gone and closing is not None:
                result.status, result.message = closing.status, closing.message
            self._finish(run, result)
            if result.kernel_gone and closing is None:
                with self._cond:
                    restart, self._restart = self._restart, False
                state = "restarted" if restart or result.status != KERNEL_DIED else "died"
                self._replace_kernel(state, result.message or "kernel restarted")
        finally:
            with self._cond:
                self._running = None
                self.last_activity = time.time()

    def _answer(self, item: Query) -> None:
        if self.kernel is None:
            answer = no_answer(NO_KERNEL, "the kernel is starting")
        else:
            try:
                answer = ask(self.kernel, item.query)
            except Exception as exc:  # a dead kernel's client, a bug: the editor falls back, runs go on
                log.exception("session.query_failed", session=self.id, kind=item.query.kind)
                answer = no_answer(FAILED, f"the kernel could not answer: {exc}")
        item.reply(answer)

    def _skip(self, run: Run, message: str) -> None:
        """End a run that will not run (cancelled, or the session is closing)."""
        status = self._closing.status if self._closing else INTERRUPTED
        if self.ctx.coord.mark_started(run.request.execution, self.ctx.worker):
            self._finish(run, _failed(self._closing.message if self._closing else message,
                                      status))
        else:
            self.ctx.duplicate(run.request)
        with self._cond:
            self._running = None

    def _finish(self, run: Run, result: CellResult) -> None:
        request = run.request
        with self._cond:
            run.reported = True
        self.ctx.reporter.finish(ExecutionRecord(
            execution=request.execution, session=self.id, cell=request.cell, seq=request.seq,
            status=result.status, outputs=result.outputs, execution_count=result.execution_count,
            started=iso(result.started), finished=utc_now(), duration=result.duration,
            worker=self.ctx.worker, message=result.message, truncated=result.truncated,
            displays=result.displays, display_updates=result.display_updates),
            seq=request.seq)

    # ------------------------------------------------------------------------------- kernels
    def _new_kernel(self) -> None:
        self.kernel = self.ctx.pool.take()
        self._kernel_used = False
        self._kernel_event("ready", "kernel ready")

    def _replace_kernel(self, state: str, message: str) -> None:
        old, self.kernel = self.kernel, None
        if old is not None:
            old.kill()  # now: nothing it started outlives the "restarted" event
            threading.Thread(target=old.shutdown, args=(True,), daemon=True).start()
        self._kernel_event(state, message, old)
        try:
            self._new_kernel()
        except KernelStartError as exc:
            log.error("session.kernel_start_failed", session=self.id, error=str(exc))

    def _kernel_event(self, state: str, message: str, kernel: Kernel | None = None) -> None:
        kernel = kernel or self.kernel
        data = {"state": state, "message": message, "worker": self.ctx.worker,
                "kernel": kernel.id if kernel else None}
        self.ctx.reporter.event(self.id, EV_KERNEL, data=data)
        log.info("session.kernel", session=self.id, state=state, kernel=data["kernel"])

    def _teardown(self) -> None:
        """End every run still here, stop the kernel, tell the user; never leaves the session
        half-closed (the runtime hears of it whatever fails)."""
        closing = self._closing or Closing("shutdown", "kernel shut down", INTERRUPTED)
        try:
            with self._cond:
                pending, self._pending = list(self._pending), []
                queries, self._queries = list(self._queries), deque()
            for item in queries:
                item.reply(no_answer(NO_KERNEL, closing.message))
            for run in sorted(pending):
                self._skip(run, closing.message)
            kernel, self.kernel = self.kernel, None
            if kernel is not None:
                kernel.shutdown(now=True)
            self._kernel_event(closing.state, closing.message, kernel)
        except Exception:
            log.exception("session.teardown_failed", session=self.id)
        finally:
            self.on_closed(self)


def _failed(message: str, status: str = ERROR, notice: bool = False) -> CellResult:
    """The result of a run that never ran: no outputs unless the user must see why."""
    outputs = [{"output_type": "stream", "name": "stderr", "text": message + "\n"}] if notice else []
    return CellResult(status=status, execution_count=None, outputs=outputs, started=None,
                      duration=None, message=message)
