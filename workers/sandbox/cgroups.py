"""cgroup v1 groups for kernels: one per kernel in each controller, under the worker's own group.

memory: the kernel's memory limit, with OOM kills counted (`memory.oom_control`); the only
memory limit that works for GPU kernels (RLIMIT_AS breaks CUDA's address space). pids: the
process limit whatever the uids. freezer: shutdown freezes the whole group before killing it,
so nothing can fork its way out of the kill, daemons that setsid or double-fork included (a
process cannot leave its cgroup: cgroup.procs belongs to root). cpu (when mounted): a CPU
quota, so spinning processes cannot starve the worker or other kernels.

Layout: `<controller mount>/<this worker's own cgroup>/campfire-<worker pid>/<kernel id>`.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

REQUIRED = ("memory", "pids", "freezer")
OPTIONAL = ("cpu",)
CFS_PERIOD_US = 100_000


class CgroupError(RuntimeError):
    pass


def _controller_mounts(mountinfo: str = "/proc/self/mountinfo") -> dict[str, Path]:
    """controller -> mount point of its v1 hierarchy (the cpu,cpuacct kind of co-mount too)."""
    found: dict[str, Path] = {}
    with open(mountinfo) as info:
        for line in info:
            before, _, after = line.partition(" - ")
            fstype, _source, options = after.split()[:3]
            if fstype == "cgroup":
                for option in options.split(","):
                    found.setdefault(option, Path(before.split()[4]))
    return found


def _own_paths(proc_cgroup: str = "/proc/self/cgroup") -> dict[str, str]:
    """controller -> this process's cgroup path in that hierarchy."""
    paths = {}
    with open(proc_cgroup) as lines:
        for line in lines:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            for controller in controllers.split(","):
                if controller:
                    paths[controller] = path
    return paths


def _write(path: Path, value) -> None:
    path.write_text(str(value))


def _pids(directory: Path) -> set[int]:
    try:
        return {int(p) for p in (directory / "cgroup.procs").read_text().split()}
    except FileNotFoundError:
        return set()


@dataclass
class KernelCgroup:
    dirs: dict[str, Path]   # controller -> this kernel's directory

    @property
    def join(self) -> list[str]:
        return [str(d) for d in self.dirs.values()]

    def pids(self) -> set[int]:
        return set().union(*(_pids(d) for d in self.dirs.values()))

    def oom_kills(self) -> int:
        try:
            for line in (self.dirs["memory"] / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except (OSError, KeyError):
            pass
        return 0

    def peak_processes(self) -> int:
        try:
            return int((self.dirs["pids"] / "pids.peak").read_text())
        except (OSError, KeyError, ValueError):
            return 0

    def kill(self, timeout: float = 5.0) -> bool:
        """Kill every process in the group: freeze (no fork can race the kill), SIGKILL all,
        thaw (frozen processes die when thawed). True once the group is empty."""
        freezer = self.dirs.get("freezer")
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                return True
            if freezer is not None and freezer.exists():
                _write(freezer / "freezer.state", "FROZEN")
                settle = time.monotonic() + 1.0
                while (freezer / "freezer.state").read_text().strip() != "FROZEN" \
                        and time.monotonic() < settle:
                    time.sleep(0.005)
                pids = self.pids()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if freezer is not None and freezer.exists():
                _write(freezer / "freezer.state", "THAWED")
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def remove(self) -> None:
        """Remove the group's directories (after kill(); a zombie not reaped yet keeps a pids
        group busy for a moment, hence the retries)."""
        for directory in self.dirs.values():
            for _ in range(100):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


class Cgroups:
    """The worker's cgroup root in every controller used; creates one group per kernel."""

    def __init__(self, worker_pid: int | None = None) -> None:
        mounts, own = _controller_mounts(), _own_paths()
        missing = [c for c in REQUIRED if c not in mounts]
        if missing:
            raise CgroupError(
                f"cgroup v1 controllers {', '.join(missing)} are not mounted (found: "
                f"{', '.join(sorted(mounts)) or 'none'}); the sandbox needs memory, pids and "
                f"freezer hierarchies under /sys/fs/cgroup (cgroup v2 is not supported yet)")
        self.worker_pid = worker_pid or os.getpid()
        self.roots = {c: mounts[c] / own.get(c, "/").lstrip("/") / f"campfire-{self.worker_pid}"
                      for c in (*REQUIRED, *OPTIONAL) if c in mounts}

    def setup(self) -> None:
        """Create this worker's groups (and sweep those of dead workers beside them)."""
        for controller, root in self.roots.items():
            self._sweep(root.parent)
            try:
                root.mkdir()
            except OSError as exc:
                raise CgroupError(f"cannot create the {controller} cgroup {root}: {exc}") \
                    from exc

    def create(self, name: str, memory_bytes: int, processes: int, cpus: float) -> KernelCgroup:
        group = KernelCgroup({c: root / name for c, root in self.roots.items()})
        try:
            for directory in group.dirs.values():
                directory.mkdir()
            memory = group.dirs["memory"]
            _write(memory / "memory.limit_in_bytes", memory_bytes)
            if (memory / "memory.memsw.limit_in_bytes").exists():  # no swapping past the limit
                _write(memory / "memory.memsw.limit_in_bytes", memory_bytes)
            _write(group.dirs["pids"] / "pids.max", processes)
            if cpus > 0 and "cpu" in group.dirs:
                _write(group.dirs["cpu"] / "cpu.cfs_period_us", CFS_PERIOD_US)
                _write(group.dirs["cpu"] / "cpu.cfs_quota_us", int(cpus * CFS_PERIOD_US))
        except OSError as exc:
            group.remove()
            raise CgroupError(f"cannot set up the kernel's cgroup {name}: {exc}") from exc
        return group

    def close(self) -> None:
        for root in self.roots.values():
            for child in list(root.iterdir()) if root.exists() else []:
                if child.is_dir():
                    KernelCgroup({"x": child}).kill()
                    KernelCgroup({"x": child}).remove()
            KernelCgroup({"x": root}).remove()

    @staticmethod
    def _sweep(parent: Path) -> None:
        """Groups left by workers that died: kill what still runs in them, remove them."""
        for stale in parent.glob("campfire-*"):
            try:
                pid = int(stale.name.split("-", 1)[1])
            except ValueError:
                continue
            if _alive(pid) and pid != os.getpid():
                continue  # a live worker's (our own name is stale: a reused pid)
            for child in [c for c in stale.iterdir() if c.is_dir()]:
                group = KernelCgroup({"x": child})
                group.kill()
                group.remove()
            KernelCgroup({"x": stale}).remove()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
