"""Sandbox settings, read from the environment with the worker's other settings (config.py).

Sizes are in MB, times in seconds; 0 turns a limit off where that is allowed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MB = 1 << 20
AS_HEADROOM_MB = 1024


def _default_hide(env: Mapping[str, str]) -> tuple[str, ...]:
    # The checkout (settings, var/ with the database and secret key, other users' files), home
    # directories, and /run (PostgreSQL's and Redis's unix sockets live there).
    paths = [str(PROJECT_ROOT), "/root", "/home", "/run", "/srv", "/mnt", "/media"]
    if env.get("CAMPFIRE_VAR_DIR"):
        paths.append(env["CAMPFIRE_VAR_DIR"])
    return tuple(paths)


@dataclass(frozen=True)
class SandboxConfig:
    enabled: bool
    uid_base: int
    uid_count: int
    memory_mb: int
    address_space_mb: int     # RLIMIT_AS; 0 on GPU workers (it breaks CUDA's address space)
    disk_mb: int              # each of HOME, /tmp and /dev/shm (tmpfs, counted as memory)
    cpu_time: int             # RLIMIT_CPU per process
    cpus: float               # CPU quota of the whole kernel (cgroup cpu controller)
    processes: int            # RLIMIT_NPROC of the kernel's uid, and pids.max
    open_files: int
    hide: tuple[str, ...]
    expose: tuple[str, ...]
    state_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str], device: str) -> "SandboxConfig":
        from ..config import ConfigError, _raw, env_float, env_int, env_list

        mode = (_raw(env, "CAMPFIRE_SANDBOX") or "on").lower()
        if mode not in ("on", "off"):
            raise ConfigError(f"CAMPFIRE_SANDBOX must be 'on' or 'off', got {mode!r}")
        memory = env_int(env, "CAMPFIRE_SANDBOX_MEMORY", 2048, minimum=64)
        # Headroom over the memory limit: address space that is reserved, never resident
        # (thread stacks, malloc arenas, shared libraries: ~0.4-0.9 GB in a fresh kernel).
        address_space = env_int(env, "CAMPFIRE_SANDBOX_ADDRESS_SPACE",
                                memory + AS_HEADROOM_MB if device == "cpu" else 0)
        if device == "gpu" and address_space:
            raise ConfigError("CAMPFIRE_SANDBOX_ADDRESS_SPACE must be 0 on a GPU worker: "
                              "RLIMIT_AS breaks CUDA, whose driver reserves huge address "
                              "ranges; the memory cgroup (CAMPFIRE_SANDBOX_MEMORY) limits it")
        hide = env_list(env, "CAMPFIRE_SANDBOX_HIDE", _default_hide(env))
        expose = env_list(env, "CAMPFIRE_SANDBOX_EXPOSE", ())
        for name, paths in (("CAMPFIRE_SANDBOX_HIDE", hide), ("CAMPFIRE_SANDBOX_EXPOSE", expose)):
            if any(not os.path.isabs(p) for p in paths):
                raise ConfigError(f"{name} must list absolute paths, got {','.join(paths)}")
        return cls(
            enabled=mode == "on",
            uid_base=env_int(env, "CAMPFIRE_SANDBOX_UID_BASE", 2_000_000, minimum=1000),
            uid_count=env_int(env, "CAMPFIRE_SANDBOX_UID_COUNT", 256, minimum=1),
            memory_mb=memory,
            address_space_mb=address_space,
            disk_mb=env_int(env, "CAMPFIRE_SANDBOX_DISK", 1024, minimum=1),
            cpu_time=env_int(env, "CAMPFIRE_SANDBOX_CPU_TIME", 7200),
            cpus=env_float(env, "CAMPFIRE_SANDBOX_CPUS", 1.0),
            processes=env_int(env, "CAMPFIRE_SANDBOX_PROCESSES", 512, minimum=16),
            open_files=env_int(env, "CAMPFIRE_SANDBOX_OPEN_FILES", 1024, minimum=64),
            hide=tuple(os.path.realpath(p) for p in hide),
            expose=tuple(os.path.realpath(p) for p in expose),
            state_dir=Path(_raw(env, "CAMPFIRE_SANDBOX_STATE_DIR") or "/run/campfire-sandbox"),
        )

    def rlimits(self) -> dict[str, list[int]]:
        """What enter.py sets before dropping privileges (soft, hard)."""
        disk = self.disk_mb * MB
        limits = {"RLIMIT_NPROC": [self.processes] * 2, "RLIMIT_NOFILE": [self.open_files] * 2,
                  "RLIMIT_FSIZE": [disk] * 2, "RLIMIT_CORE": [0, 0]}
        if self.address_space_mb:
            limits["RLIMIT_AS"] = [self.address_space_mb * MB] * 2
        if self.cpu_time:  # SIGXCPU at the limit, SIGKILL a second of CPU later
            limits["RLIMIT_CPU"] = [self.cpu_time, self.cpu_time + 1]
        return limits
