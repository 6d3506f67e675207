"""One unprivileged uid (and gid of the same number) per kernel, from a range with no passwd
entries: kernels cannot signal, ptrace or read each other, and "every process of this uid" is
exactly "everything this kernel started".

A uid is leased with an exclusive flock on `<lock dir>/<uid>.lock`, so every worker on the host
(each with its own pool) takes distinct uids, and a dead worker's leases free themselves. Before
a uid is handed out, whatever still runs under it (left by a worker that died) is killed.
"""
from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path


class NoFreeUid(RuntimeError):
    pass


@dataclass(frozen=True)
class Lease:
    uid: int
    fd: int


def processes_of(uid: int) -> list[int]:
    """Live (not zombie) pids whose real uid is `uid`, from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if fields.get("State", "").split()[:1] != ["Z"] and \
                fields.get("Uid", "").split()[:1] == [str(uid)]:
            found.append(int(entry.name))
    return found


def kill_all_of(uid: int, timeout: float = 5.0) -> bool:
    """SIGKILL every process of `uid` until none is left; True when none is."""
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of(uid)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


class UidPool:
    def __init__(self, base: int, count: int, lock_dir: Path) -> None:
        self.base = base
        self.count = count
        self.lock_dir = lock_dir
        self._next = 0
        self._lock = threading.Lock()

    def setup(self) -> None:
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.lock_dir, 0o700)

    def acquire(self) -> Lease:
        """The next free uid, round robin (a uid just released is the last to be reused)."""
        with self._lock:
            for step in range(self.count):
                uid = self.base + (self._next + step) % self.count
                fd = os.open(self.lock_dir / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC,
                             0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._next = (self._next + step + 1) % self.count
                if not kill_all_of(uid):
                    os.close(fd)
                    continue
                return Lease(uid, fd)
        raise NoFreeUid(f"all {self.count} sandbox uids from {self.base} are in use "
                        f"(CAMPFIRE_SANDBOX_UID_COUNT)")

    def release(self, lease: Lease) -> None:
        kill_all_of(lease.uid)
        os.close(lease.fd)
