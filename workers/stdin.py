"""A running cell's input() and getpass(): the kernel asks on its stdin channel, the user answers
through the platform (workers.input), the session thread passes the answer on.

Only the session thread talks to the kernel; the task thread that receives the answer just queues
it here. The answer is echoed into the cell's output as the terminal would show it (a password as
dots), so a reload shows what was entered.
"""
from __future__ import annotations

import queue

from .protocol import EV_INPUT_REQUEST, EV_STREAM

MAX_PROMPT = 1_000
PASSWORD_ECHO = "········"


class StdinBridge:
    def __init__(self) -> None:
        self.waiting: dict | None = None        # {"prompt", "password"} while input() waits
        self._answers: queue.Queue[str] = queue.Queue()

    def provide(self, value: str) -> bool:
        """From any thread; False when the cell is not waiting for input (a stale answer)."""
        if self.waiting is None:
            return False
        self._answers.put(value)
        return True

    def serve(self, kernel, cell, msg_id: str) -> None:
        """From the session thread, between iopub messages: show a new request, or answer one."""
        if self.waiting is None:
            if not cell.started_sent:   # its `started` first (the page clears the cell's outputs on it)
                return
            try:
                msg = kernel.client.get_stdin_msg(timeout=0)
            except queue.Empty:
                return
            content = msg.get("content")
            if msg.get("msg_type") != "input_request" or not isinstance(content, dict) \
                    or (msg.get("parent_header") or {}).get("msg_id") != msg_id:
                return
            self.waiting = {"prompt": str(content.get("prompt", ""))[:MAX_PROMPT],
                            "password": bool(content.get("password"))}
            cell.emit(EV_INPUT_REQUEST, dict(self.waiting))
            return
        try:
            value = self._answers.get_nowait()
        except queue.Empty:
            return
        asked, self.waiting = self.waiting, None
        kernel.client.input(value)
        echo = {"output_type": "stream", "name": "stdout",
                "text": asked["prompt"] + (PASSWORD_ECHO if asked["password"] else value) + "\n"}
        cell.outputs.append(echo)
        cell.send(EV_STREAM, echo)
