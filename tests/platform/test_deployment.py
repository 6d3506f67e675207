"""docker-compose.yml, the Procfile and the Makefile: they parse, and every command they
run exists (executables are installed, `celery -A` apps and `python -m` modules import,
manage.py subcommands are registered)."""

import importlib
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
# Tools that live in the postgres/redis images or the base image, not in our environment.
IMAGE_TOOLS = {"pg_isready", "redis-cli", "redis-server", "sh", "env"}


def _argv(command) -> list[str]:
    argv = command if isinstance(command, list) else shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return shlex.split(argv[2].split("&&")[-1].replace("exec ", ""))
    return argv


def _check_module(module: str) -> None:
    """`pkg.mod` or `pkg.mod:attr` must import. The workers' app lands from another branch;
    until its file exists here it is skipped, and from then on it must import."""
    name, _, attr = module.partition(":")
    if name.startswith("workers.") and not (ROOT / (name.replace(".", "/") + ".py")).exists():
        pytest.skip(f"{name} lands with the workers branch")
    imported = importlib.import_module(name)
    if attr:
        assert hasattr(imported, attr), f"{module} has no {attr}"


def _check_argv(argv: list[str]) -> None:
    program = argv[0]
    if program in IMAGE_TOOLS:
        return
    assert shutil.which(program, path=f"{BIN}:/usr/bin:/bin") or program == "python", f"{program} is not installed"
    if program == "celery":
        _check_module(argv[argv.index("-A") + 1])
        assert argv[argv.index("-A") + 2] in ("worker", "inspect", "beat")
    elif program == "python" and argv[1] == "-m":
        _check_module(argv[2])
        if argv[2] == "uvicorn":
            assert importlib.import_module("campfire.asgi").application
    elif program == "python" and argv[1] == "manage.py":
        assert argv[2] in get_commands(), f"manage.py has no {argv[2]} command"


def test_compose_has_every_service_with_a_health_check():
    assert set(SERVICES) == {"postgres", "redis", "web", "platform", "beat", "cpu", "gpu"}
    for name, service in SERVICES.items():
        if name == "beat":      # celery beat answers no probe: its process is its health (restarted if it exits)
            assert "healthcheck" not in service and service["restart"] == "unless-stopped"
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_beat_schedules_the_prune_on_the_platform_queue_into_a_writable_file():
    beat = SERVICES["beat"]
    assert beat["environment"]["CAMPFIRE_BEAT_SCHEDULE_FILE"].startswith("/tmp/")
    assert beat["environment"]["DATABASE_URL"] == SERVICES["platform"]["environment"]["DATABASE_URL"]
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["prune-executions"]
    assert entry["schedule"] == settings.CAMPFIRE_EXECUTION_PRUNE_INTERVAL == 86_400
    from campfire.celery import app

    assert app.amqp.router.route({}, entry["task"])["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE


def test_gpu_worker_reserves_an_nvidia_device_and_uses_cuda():
    gpu = SERVICES["gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["driver"] == "nvidia" and "gpu" in devices[0]["capabilities"]
    assert gpu["environment"]["EMBER_DEVICE"] == "cuda"
    # The worker derives its queues from CAMPFIRE_WORKER_DEVICE (a -Q would drop its own kernels.<name>).
    assert "-Q" not in gpu["command"]
    from workers.config import WorkerConfig

    env = {k: str(v) for k, v in gpu["environment"].items()}
    assert WorkerConfig.from_env(env).pool_queues == ("gpu",)


def test_execution_workers_get_no_database_or_secret_key():
    for name in ("cpu", "gpu"):
        env = SERVICES[name]["environment"]
        assert "DATABASE_URL" not in env and "SECRET_KEY" not in env and env["REDIS_URL"]


@pytest.mark.parametrize("name", ["web", "platform", "beat", "cpu", "gpu"])
def test_compose_service_commands_exist(name):
    service = SERVICES[name]
    _check_argv(_argv(service["command"]))
    if isinstance(service["command"], str) and "manage.py" in service["command"]:
        _check_argv(shlex.split(service["command"].split("&&")[0].split('"', 1)[1]))
    if "healthcheck" not in service:
        return
    test = service["healthcheck"]["test"]
    health = shlex.split(test[1]) if test[0] == "CMD-SHELL" else test[1:]
    _check_argv(health)


PROCFILE = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())


def test_procfile_has_the_processes_make_run_starts():
    assert {"web", "platform", "beat", "cpu"} <= set(PROCFILE)


@pytest.mark.parametrize("name", sorted(PROCFILE))
def test_procfile_commands_exist(name):
    argv = shlex.split(PROCFILE[name])
    if argv[0] == "env":
        argv = [a for a in argv[1:] if "=" not in a]
    _check_argv(argv)


def test_makefile_has_run_and_test_and_no_browser_download():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert not re.search(r"^\t.*playwright install", makefile, re.M)
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111


def test_manage_commands_used_by_make_run_exist():
    commands = get_commands()
    for name in ("migrate", "sync_tutorials", "collectstatic", "ensure_admin", "create_token"):
        assert name in commands
