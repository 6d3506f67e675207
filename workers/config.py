"""Every worker setting, read from the environment in one place (documented in docs/EXECUTION.md).

Bad values raise ConfigError at start-up with the variable's name, never later in a task.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from .protocol import DEVICES, Namespace

if TYPE_CHECKING:
    from .sandbox.settings import SandboxConfig


class ConfigError(ValueError):
    """A setting in the environment has a value the worker cannot use."""


def _raw(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return value.strip() if value is not None and value.strip() != "" else None


def _number(env: Mapping[str, str], name: str, default, minimum, cast):
    raw = _raw(env, name)
    if raw is None:
        return default
    try:
        value = cast(raw)
    except ValueError:
        kind = "an integer" if cast is int else "a number"
        raise ConfigError(f"{name} must be {kind}, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return value


def env_int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    return _number(env, name, default, minimum, int)


def env_float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    return _number(env, name, default, minimum, float)


def env_list(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = _raw(env, name)
    if raw is None:
        return default
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _default_kernel_pythonpath() -> str:
    """Kernels import ember from wherever this worker would import it (the project root in a
    checkout); found without importing it."""
    spec = importlib.util.find_spec("ember")
    if spec is None or not spec.submodule_search_locations:
        return str(Path(__file__).resolve().parent.parent)
    return str(Path(list(spec.submodule_search_locations)[0]).parent)


@dataclass(frozen=True)
class WorkerConfig:
    broker_url: str
    redis_url: str
    broker_keyprefix: str
    namespace: Namespace
    device: str
    pool_queues: tuple[str, ...]
    concurrency: int
    warm_kernels: int
    max_kernels: int
    kernel_wait: float
    kernel_start_timeout: float
    cell_timeout: float
    interrupt_grace: float
    output_limit: int
    idle_cull: float
    cull_interval: float
    heartbeat_interval: float
    heartbeat_ttl: float
    sweep_interval: float
    order_wait: float
    stream_maxlen: int
    stream_ttl: int
    marker_ttl: int
    visibility_timeout: float
    restore_interval: int
    notebook_timeout: float
    shutdown_grace: float
    runtime_dir: Path
    kernel_python: str
    kernel_preimport: tuple[str, ...]
    kernel_env_allow: tuple[str, ...]
    kernel_pythonpath: str
    log_format: str
    sandbox: "SandboxConfig"

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "WorkerConfig":
        from .sandbox.settings import SandboxConfig  # it reads settings with the helpers above
        broker = _raw(env, "CAMPFIRE_BROKER_URL") or _raw(env, "REDIS_URL") \
            or "redis://127.0.0.1:6379/0"
        device = _raw(env, "CAMPFIRE_WORKER_DEVICE") or "cpu"
        if device not in DEVICES:
            raise ConfigError(f"CAMPFIRE_WORKER_DEVICE must be one of {DEVICES}, got {device!r}")
        ns = Namespace.from_env(env)
        default_queues = ("cpu", "live") if device == "cpu" else ("gpu",)
        cell_timeout = env_float(env, "CAMPFIRE_CELL_TIMEOUT", 300.0, minimum=0.1)
        kernel_wait = env_float(env, "CAMPFIRE_KERNEL_WAIT", 30.0, minimum=0.0)
        heartbeat = env_float(env, "CAMPFIRE_HEARTBEAT_INTERVAL", 5.0, minimum=0.1)
        max_kernels = env_int(env, "CAMPFIRE_MAX_KERNELS", 8, minimum=1)
        config = cls(
            broker_url=broker,
            redis_url=_raw(env, "CAMPFIRE_REDIS_URL") or _raw(env, "REDIS_URL") or broker,
            broker_keyprefix=_raw(env, "CAMPFIRE_BROKER_KEYPREFIX") or "",
            namespace=ns,
            device=device,
            pool_queues=tuple(ns.queue(q) for q in
                              env_list(env, "CAMPFIRE_WORKER_QUEUES", default_queues)),
            concurrency=env_int(env, "CAMPFIRE_WORKER_CONCURRENCY", 8, minimum=2),
            warm_kernels=min(env_int(env, "CAMPFIRE_WARM_KERNELS", 2), max_kernels),
            max_kernels=max_kernels,
            kernel_wait=kernel_wait,
            kernel_start_timeout=env_float(env, "CAMPFIRE_KERNEL_START_TIMEOUT", 60.0, 1.0),
            cell_timeout=cell_timeout,
            interrupt_grace=env_float(env, "CAMPFIRE_INTERRUPT_GRACE", 5.0, minimum=0.1),
            output_limit=env_int(env, "CAMPFIRE_OUTPUT_LIMIT", 5_000_000, minimum=1024),
            idle_cull=env_float(env, "CAMPFIRE_IDLE_CULL", 900.0),
            cull_interval=env_float(env, "CAMPFIRE_CULL_INTERVAL", 30.0, minimum=0.1),
            heartbeat_interval=heartbeat,
            heartbeat_ttl=env_float(env, "CAMPFIRE_HEARTBEAT_TTL", 3 * heartbeat, minimum=0.5),
            sweep_interval=env_float(env, "CAMPFIRE_SWEEP_INTERVAL", heartbeat, minimum=0.1),
            order_wait=env_float(env, "CAMPFIRE_ORDER_WAIT", 30.0, minimum=0.1),
            stream_maxlen=env_int(env, "CAMPFIRE_STREAM_MAXLEN", 10_000, minimum=100),
            stream_ttl=env_int(env, "CAMPFIRE_STREAM_TTL", 24 * 3600, minimum=60),
            marker_ttl=env_int(env, "CAMPFIRE_MARKER_TTL", 3 * 24 * 3600, minimum=60),
            visibility_timeout=env_float(env, "CAMPFIRE_VISIBILITY_TIMEOUT",
                                         max(cell_timeout, kernel_wait) + 60.0, minimum=1.0),
            restore_interval=env_int(env, "CAMPFIRE_RESTORE_INTERVAL", 5, minimum=1),
            notebook_timeout=env_float(env, "CAMPFIRE_NOTEBOOK_TIMEOUT", 1800.0, minimum=1.0),
            shutdown_grace=env_float(env, "CAMPFIRE_SHUTDOWN_GRACE", 10.0),
            runtime_dir=Path(_raw(env, "CAMPFIRE_RUNTIME_DIR")
                             or os.path.join(tempfile.gettempdir(), "campfire")),
            kernel_python=_raw(env, "CAMPFIRE_KERNEL_PYTHON") or sys.executable,
            kernel_preimport=env_list(env, "CAMPFIRE_KERNEL_PREIMPORT", ("numpy", "ember")),
            kernel_env_allow=env_list(env, "CAMPFIRE_KERNEL_ENV_ALLOW",
                                      ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ",
                                       "EMBER_DEVICE", "CUDA_VISIBLE_DEVICES")),
            kernel_pythonpath=_raw(env, "CAMPFIRE_KERNEL_PYTHONPATH")
            or _default_kernel_pythonpath(),
            log_format=_raw(env, "CAMPFIRE_LOG_FORMAT") or "kv",
            sandbox=SandboxConfig.from_env(env, device),
        )
        config.check()
        return config

    def check(self) -> None:
        """Cross-setting rules: these keep Celery's redelivery consistent with the runtime."""
        if self.visibility_timeout <= self.kernel_wait:
            # A task holds its message unacked at most while it waits for a kernel slot; past
            # the visibility timeout kombu would hand the message to a second worker.
            raise ConfigError("CAMPFIRE_VISIBILITY_TIMEOUT must exceed CAMPFIRE_KERNEL_WAIT")
        if self.heartbeat_ttl <= self.heartbeat_interval:
            raise ConfigError("CAMPFIRE_HEARTBEAT_TTL must exceed CAMPFIRE_HEARTBEAT_INTERVAL")
        if self.log_format not in ("kv", "json"):
            raise ConfigError("CAMPFIRE_LOG_FORMAT must be 'kv' or 'json'")
        if not self.pool_queues:
            raise ConfigError("CAMPFIRE_WORKER_QUEUES must name at least one queue")

    @property
    def task_time_limit(self) -> float:
        """Hard limit of any task body: tasks only accept work (the longest wait is for a kernel
        slot); cells and notebooks run after the ack under the runtime's own wall-clock limits."""
        return self.kernel_wait + 30.0
