"""Run one cell on a kernel: forward its iopub messages as they arrive, enforce its limits.

Only iopub messages whose parent is this cell's execute request count (a timed-out cell's late
output must not leak into the next cell). The kernel's death is noticed by polling its process
while no message arrives: a kernel killed by a signal or the OOM killer never sends `idle`.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from . import logs
from .kernel import Kernel
from .outputs import OUTPUT_MSGS, CellOutputs, OutputBudget, gate, send_live, with_display_id
from .protocol import (EV_CLEAR, EV_STARTED, EV_STREAM, EV_UPDATE_DISPLAY, ERROR, INTERRUPTED,
                       KERNEL_DIED, OK, TIMED_OUT)
from .stdin import StdinBridge

log = logs.get("cellrun")

Emit = Callable[[str, dict], None]  # (event type, data) -> appended to the session stream
REPLY_WAIT = 5.0
FOREIGN_DISPLAYS = 100  # earlier cells' displays one run may update in the record (all go live)


@dataclass
class CellResult:
    status: str
    execution_count: int | None
    outputs: list
    started: float | None           # epoch seconds when the request was sent
    duration: float | None
    message: str = ""
    truncated: bool = False
    kernel_gone: bool = False       # the kernel is dead or stuck: the session needs a new one
    error: dict | None = field(default=None)
    displays: dict = field(default_factory=dict)         # display id -> indexes in `outputs`
    display_updates: dict = field(default_factory=dict)  # display id -> its last update, for
    #                                                      displays that earlier cells made


class _Cell:
    def __init__(self, kernel: Kernel, emit: Emit, output_limit: int) -> None:
        self.kernel = kernel
        self.emit = emit
        self.outputs = CellOutputs()
        self.budget = OutputBudget(output_limit)
        self.execution_count: int | None = None
        self.started_sent = False
        self.foreign: dict[str, dict] = {}     # last updates of displays made by earlier cells

    def notice(self, text: str) -> None:
        output = {"output_type": "stream", "name": "stderr", "text": text}
        self.outputs.append(output)
        self.send(EV_STREAM, output)

    def send(self, kind: str, output: dict) -> bool:
        return send_live(self.budget, self.emit, kind, output)

    def resync(self) -> None:
        """After a pause, send the cell's final outputs once: a clear, then each output."""
        if self.budget.paused:
            self._snapshot()

    def _snapshot(self) -> None:
        self.emit(EV_CLEAR, {"wait": False})
        for output in self.outputs.with_display_ids():
            self.emit(output["output_type"], output)
        for display_id, output in self.foreign.items():       # sent live or not: the last one
            self.emit(EV_UPDATE_DISPLAY, with_display_id(output, display_id))

    def started(self) -> None:
        if not self.started_sent:
            self.started_sent = True
            self.emit(EV_STARTED, {"execution_count": self.execution_count})

    def handle(self, msg: dict) -> bool:
        """Apply one iopub message of this cell; True once the kernel is idle again."""
        kind, content = msg.get("msg_type"), msg.get("content")
        if not isinstance(content, dict):  # user code can send anything on iopub
            return False
        if kind == "status":
            return content.get("execution_state") == "idle"
        if kind == "execute_input":
            self.execution_count = _count(content.get("execution_count"))
            self.started()
        elif kind == "clear_output":
            wait = bool(content.get("wait", False))
            self.outputs.clear(wait)
            if not self.budget.paused:
                self.emit(EV_CLEAR, {"wait": wait})
        elif kind in OUTPUT_MSGS:
            self._output(msg)
        return False

    def _output(self, msg: dict) -> None:
        if msg["msg_type"] == "execute_result":
            self.execution_count = _count(msg["content"].get("execution_count")) \
                or self.execution_count
        display_id, output, notice = gate(self.budget, msg, self.outputs)
        if output is not None:
            if msg["msg_type"] != "update_display_data":
                self.outputs.append(output, display_id)
                mine = True
            else:
                mine = self.outputs.update_display(display_id, output)
            if not mine and (display_id in self.foreign or len(self.foreign) < FOREIGN_DISPLAYS):
                self.foreign[display_id] = output
            self.send(msg["msg_type"], with_display_id(output, display_id))
        if notice is not None:
            self.outputs.append(notice)
            self.send(EV_STREAM, notice)
        if self.budget.snapshot_due(self.outputs.kept):
            self._snapshot()


def run_cell(kernel: Kernel, code: str, *, emit: Emit, timeout: float, output_limit: int,
             interrupt_grace: float, interrupted: threading.Event, poll: float = 0.1,
             store_history: bool = True, stdin: StdinBridge | None = None) -> CellResult:
    """`stdin`: the cell may call input() (answered through it); without, input() raises in the cell."""
    cell = _Cell(kernel, emit, output_limit)
    began, wall = time.monotonic(), time.time()
    msg_id = kernel.client.execute(code, store_history=store_history, allow_stdin=stdin is not None,
                                   stop_on_error=False)
    interrupt_sent: float | None = None

    def result(status: str, message: str = "", gone: bool = False, error=None) -> CellResult:
        cell.resync()
        return CellResult(status=status, execution_count=cell.execution_count,
                          outputs=cell.outputs.outputs, started=wall,
                          duration=round(time.monotonic() - began, 4), message=message,
                          truncated=cell.budget.truncated, kernel_gone=gone, error=error,
                          displays=cell.outputs.displays(), display_updates=dict(cell.foreign))

    while True:
        now = time.monotonic()
        if interrupt_sent is None and now - began >= timeout:
            log.info("cell.timeout", kernel=kernel.id, limit=timeout)
            interrupt_sent = now
            kernel.interrupt()
        if interrupt_sent is not None and now - interrupt_sent >= interrupt_grace:
            message = (f"cell stopped: it ran longer than the {timeout:g} s limit and did not "
                       f"stop within {interrupt_grace:g} s of an interrupt; kernel restarted")
            cell.notice(message + "\n")
            return result(TIMED_OUT, message, gone=True)
        if stdin is not None:
            stdin.serve(kernel, cell, msg_id)
        try:
            msg = kernel.client.get_iopub_msg(timeout=poll)
        except queue.Empty:
            if not kernel.is_alive():
                return _died(cell, kernel, result)
            continue
        if _parent(msg) == msg_id and cell.handle(msg):
            break

    cell.started()
    reply = shell_reply(kernel, msg_id)
    if reply is None and not kernel.is_alive():
        return _died(cell, kernel, result)
    content = (reply or {}).get("content")
    content = content if isinstance(content, dict) else {}
    cell.execution_count = _count(content.get("execution_count")) or cell.execution_count
    error = None if content.get("status", "ok") == "ok" else {
        key: content.get(key) for key in ("ename", "evalue", "traceback")}
    limit = kernel.limit_note(error)
    if limit:
        cell.notice(limit + "\n")
    if error is None:
        return result(OK, limit or "")
    if limit and interrupt_sent is None:
        return result(ERROR, limit, error=error)
    if interrupt_sent is not None:
        message = f"cell stopped: it ran longer than the {timeout:g} s limit"
        cell.notice(message + "\n")
        return result(TIMED_OUT, message, error=error)
    if content.get("ename") == "KeyboardInterrupt" or interrupted.is_set():
        return result(INTERRUPTED, "interrupted", error=error)
    return result(ERROR, error=error)


def _died(cell: _Cell, kernel: Kernel, result) -> CellResult:
    if kernel.killed_on_purpose:  # restart or shutdown asked for: not the user's code
        return result(INTERRUPTED, "kernel restarted", gone=True)
    limit = kernel.limit_exceeded()
    message = f"{limit}; kernel restarted" if limit else \
        f"kernel died unexpectedly ({kernel.exit_description()}); restarted"
    log.warning("kernel.died", kernel=kernel.id, cause=limit or kernel.exit_description())
    cell.notice(message + "\n")
    return result(KERNEL_DIED, message, gone=True)


def shell_reply(kernel: Kernel, msg_id: str, wait: float = REPLY_WAIT) -> dict | None:
    """The kernel's reply to request `msg_id`; replies to earlier requests (a timed-out cell's, a
    query's that came too late) are dropped on the way."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            reply = kernel.client.get_shell_msg(timeout=0.1)
        except queue.Empty:
            if not kernel.is_alive():
                return None
            continue
        if _parent(reply) == msg_id:
            return reply
    return None


def _parent(msg: dict) -> str | None:
    header = msg.get("parent_header")
    return header.get("msg_id") if isinstance(header, dict) else None


def _count(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
