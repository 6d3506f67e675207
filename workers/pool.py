"""The kernel pool of one worker process: warm kernels ready for new sessions, and the slots.

A slot is what a session (or a notebook run) holds from its first run to its end; at most
`max_kernels` slots exist. Warm kernels are started in the background, one at a time (a start
costs about a second of CPU), up to `warm_kernels` and never beyond `max_kernels - slots in use`.
"""
from __future__ import annotations

import threading
import time

from . import logs
from .kernel import Kernel, KernelStartError
from .launcher import KernelLauncher

log = logs.get("pool")


class KernelPool:
    def __init__(self, launcher: KernelLauncher, warm: int, maximum: int,
                 start_timeout: float) -> None:
        self.launcher = launcher
        self.warm_target = warm
        self.maximum = maximum
        self.start_timeout = start_timeout
        self._warm: list[Kernel] = []
        self._in_use = 0
        self._starting = 0
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._refill_loop, name="kernel-pool", daemon=True)

    def start(self) -> None:
        self._thread.start()

    # ----------------------------------------------------------------------------------- slots
    def reserve(self, timeout: float) -> bool:
        """Take a slot, waiting up to `timeout` seconds for one to free up."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._in_use >= self.maximum and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            if self._closed:
                return False
            self._in_use += 1
            self._cond.notify_all()
            return True

    def release(self) -> None:
        with self._cond:
            self._in_use = max(0, self._in_use - 1)
            self._cond.notify_all()

    # --------------------------------------------------------------------------------- kernels
    def take(self) -> Kernel:
        """A running kernel for a slot already reserved: a warm one if any, else a new one."""
        with self._cond:
            while self._warm:
                kernel = self._warm.pop(0)
                self._cond.notify_all()  # the refill thread starts a replacement
                if kernel.is_alive():
                    log.info("pool.take", kernel=kernel.id, source="warm")
                    return kernel
                threading.Thread(target=kernel.shutdown, args=(True,), daemon=True).start()
        log.info("pool.take", source="cold")
        return Kernel(self.launcher).start(self.start_timeout)

    def stats(self) -> dict:
        with self._cond:
            return {"warm": len(self._warm), "in_use": self._in_use, "starting": self._starting,
                    "max": self.maximum}

    def close(self) -> None:
        with self._cond:
            self._closed = True
            warm, self._warm = self._warm, []
            self._cond.notify_all()
        for kernel in warm:
            kernel.shutdown(now=True)

    # ---------------------------------------------------------------------------------- refill
    def _wanted(self) -> int:
        return max(0, min(self.warm_target, self.maximum - self._in_use)
                   - len(self._warm) - self._starting)

    def _refill_loop(self) -> None:
        failures = 0
        while True:
            with self._cond:
                while not self._closed and self._wanted() == 0:
                    self._cond.wait()
                if self._closed:
                    return
                self._starting += 1
            kernel = None
            try:
                kernel = Kernel(self.launcher).start(self.start_timeout)
                failures = 0
            except KernelStartError as exc:
                failures += 1
                log.error("pool.warm_failed", error=str(exc), failures=failures)
            finally:
                with self._cond:
                    self._starting -= 1
                    if kernel is not None and not self._closed:
                        self._warm.append(kernel)
                        kernel = None
                    self._cond.notify_all()
            if kernel is not None:  # closed while it started
                kernel.shutdown(now=True)
            if failures:
                time.sleep(min(30.0, 0.5 * 2 ** failures))  # do not spin on a broken setup
