"""Whole-notebook runs (tutorial and community validation): nbclient on a fresh pool kernel.

Each run gets its own kernel, thrown away afterwards. Outputs are streamed per cell to the
session stream as they arrive (the same events as cell runs, `execution` = the notebook run's id,
`cell` = each cell's id) under the same per-cell output cap; each code cell gets `started` and a
`finished` event with data.scope = "cell"; the end is a `finished` event with data.scope =
"notebook" and a campfire.record_notebook_run task carrying the executed notebook.
"""
from __future__ import annotations

import json
import threading
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from . import logs
from .kernel import KernelStartError
from .outputs import OUTPUT_MSGS, CellOutputs, OutputBudget, gate, send_live, with_display_id
from .protocol import (EV_CLEAR, EV_FINISHED, EV_STARTED, EV_STREAM, ERROR, INTERRUPTED, KERNEL_DIED,
                       LOST, OK, TIMED_OUT, NotebookRecord, NotebookRequest)
from .reporting import iso, utc_now

log = logs.get("notebook")


class NotebookTimeout(Exception):
    pass


class NotebookCancelled(Exception):
    pass


def cell_id(cell, index: int) -> str:
    return cell.get("id") or f"cell-{index}"


class _StreamingClient(NotebookClient):
    """nbclient, plus: every output is capped and published the moment it arrives (cell runs'
    rules: `workers.outputs.OutputBudget`); nbclient's own cell outputs stay what is recorded."""

    def __init__(self, nb, km, *, emit, output_limit: int, deadline: float, cancelled: threading.Event,
                 **kw) -> None:
        super().__init__(nb, km=km, **kw)
        self.emit = emit
        self.output_limit = output_limit
        self.deadline = deadline
        self.cancelled = cancelled
        self.running: int | None = None     # the index of a cell that started and did not end ok
        self._new_cell()
        self.on_cell_execute = self._cell_starts
        self.on_cell_executed = self._cell_ends

    def _new_cell(self) -> None:
        self.budget = OutputBudget(self.output_limit)
        self.sizes = CellOutputs()      # mirrors the cell's outputs for the bytes it keeps

    def _cell_starts(self, cell, cell_index: int) -> None:
        if self.cancelled.is_set():         # stopped between two cells
            raise NotebookCancelled()
        if time.monotonic() > self.deadline:
            raise NotebookTimeout()
        self.running = cell_index
        self._new_cell()
        self.emit(EV_STARTED, cell_id(cell, cell_index), {"execution_count": None})

    def _cell_ends(self, cell, cell_index: int, execute_reply) -> None:
        status = OK if (execute_reply or {}).get("content", {}).get("status") == "ok" else ERROR
        if status == OK:
            self.running = None
        if self.budget.paused:          # live output paused: send the final outputs once
            self._snapshot(cell, cell_index)
        self.emit(EV_FINISHED, cell_id(cell, cell_index), {
            "status": status, "execution_count": cell.get("execution_count"), "scope": "cell"})

    def _snapshot(self, cell, cell_index: int) -> None:
        self.emit(EV_CLEAR, cell_id(cell, cell_index), {"wait": False})
        for output in cell.outputs:
            self.emit(output["output_type"], cell_id(cell, cell_index), dict(output))

    def _send(self, kind: str, cell, cell_index: int, output: dict) -> None:
        send_live(self.budget, lambda k, data: self.emit(k, cell_id(cell, cell_index), data), kind, output)

    def process_message(self, msg, cell, cell_index):
        kind, content = msg.get("msg_type"), msg.get("content")
        if kind == "clear_output" and isinstance(content, dict):
            wait = bool(content.get("wait", False))
            self.sizes.clear(wait)
            if not self.budget.paused:
                self.emit(EV_CLEAR, cell_id(cell, cell_index), {"wait": wait})
        if kind not in OUTPUT_MSGS:
            return super().process_message(msg, cell, cell_index)
        display_id, output, notice = gate(self.budget, msg, self.sizes)
        result = None
        if output is not None:
            if kind == "stream":
                msg["content"]["text"] = output["text"]  # possibly cut by the cap
            if kind == "update_display_data":
                self.sizes.update_display(display_id, output)
            else:
                self.sizes.append(output, display_id)
            self._send(kind, cell, cell_index, with_display_id(output, display_id))
            result = super().process_message(msg, cell, cell_index)
        if notice is not None:
            cell.outputs.append(nbformat.from_dict(notice))
            self.sizes.append(notice)
            self._send(EV_STREAM, cell, cell_index, notice)
        if self.budget.snapshot_due(self.sizes.kept):     # paused: the latest outputs now and then
            self._snapshot(cell, cell_index)
        return result


class NotebookRunner:
    def __init__(self, runtime) -> None:
        self.rt = runtime
        self._threads: dict[str, threading.Thread] = {}
        self._kernels: dict[str, object] = {}
        self._cancels: dict[str, threading.Event] = {}
        self._stopping = False

    def submit(self, request: NotebookRequest) -> None:
        """Called with a kernel slot already reserved; the slot is released when the run ends."""
        self.rt.redis.hset(self.rt.ns.worker_runs(self.rt.worker), request.execution, json.dumps(
            {"session": request.session, "cell": None, "seq": 0, "kind": "notebook"}))
        thread = threading.Thread(target=self._run, args=(request,), daemon=True,
                                  name=f"notebook-{request.execution}")
        self._threads[request.execution] = thread
        self._cancels[request.execution] = threading.Event()
        thread.start()

    def cancel(self, execution: str) -> str:
        """Stop a run of this worker: interrupt its running cell (the run ends `interrupted`, later cells
        not run); a cell that ignores the interrupt for `interrupt_grace` seconds has its kernel killed."""
        cancelled = self._cancels.get(execution)
        if cancelled is None:
            log.info("notebook.cancel_not_running", execution=execution)
            return "not-running"
        cancelled.set()
        kernel = self._kernels.get(execution)
        if kernel is not None:
            kernel.interrupt()
            timer = threading.Timer(self.rt.config.interrupt_grace, self._kill_if_running, (execution, kernel))
            timer.daemon = True
            timer.start()
        log.info("notebook.cancel", execution=execution)
        return "done"

    def _kill_if_running(self, execution: str, kernel) -> None:
        if self._kernels.get(execution) is kernel:
            log.warning("notebook.cancel_kill", execution=execution)
            kernel.kill()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping = True
        for kernel in list(self._kernels.values()):
            kernel.kill()
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def report_unstarted(self, request: NotebookRequest) -> None:
        """End a run cancelled before it started (the caller has marked it started)."""
        self._report(request, INTERRUPTED, None, [], None, None, "cancelled before it started")

    def report_lost(self, execution: str, session: str, worker: str, message: str) -> None:
        self.rt.reporter.finish_notebook(NotebookRecord(
            execution=execution, session=session, status=LOST, notebook=None, cells=[],
            started=None, finished=utc_now(), duration=None, worker=worker, message=message))

    def _run(self, request: NotebookRequest) -> None:
        rt, kernel = self.rt, None
        try:
            if not rt.coord.mark_started(request.execution, rt.worker):
                log.info("notebook.duplicate_dropped", execution=request.execution)
                return
            if rt.redis.exists(rt.ns.execution_cancel(request.execution)):
                self.report_unstarted(request)
                return
            kernel = rt.pool.take()
            self._kernels[request.execution] = kernel
            self._execute(request, kernel)
        except KernelStartError as exc:
            self._report(request, ERROR, None, [], None, None, str(exc))
        except Exception as exc:
            log.exception("notebook.failed", execution=request.execution)
            self._report(request, ERROR, None, [], None, None, f"notebook run failed: {exc}")
        finally:
            self._kernels.pop(request.execution, None)
            self._threads.pop(request.execution, None)
            self._cancels.pop(request.execution, None)
            if kernel is not None:
                kernel.shutdown(now=True)
            rt.pool.release()

    def _execute(self, request: NotebookRequest, kernel) -> None:
        rt, config = self.rt, self.rt.config
        try:
            nb = nbformat.from_dict(request.notebook)
            nbformat.validate(nb)
        except Exception as exc:  # hostile input: report it, never crash the worker
            self._report(request, ERROR, None, [], None, None, f"invalid notebook: {exc}")
            return
        # nbclient drives the kernel with its own asynchronous client.
        kernel.client.stop_channels()
        kernel.client = None
        kernel.manager.client_class = "jupyter_client.asynchronous.AsyncKernelClient"
        began, wall = time.monotonic(), time.time()
        timeout = min(request.limits.timeout or config.cell_timeout, config.cell_timeout)
        client = _StreamingClient(
            nb, kernel.manager, timeout=int(max(1, timeout)), interrupt_on_timeout=False,
            allow_errors=False, record_timing=True, startup_timeout=int(
                config.kernel_start_timeout),
            deadline=began + config.notebook_timeout, cancelled=self._cancels[request.execution],
            output_limit=min(request.limits.output_bytes or config.output_limit,
                             config.output_limit),
            emit=lambda kind, cell, data: rt.reporter.event(
                request.session, kind, execution=request.execution, cell=cell, data=data))
        status, message, error = OK, "", None
        try:
            client.execute()
        except CellExecutionError as exc:
            status, message = ERROR, f"{exc.ename}: {exc.evalue}"
            error = {"ename": exc.ename, "evalue": exc.evalue, "traceback": str(exc)}
        except (CellTimeoutError, NotebookTimeout):
            status, message = TIMED_OUT, "the notebook ran past its time limit"
        except DeadKernelError:
            status = LOST if self._stopping else KERNEL_DIED
            message = "kernel lost: its worker stopped" if self._stopping else \
                f"kernel died unexpectedly ({kernel.exit_description()})"
        except NotebookCancelled:
            status, message = INTERRUPTED, "cancelled between two cells"
        finally:
            if client.kc is not None:  # nbclient leaves the client of a kernel it does not own
                client.kc.stop_channels()
        if status in (ERROR, KERNEL_DIED) and self._cancels[request.execution].is_set():
            # the interrupt's KeyboardInterrupt, or the kernel killed after the grace (a run that
            # finished before the cancel arrived keeps its own status)
            status, message = INTERRUPTED, "cancelled while a cell ran" if status == ERROR else \
                f"cancelled: the cell ignored the interrupt for {config.interrupt_grace:g} s, so its kernel was killed"
        if error is not None:
            failing = next((i for i, c in enumerate(nb.cells) if any(
                o.get("output_type") == "error" for o in c.get("outputs", []))), None)
            error["cell"] = cell_id(nb.cells[failing], failing) if failing is not None else None
        stopped = client.running if status in (INTERRUPTED, TIMED_OUT, KERNEL_DIED, LOST) else None
        self._report(request, status, nb, _cells(nb, stopped, status), wall, round(time.monotonic() - began, 4),
                     message, error)

    def _report(self, request, status, nb, cells, started, duration, message, error=None) -> None:
        self.rt.reporter.finish_notebook(NotebookRecord(
            execution=request.execution, session=request.session, status=status,
            notebook=json.loads(json.dumps(nb)) if nb is not None else None, cells=cells,
            started=iso(started), finished=utc_now(), duration=duration, worker=self.rt.worker,
            message=message, error=error))


def _cells(nb, stopped: int | None = None, stopped_status: str = "") -> list[dict]:
    """Each code cell's result; the cell the run stopped in (interrupted, timed out, its kernel gone) gets the
    run's status, since its outputs alone may show no error."""
    result = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        outputs = [dict(o) for o in cell.get("outputs", [])]
        ran = cell.get("execution_count") is not None
        failed = any(o.get("output_type") == "error" for o in outputs)
        result.append({"cell": cell_id(cell, index), "execution_count": cell.get("execution_count"),
                       "status": stopped_status if index == stopped else ERROR if failed else OK if ran else "not_run",
                       "outputs": json.loads(json.dumps(outputs))})
    return result
