"""`make run`: the whole Campfire stack on one machine, nothing started by hand.

Prepares var/ (database, secret key, static files, a private Redis unless REDIS_URL is set),
loads the tutorials (manage.py sync_tutorials), creates the first admin, then runs every
Procfile process under honcho. Ctrl-C stops them all, and the private Redis after them.
"""

import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "platform"))

from campfire.devredis import free_port, start_private_redis, stop  # noqa: E402

VAR = Path(os.environ.get("CAMPFIRE_VAR_DIR", ROOT / "var"))
BIN = Path(sys.executable).parent


def _secret_key() -> str:
    """The key stored under var/ (created once, readable by this user only)."""
    path = VAR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


def _gpu_present() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device: a CPU-only machine
        return False


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _manage(env, *args) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, check=True)


def _sync_tutorials(env) -> None:
    """Load tutorials/ (manage.py sync_tutorials): a refused tutorial is reported with its
    problems and the stack starts anyway, with the tutorials that loaded."""
    result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "sync_tutorials"], env=env, cwd=ROOT)
    if result.returncode:
        print("\n  WARNING: some tutorials were not loaded (their problems are listed above)\n", flush=True)


def _announce_when_up(url: str, stop_event: threading.Event) -> None:
    while not stop_event.is_set():
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    print(f"\n  Campfire is running at {url}/   (Ctrl-C stops everything)\n", flush=True)
                    return
        except OSError:
            pass
        stop_event.wait(0.5)


def _sandbox_notice() -> None:
    """Workers sandbox every kernel and refuse to start where they cannot (docs/SECURITY.md)."""
    if os.environ.get("CAMPFIRE_SANDBOX", "on") == "off":
        print("\n  WARNING: CAMPFIRE_SANDBOX=off: kernels run UNSANDBOXED (development only)\n", flush=True)
    elif os.geteuid() != 0:
        print("\n  The kernel sandbox needs root: the cpu worker will refuse to start. Run `make run` as\n"
              "  root, or `CAMPFIRE_SANDBOX=off make run` to run kernels unconfined (development only).\n",
              flush=True)


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    _sandbox_notice()
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "campfire.settings")
    env.setdefault("SECRET_KEY", _secret_key())
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "platform"), str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    host = env.setdefault("CAMPFIRE_HOST", "127.0.0.1")
    if "CAMPFIRE_PORT" not in env:
        env["CAMPFIRE_PORT"] = str(8000 if _port_free(host, 8000) else free_port())
    url = f"http://{'localhost' if host in ('127.0.0.1', '0.0.0.0') else host}:{env['CAMPFIRE_PORT']}"

    _manage(env, "migrate", "--noinput", "-v", "0")
    _sync_tutorials(env)
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    _manage(env, "ensure_admin")

    redis_process = None
    if not env.get("REDIS_URL"):
        env["REDIS_URL"], redis_process = start_private_redis(VAR / "redis")
        print(f"Started a private Redis at {env['REDIS_URL']} (data in {VAR / 'redis'})", flush=True)

    # CAMPFIRE_PROCESSES=web,platform runs a subset of the Procfile (e.g. without workers).
    default = ["web", "platform", "beat", "cpu"] + (["gpu"] if _gpu_present() else [])
    processes = [p.strip() for p in env.get("CAMPFIRE_PROCESSES", ",".join(default)).split(",") if p.strip()]
    stop_event = threading.Event()
    threading.Thread(target=_announce_when_up, args=(url, stop_event), daemon=True).start()
    try:
        honcho = subprocess.Popen(
            [str(BIN / "honcho"), "start", "-f", str(ROOT / "Procfile"), *processes],
            env=env,
            cwd=ROOT,
        )
        # SIGTERM to this script stops the stack like Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            return honcho.wait()
        except KeyboardInterrupt:
            # Ctrl-C in a terminal reaches honcho too; a signal sent to this script alone does not.
            try:
                honcho.wait(timeout=3)
            except subprocess.TimeoutExpired:
                honcho.terminate()
            try:
                honcho.wait(timeout=20)
            except (KeyboardInterrupt, subprocess.TimeoutExpired):
                honcho.kill()
                return 130
            return 0  # stopped on request, cleanly
    finally:
        stop_event.set()
        if redis_process is not None:
            stop(redis_process)
            print("Stopped the private Redis.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
