"""One kernel process and the worker's client for it.

The client (a BlockingKernelClient) is used by one thread at a time: the session thread that runs
cells. Interrupts and shutdowns go through the manager's control socket under a lock, so a
task thread may interrupt while the session thread waits for output.
"""
from __future__ import annotations

import os
import signal
import threading
import time
import uuid

from jupyter_client import KernelManager

from . import logs
from .launcher import KernelLauncher

log = logs.get("kernel")


class KernelStartError(RuntimeError):
    """A kernel did not start or did not answer in time (what it printed is in the message)."""


class Kernel:
    def __init__(self, launcher: KernelLauncher) -> None:
        self.launcher = launcher
        self.id = f"k-{uuid.uuid4().hex[:12]}"
        self.paths = None
        self.manager: KernelManager | None = None
        self.client = None
        self.started_at: float | None = None
        self._control = threading.Lock()
        self._killed = False

    # ------------------------------------------------------------------------------- lifecycle
    def start(self, timeout: float) -> "Kernel":
        began = time.monotonic()
        try:
            self.paths = self.launcher.prepare(self.id)
            self.manager = KernelManager(transport="ipc", ip=self.paths.ipc_base,
                                         connection_file=str(self.paths.connection_file))
            self.manager._kernel_spec = self.launcher.kernel_spec(self.paths)
            with open(self.paths.log_file, "ab") as kernel_log:
                self.manager.start_kernel(env=self.launcher.environment(self.paths),
                                          cwd=self.launcher.cwd(self.paths),
                                          stdout=kernel_log, stderr=kernel_log)
            self.client = self.manager.client()
            self.client.start_channels(hb=False)  # liveness: the process itself, see is_alive
            self.client.wait_for_ready(timeout=timeout)
        except Exception as exc:
            detail = self._log_tail()
            self.shutdown(now=True)
            raise KernelStartError(f"kernel did not start: {exc}; {detail}") from exc
        self.started_at = time.time()
        log.info("kernel.started", kernel=self.id, pid=self.pid,
                 seconds=round(time.monotonic() - began, 3))
        return self

    def shutdown(self, now: bool = False) -> None:
        """Stop the kernel (politely unless `now`) and remove its directory. Safe to repeat."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        manager, self.manager = self.manager, None
        if manager is not None:
            with self._control:
                try:
                    if manager.has_kernel:
                        manager.shutdown_kernel(now=now or not manager.is_alive())
                except Exception:
                    log.exception("kernel.shutdown_failed", kernel=self.id)
                    self._killpg(manager)
                try:
                    manager.cleanup_resources()
                except Exception:
                    pass
        if self.paths is not None:
            self.launcher.cleanup(self.paths)
        log.info("kernel.stopped", kernel=self.id)

    # ----------------------------------------------------------------------------------- state
    @property
    def pid(self) -> int | None:
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        return process.pid if process is not None else None

    def is_alive(self) -> bool:
        return self.manager is not None and self.manager.is_alive()

    def limit_exceeded(self) -> str | None:
        """The sandbox limit that killed this (dead) kernel, if one did."""
        return None if self.paths is None else self.launcher.death_cause(self.paths,
                                                                         self._returncode())

    def limit_note(self, error: dict | None) -> str | None:
        """After a cell: the sandbox limit it ran into, if any."""
        return None if self.paths is None else self.launcher.limit_note(self.paths, error)

    def _returncode(self) -> int | None:
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        return process.poll() if process is not None else None

    def exit_description(self) -> str:
        code = self._returncode()
        if code is None:
            return "unknown cause"
        if code < 0:
            try:
                return f"signal {-code}, {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit code {code}"

    # --------------------------------------------------------------------------------- control
    def interrupt(self) -> None:
        with self._control:
            if self.manager is None:
                return
            try:
                self.manager.interrupt_kernel()
            except Exception:  # it died meanwhile: the cell's thread reports that
                log.warning("kernel.interrupt_failed", kernel=self.id)

    def kill(self) -> None:
        """SIGKILL the kernel's process group now; callable from any thread. The thread that
        runs the cell notices the death and cleans up."""
        self._killed = True
        if self.manager is not None:
            self._killpg(self.manager)
        if self.paths is not None:
            self.launcher.kill(self.paths)  # daemons that left the process group too
        self.is_alive()  # reaps it: its orphans' zombies go to init only then

    @property
    def killed_on_purpose(self) -> bool:
        return self._killed

    @staticmethod
    def _killpg(manager: KernelManager) -> None:
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)  # its children too
        except (ProcessLookupError, PermissionError):
            process.kill()

    def _log_tail(self, limit: int = 2000) -> str:
        try:
            return self.paths.log_file.read_bytes()[-limit:].decode("utf-8", "replace").strip()
        except (OSError, AttributeError):
            return ""
