"""What the user is told when a cell runs into a sandbox limit.

A limit shows up either as the kernel's death (the memory cgroup's OOM killer, SIGXCPU/SIGKILL
from RLIMIT_CPU) or as an ordinary exception in the cell (RLIMIT_AS: MemoryError; tmpfs full:
ENOSPC; RLIMIT_FSIZE: EFBIG, Python ignores SIGXFSZ; RLIMIT_NPROC: EAGAIN from fork; RLIMIT_NOFILE:
EMFILE). Each gets one sentence naming the limit and its size.
"""
from __future__ import annotations

import errno
import re
import signal

from .settings import SandboxConfig


def size(mb: int) -> str:
    return f"{mb // 1024} GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb} MB"


def memory_exceeded(config: SandboxConfig) -> str:
    return f"memory limit of {size(config.memory_mb)} exceeded"


def death(config: SandboxConfig, returncode: int | None, new_oom_kills: int) -> str | None:
    """Why a kernel that died was killed by a limit, or None when no limit explains it."""
    if new_oom_kills:
        return memory_exceeded(config)
    if config.cpu_time and returncode == -signal.SIGXCPU:
        return f"CPU time limit of {config.cpu_time} s exceeded"
    return None


_ERRNO = re.compile(r"\[Errno (\d+)\]")


def error(config: SandboxConfig, ename: str, evalue: str) -> str | None:
    """The limit a cell's exception comes from, or None."""
    if ename.endswith("MemoryError"):
        return (f"{memory_exceeded(config)}: the allocation failed (MemoryError); "
                f"the kernel is still running")
    found = _ERRNO.search(evalue or "")
    code = int(found.group(1)) if found else None
    if code == errno.ENOSPC:
        return (f"disk quota of {size(config.disk_mb)} exceeded (the home directory, /tmp and "
                f"/dev/shm hold {size(config.disk_mb)} each)")
    if code == errno.EFBIG:
        return f"file size limit of {size(config.disk_mb)} exceeded"
    if (code == errno.EAGAIN and ename in ("BlockingIOError", "OSError")) or (
            ename == "RuntimeError" and "can't start new thread" in (evalue or "")):
        return f"process limit of {config.processes} processes and threads reached"
    if code == errno.EMFILE:
        return f"open files limit of {config.open_files} reached"
    return None
