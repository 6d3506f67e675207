"""Enter the sandbox, then exec the kernel: `python -I -S enter.py SPEC -- KERNEL COMMAND...`.

Started by jupyter_client as the kernel process itself (the same pid all the way: this script
execs setpriv, which execs the kernel), as root, with the kernel's allow-listed environment.
It is the only code that runs with privileges in the child, so it runs no Python from outside
the standard library and fails closed: any step that does not work ends the process with
exit code 125 and one line on stderr (the kernel log) naming the step.

In order: join the kernel's cgroups (memory, pids, freezer, cpu), set rlimits, new mount,
network, IPC and UTS namespaces, a seccomp filter refusing new user namespaces, build the
kernel's view of the filesystem (below), hand the connection directory to the kernel's uid,
then setpriv: the kernel's uid and gid, no
supplementary groups, no-new-privs, empty inheritable and bounding capability sets.

The filesystem view: every mount read-only; /tmp, /dev/shm and /home/campfire (HOME and cwd)
fresh tmpfs mounts of `disk_bytes` each (they count against the memory cgroup); the `hide`
directories covered by empty read-only tmpfs mounts (the project checkout with its database
and secrets, /root, /home, /run with the PostgreSQL socket, the other kernels' directories),
through which only the `expose` paths (interpreter, ember, startup file) and the kernel's own
connection directory (read-write) are bound back; /proc remounted with hidepid=2 so that no
other user's process is even listed.
"""
from __future__ import annotations

import json
import os
import resource
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import linux  # noqa: E402  (a sibling module, importable without the workers package)

EXIT_SANDBOX_FAILED = 125
PSEUDO = ("/proc", "/sys", "/dev")


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def join_cgroups(directories: list[str]) -> None:
    for directory in directories:
        with open(os.path.join(directory, "cgroup.procs"), "w") as procs:
            procs.write(str(os.getpid()))


def set_limits(limits: dict[str, list[int]]) -> None:
    for name, (soft, hard) in limits.items():
        resource.setrlimit(getattr(resource, name), (soft, hard))


def _tmpfs(target: str, mode: int, size: int, uid: int = 0, gid: int = 0) -> None:
    linux.mount("tmpfs", target, "tmpfs", linux.MS_NOSUID | linux.MS_NODEV,
                f"size={size},mode={mode:o},uid={uid},gid={gid}")


def _readonly(point: str, flags: int = 0) -> None:
    linux.mount(None, point, None, linux.MS_REMOUNT | linux.MS_BIND | linux.MS_RDONLY | flags)


def _same(path: str, fd: int) -> bool:
    try:
        seen, kept = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (seen.st_dev, seen.st_ino) == (kept.st_dev, kept.st_ino)


def _bind_back(path: str, fd: int, writable: bool) -> None:
    """Make `path` show what `fd` was opened on, through whatever now covers it."""
    if not writable and _same(path, fd):
        return  # not covered: visible as it is (read-only like everything else)
    if not os.path.lexists(path):
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.mkdir(path, 0o755)
        else:
            open(path, "x").close()
    linux.mount(f"/proc/self/fd/{fd}", path, None, linux.MS_BIND)
    if writable:
        linux.mount(None, path, None, linux.MS_REMOUNT | linux.MS_BIND)
    else:
        _readonly(path)


def build_view(spec: dict) -> None:
    uid, gid, disk = spec["uid"], spec["gid"], spec["disk_bytes"]
    linux.mount(None, "/", None, linux.MS_REC | linux.MS_PRIVATE)
    kept = {}
    for path in [*spec["expose"], spec["conn"]]:
        if path not in kept and os.path.exists(path):
            kept[path] = os.open(path, os.O_PATH | os.O_CLOEXEC)
    for point, flags in linux.mounts():
        if not flags & linux.MS_RDONLY and not any(_under(point, p) for p in PSEUDO):
            _readonly(point, flags)
    covers = [(path, 0o1777, disk) for path in ("/tmp", "/dev/shm")]
    covers += [(path, 0o755, 1 << 20) for path in spec["hide"]]
    hidden = []
    for path, mode, size in sorted(covers, key=lambda c: c[0].count("/")):
        if os.path.isdir(path) and not os.path.islink(path) and path not in hidden:
            _tmpfs(path, mode, size)
            if mode == 0o755:
                hidden.append(path)
    for path, fd in kept.items():
        _bind_back(path, fd, writable=path == spec["conn"])
        os.close(fd)
    home = spec["home"]
    os.makedirs(home, mode=0o755, exist_ok=True)
    _tmpfs(home, 0o700, disk, uid, gid)
    linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC,
                "hidepid=2")
    for path in hidden:
        _readonly(path, linux.MS_NOSUID | linux.MS_NODEV)


def hand_over(spec: dict) -> None:
    """The connection directory and file (written by the worker as root) to the kernel's uid:
    the kernel reads the key and creates its ipc sockets there; nobody else can."""
    os.chown(spec["conn"], spec["uid"], spec["gid"])
    if os.path.exists(spec["connection_file"]):
        os.chown(spec["connection_file"], spec["uid"], spec["gid"])


def main(argv: list[str]) -> None:
    if len(argv) < 4 or argv[2] != "--":
        _fail("arguments", "usage: enter.py SPEC -- COMMAND...")
    try:
        with open(argv[1]) as f:
            spec = json.load(f)
    except (OSError, ValueError) as exc:
        _fail("reading the sandbox spec", exc)
    steps = [
        ("joining the kernel's cgroups", lambda: join_cgroups(spec["cgroups"])),
        ("setting resource limits", lambda: set_limits(spec["rlimits"])),
        ("handing the connection directory over", lambda: hand_over(spec)),
        ("creating namespaces (mount, network, ipc, uts)", lambda: linux.unshare(
            linux.CLONE_NEWNS | linux.CLONE_NEWNET | linux.CLONE_NEWIPC | linux.CLONE_NEWUTS)),
        ("setting the hostname", lambda: linux.sethostname("campfire")),
        ("refusing user namespaces (seccomp)", linux.deny_user_namespaces),
        ("building the kernel's filesystem view", lambda: build_view(spec)),
        ("entering the home directory", lambda: os.chdir(spec["home"])),
    ]
    for what, step in steps:
        try:
            step()
        except Exception as exc:  # fail closed, whatever went wrong
            _fail(what, exc)
    uid, gid = spec["uid"], spec["gid"]
    try:
        os.execv(spec["setpriv"], [
            spec["setpriv"], f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
            "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--", *argv[3:]])
    except OSError as exc:
        _fail("dropping privileges (setpriv)", exc)


def _fail(what: str, error) -> None:
    print(f"campfire sandbox: {what} failed: {error}", file=sys.stderr, flush=True)
    os._exit(EXIT_SANDBOX_FAILED)


if __name__ == "__main__":
    main(sys.argv)
