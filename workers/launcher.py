"""How a kernel process is started: its command, environment and working directory.

This is the seam of the sandbox (issue 5): every kernel the pool starts is built here, so running
kernels as another uid in a new network namespace means changing this class (or a subclass of it)
and nothing else. Kernels talk to the worker over ipc:// sockets in a per-kernel directory of mode
0700, and get an environment built from an allow-list (jupyter_client would otherwise hand them
the worker's whole environment, secrets included).
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec

from . import logs
from .config import WorkerConfig

STARTUP_FILE = Path(__file__).with_name("kernel_startup.py")
OUTPUT_CAP_MARGIN = 65536  # the kernel sends a little past the worker's cap: the worker cuts

# Set in every kernel whatever the worker's environment says (see docs/EXECUTION.md).
FIXED_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    # Large arrays reuse freed memory instead of page-faulting fresh pages (PERF_ANCHORS.md).
    "MALLOC_MMAP_THRESHOLD_": "268435456",
    "MALLOC_TRIM_THRESHOLD_": "268435456",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "PYTHONUNBUFFERED": "1",
}


@dataclass(frozen=True)
class KernelPaths:
    root: Path   # everything of one kernel, removed when it stops
    conn: Path   # connection file and ipc sockets: the worker and the kernel only
    home: Path   # the kernel's working directory and HOME

    @property
    def connection_file(self) -> Path:
        return self.conn / "kernel.json"

    @property
    def ipc_base(self) -> str:
        return str(self.conn / "ipc")

    @property
    def log_file(self) -> Path:
        return self.root / "kernel.log"


class KernelLauncher:
    def __init__(self, config: WorkerConfig, base_dir: Path) -> None:
        self.config = config
        self.base_dir = base_dir

    def prepare(self, kernel_id: str) -> KernelPaths:
        root = self.base_dir / kernel_id
        paths = KernelPaths(root=root, conn=root / "conn", home=root / "home")
        for directory in (self.base_dir, root, paths.conn, paths.home):
            directory.mkdir(mode=0o700, exist_ok=directory == self.base_dir, parents=True)
            os.chmod(directory, 0o700)
        return paths

    def command(self, paths: KernelPaths) -> list[str]:
        """The kernel command; `{connection_file}` is filled in by jupyter_client."""
        return [self.config.kernel_python, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                f"--IPKernelApp.exec_files={json.dumps([str(STARTUP_FILE)])}",
                "--HistoryManager.enabled=False"]

    def environment(self, paths: KernelPaths) -> dict[str, str]:
        env = {name: os.environ[name] for name in self.config.kernel_env_allow
               if name in os.environ}
        env.update(FIXED_ENV)
        env.update({"HOME": str(paths.home),
                    "CAMPFIRE_PREIMPORT": ",".join(self.config.kernel_preimport),
                    "CAMPFIRE_OUTPUT_CAP": str(self.config.output_limit + OUTPUT_CAP_MARGIN)})
        if self.config.kernel_pythonpath:
            env["PYTHONPATH"] = self.config.kernel_pythonpath
        return env

    def cwd(self, paths: KernelPaths) -> str:
        return str(paths.home)

    def kernel_spec(self, paths: KernelPaths) -> KernelSpec:
        # interrupt_mode="message": an interrupt_request on the control channel, which also
        # reaches a kernel behind a wrapper process (a SIGINT to the wrapper killed it).
        return KernelSpec(argv=self.command(paths), env={}, display_name="Campfire Python",
                          language="python", interrupt_mode="message")

    def cleanup(self, paths: KernelPaths) -> None:
        shutil.rmtree(paths.root, ignore_errors=True)

    # Hooks the sandbox fills in (workers/sandbox/launcher.py); without it there are no limits.
    def kill(self, paths: KernelPaths) -> None:
        """Kill everything the kernel started, beyond its process group."""

    def death_cause(self, paths: KernelPaths, returncode: int | None) -> str | None:
        """The limit that killed a dead kernel, if one did."""
        return None

    def limit_note(self, paths: KernelPaths, error: dict | None) -> str | None:
        """After a cell: the limit it ran into, if any (its error, or a killed child)."""
        return None

    def describe(self) -> dict:
        """For the worker registry (the staff page shows unsandboxed workers)."""
        return {"enabled": False}

    def close(self) -> None:
        """The worker stops: release what the launcher holds."""


def make_launcher(config: WorkerConfig, base_dir: Path) -> KernelLauncher:
    """The sandboxed launcher; it refuses to start (SandboxUnavailable) where a protection
    cannot work. Only an explicit CAMPFIRE_SANDBOX=off gives unconfined kernels, said loudly."""
    if config.sandbox.enabled:
        from .sandbox.checks import build
        return build(config, base_dir)
    logs.get("launcher").error(
        "sandbox.OFF", warning="CAMPFIRE_SANDBOX=off: kernels run UNSANDBOXED as the worker's "
        "user, with its files, network and no resource limits; for development only")
    return KernelLauncher(config, base_dir)
