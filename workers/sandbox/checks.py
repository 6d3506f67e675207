"""Start-up: build the sandboxed launcher, or refuse to start with what to change.

Every protection is checked by doing it: cgroups are created, a uid is leased, and a probe runs
the kernel's interpreter inside a real sandbox (namespaces, filesystem view, rlimits, dropped
privileges) importing ipykernel and numpy. A worker that cannot sandbox never runs a kernel
without it unless CAMPFIRE_SANDBOX=off says so (logged loudly, shown in the worker registry).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .. import logs
from .cgroups import CgroupError, Cgroups
from .launcher import SandboxedLauncher
from .uids import UidPool

log = logs.get("sandbox")

OFF_HINT = "or set CAMPFIRE_SANDBOX=off (development only: kernels then run unconfined)"

# Run by the kernel's interpreter as root, outside any sandbox: where its files are.
_DISCOVER = """
import importlib.util, json, os, sys
found = {"prefix": [sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))],
         "modules": {}, "missing": []}
for name in sys.argv[1:]:
    spec = importlib.util.find_spec(name)
    if spec is None:
        found["missing"].append(name)
    else:
        found["modules"][name] = (list(spec.submodule_search_locations or []) or [spec.origin])[0]
print(json.dumps(found))
"""

# Run inside the sandbox as the kernel's uid: what a kernel needs must work, and no more.
_PROBE = """
import json, os, socket, sys
import ipykernel, numpy
result = {"uid": os.getuid(), "home": os.access(os.environ["HOME"], os.W_OK)}
try:
    socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    result["network"] = True
except OSError:
    result["network"] = False
print(json.dumps(result))
"""


class SandboxUnavailable(RuntimeError):
    """A protection cannot work here; the message says which and what to change."""


def build(config, base_dir: Path) -> SandboxedLauncher:
    if os.geteuid() != 0:
        raise SandboxUnavailable(
            "the sandbox needs the worker to run as root (to give each kernel its own uid, "
            f"namespaces and cgroups); run the worker as root, {OFF_HINT}")
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise SandboxUnavailable(f"setpriv (util-linux) is not installed; install it, {OFF_HINT}")
    try:
        cgroups = Cgroups()
        cgroups.setup()
    except CgroupError as exc:
        raise SandboxUnavailable(f"{exc}; {OFF_HINT}") from exc
    uids = UidPool(config.sandbox.uid_base, config.sandbox.uid_count, config.sandbox.state_dir)
    try:
        uids.setup()
        expose = _kernel_files(config)
        launcher = SandboxedLauncher(config, base_dir, cgroups=cgroups, uids=uids,
                                     expose=expose, setpriv=setpriv)
        _probe(config, launcher)
    except BaseException:
        cgroups.close()
        raise
    log.info("sandbox.ready", **launcher.describe())
    return launcher


def _kernel_files(config) -> list[str]:
    """The interpreter's prefixes and the pre-imported packages: bound back into the kernel's
    view when a hidden directory (the checkout, /root, /home) holds them."""
    python = config.kernel_python
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           **({"PYTHONPATH": config.kernel_pythonpath} if config.kernel_pythonpath else {})}
    names = ["ipykernel", "numpy", *config.kernel_preimport]
    try:
        done = subprocess.run([python, "-c", _DISCOVER, *names], env=env, capture_output=True,
                              text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"the kernel interpreter {python} (CAMPFIRE_KERNEL_PYTHON) "
                                 f"does not run: {exc}; {OFF_HINT}") from exc
    try:
        found = json.loads(done.stdout)
    except ValueError:
        raise SandboxUnavailable(
            f"the kernel interpreter {python} (CAMPFIRE_KERNEL_PYTHON) does not run (exit "
            f"{done.returncode}): {(done.stderr or done.stdout)[-500:]!r}; {OFF_HINT}") from None
    lacking = [name for name in ("ipykernel", "numpy") if name in found["missing"]]
    if lacking:
        raise SandboxUnavailable(f"the kernel interpreter {python} (CAMPFIRE_KERNEL_PYTHON) "
                                 f"lacks {', '.join(lacking)}: install them into it; {OFF_HINT}")
    paths = {os.path.realpath(p) for p in found["prefix"]}
    for name, location in found["modules"].items():
        if name not in ("ipykernel", "numpy"):  # those live in the prefix
            paths.add(os.path.realpath(location))
    return sorted([*paths, *config.sandbox.expose])


def _probe(config, launcher: SandboxedLauncher) -> None:
    try:
        done = launcher.probe([config.kernel_python, "-c", _PROBE], timeout=60)
    except subprocess.TimeoutExpired as exc:
        raise SandboxUnavailable("the sandbox probe did not finish within 60 s") from exc
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise SandboxUnavailable(_probe_failure(config, done)) from None
    if not config.sandbox.uid_base <= result["uid"] < config.sandbox.uid_base + \
            config.sandbox.uid_count or not result["home"] or result["network"]:
        raise SandboxUnavailable(f"the sandbox probe ran unconfined: {result}")


def _probe_failure(config, done: subprocess.CompletedProcess) -> str:
    output = (done.stderr or done.stdout or "").strip()[-1500:]
    if "campfire sandbox:" in output:
        return f"the sandbox does not work here: {output}; {OFF_HINT}"
    return (f"the kernel interpreter {config.kernel_python} cannot run as an unprivileged "
            f"sandbox user (exit {done.returncode}): {output}. Its files and packages must be "
            f"readable by other users: make every directory above them traversable "
            f"(chmod o+rx), or set CAMPFIRE_KERNEL_PYTHON to an interpreter that is, e.g. "
            f"`/usr/bin/python3.11 -m venv /opt/campfire-kernel && /opt/campfire-kernel/bin/pip "
            f"install ipykernel numpy matplotlib`; {OFF_HINT}")
