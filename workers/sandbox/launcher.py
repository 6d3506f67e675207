"""The sandboxed kernel launcher: every kernel of a worker with the sandbox on is built here.

Per kernel: a uid of its own (uids.py), cgroups with its limits (cgroups.py), and a spec file
that enter.py applies in the child before exec'ing the kernel (namespaces, filesystem view,
rlimits, privilege drop). On the worker's side (host view):

    <runtime dir>/<host>-<pid>/            root 0700 (hidden from kernels by a tmpfs)
        <kernel id>/                        root 0700
            sandbox.json, kernel.log        root 0600
            conn/                           the kernel's uid, 0700: connection file, ipc sockets
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from .. import logs
from ..launcher import STARTUP_FILE, KernelLauncher, KernelPaths
from . import outcomes
from .cgroups import Cgroups, KernelCgroup
from .settings import MB
from .uids import Lease, UidPool

log = logs.get("sandbox")

ENTER = Path(__file__).with_name("enter.py")
HOME = "/home/campfire"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass
class _Jail:
    lease: Lease
    cgroup: KernelCgroup
    oom_kills: int = 0   # OOM kills already reported to the user


class SandboxedLauncher(KernelLauncher):
    def __init__(self, config, base_dir: Path, *, cgroups: Cgroups, uids: UidPool,
                 expose: list[str], setpriv: str) -> None:
        super().__init__(config, base_dir)
        self.sandbox = config.sandbox
        self.cgroups = cgroups
        self.uids = uids
        self.expose = [*expose, str(STARTUP_FILE)]
        self.setpriv = setpriv
        self._jails: dict[str, _Jail] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------------------- the seam
    def prepare(self, kernel_id: str) -> KernelPaths:
        root = self.base_dir / kernel_id
        paths = KernelPaths(root=root, conn=root / "conn", home=Path(HOME))
        self.base_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for directory in (root, paths.conn):
            directory.mkdir(mode=0o700)
        lease = self.uids.acquire()
        try:
            cgroup = self.cgroups.create(kernel_id, self.sandbox.memory_mb * MB,
                                         self.sandbox.processes, self.sandbox.cpus)
        except Exception:
            self.uids.release(lease)
            raise
        with self._lock:
            self._jails[kernel_id] = _Jail(lease, cgroup)
        spec = {
            "uid": lease.uid, "gid": lease.uid, "cgroups": cgroup.join,
            "rlimits": self.sandbox.rlimits(), "disk_bytes": self.sandbox.disk_mb * MB,
            "conn": str(paths.conn), "connection_file": str(paths.connection_file),
            "home": HOME, "hide": [*self.sandbox.hide, str(self.base_dir)],
            "expose": self.expose, "setpriv": self.setpriv,
        }
        spec_file = root / "sandbox.json"
        spec_file.write_text(json.dumps(spec))
        os.chmod(spec_file, 0o600)
        return paths

    def command(self, paths: KernelPaths) -> list[str]:
        return self.wrap(paths, super().command(paths))

    def wrap(self, paths: KernelPaths, argv: list[str]) -> list[str]:
        """`argv` run inside the kernel's sandbox (the worker's own Python runs enter.py: it
        is root's until the privilege drop, whatever the kernel's interpreter is)."""
        return [sys.executable, "-I", "-S", str(ENTER), str(paths.root / "sandbox.json"), "--",
                *argv]

    def environment(self, paths: KernelPaths) -> dict[str, str]:
        env = {**super().environment(paths), "HOME": HOME,
               # Few malloc arenas: virtual size stays near resident size, so RLIMIT_AS
               # bounds real use (each thread's arena reserves 64 MB otherwise).
               "MALLOC_ARENA_MAX": "2"}
        if self.sandbox.cpus > 0:  # as many BLAS/OpenMP threads as the CPU quota runs at once
            threads = str(max(1, math.ceil(self.sandbox.cpus)))
            env.update({name: threads for name in THREAD_VARIABLES})
        return env

    def cwd(self, paths: KernelPaths) -> str:
        return "/"  # enter.py moves into HOME once it is mounted

    def cleanup(self, paths: KernelPaths) -> None:
        with self._lock:
            jail = self._jails.pop(paths.root.name, None)
        if jail is not None:
            if not jail.cgroup.kill():
                log.error("sandbox.kill_incomplete", kernel=paths.root.name,
                          pids=sorted(jail.cgroup.pids()))
            jail.cgroup.remove()
            self.uids.release(jail.lease)
        super().cleanup(paths)

    # ------------------------------------------------------------------------- the limits
    def kill(self, paths: KernelPaths) -> None:
        jail = self._jails.get(paths.root.name)
        if jail is not None:
            jail.cgroup.kill()

    def death_cause(self, paths: KernelPaths, returncode: int | None) -> str | None:
        jail = self._jails.get(paths.root.name)
        if jail is None:
            return None
        return outcomes.death(self.sandbox, returncode, self._new_oom_kills(jail))

    def limit_note(self, paths: KernelPaths, error: dict | None) -> str | None:
        jail = self._jails.get(paths.root.name)
        note = None
        if error:
            note = outcomes.error(self.sandbox, str(error.get("ename") or ""),
                                  str(error.get("evalue") or ""))
        if jail is not None and self._new_oom_kills(jail) and note is None:
            note = (f"{outcomes.memory_exceeded(self.sandbox)}: a process this cell started "
                    f"was killed; the kernel is still running")
        return note

    @staticmethod
    def _new_oom_kills(jail: _Jail) -> int:
        total = jail.cgroup.oom_kills()
        new, jail.oom_kills = total - jail.oom_kills, total
        return new

    def uid_of(self, paths: KernelPaths) -> int | None:
        jail = self._jails.get(paths.root.name)
        return jail.lease.uid if jail else None

    def describe(self) -> dict:
        s = self.sandbox
        return {"enabled": True, "uids": f"{s.uid_base}-{s.uid_base + s.uid_count - 1}",
                "memory_mb": s.memory_mb, "address_space_mb": s.address_space_mb,
                "disk_mb": s.disk_mb, "cpu_time": s.cpu_time, "cpus": s.cpus,
                "processes": s.processes, "open_files": s.open_files, "network": "none"}

    def close(self) -> None:
        self.cgroups.close()

    # ------------------------------------------------------------------------------ probe
    def probe(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        """Run `argv` in a throwaway sandbox exactly as a kernel would run (start-up checks)."""
        paths = self.prepare(f"probe-{os.getpid()}")
        try:
            return subprocess.run(self.wrap(paths, argv), env=self.environment(paths), cwd="/",
                                  capture_output=True, text=True, timeout=timeout)
        finally:
            self.cleanup(paths)
