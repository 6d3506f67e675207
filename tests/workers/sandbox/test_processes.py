"""Attacks on processes: daemons that try to outlive their kernel, the worker, other kernels."""
from __future__ import annotations

import json
import os

from workers.sandbox.uids import processes_of

DAEMONS = r"""
import json, os, signal, subprocess, time
pids = {}
# Double fork + setsid: the classic daemon, re-parented away from the kernel.
read, write = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
        os.write(write, str(os.getpid()).encode())
        time.sleep(1000)
    os._exit(0)
pids["double fork"] = int(os.read(read, 20))
pids["setsid"] = subprocess.Popen(["sleep", "1000"], start_new_session=True).pid
shell = subprocess.run("nohup sleep 1000 >/dev/null 2>&1 & echo $!", shell=True,
                       capture_output=True, text=True)
pids["nohup"] = int(shell.stdout)
print(os.getuid(), json.dumps(pids))
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_daemons_do_not_outlive_a_restart(hostile):
    found = {}

    def after(session, outcome):
        uid, pids = outcome.text.split(" ", 1)
        found["uid"], found["pids"] = int(uid), json.loads(pids)
        found["before"] = {name: _alive(pid) for name, pid in found["pids"].items()}
        hostile.restart(session)
        found["after"] = {name: _alive(pid) for name, pid in found["pids"].items()}
        found["left"] = processes_of(found["uid"])

    outcome = hostile.attack("start daemons that outlive the cell", DAEMONS, after=after)
    assert outcome.status == "ok", outcome
    assert all(found["before"].values()), found   # they did escape the kernel's process group
    assert not any(found["after"].values()), found
    assert found["left"] == [], found
    hostile.record("background processes (double fork + setsid, setsid, nohup)", outcome,
                   "all running after the cell; all gone when the restart is reported")


def test_daemons_do_not_outlive_a_shutdown(hostile):
    session = hostile.new_session()
    outcome = hostile.cell(session, DAEMONS)
    assert outcome.status == "ok", outcome
    uid, pids = outcome.text.split(" ", 1)
    assert all(_alive(pid) for pid in json.loads(pids).values())
    hostile.stack.command("workers.shutdown", session)
    hostile.stack.wait_events(session, lambda evs: any(
        e["type"] == "kernel" and e["data"]["state"] == "shutdown" for e in evs), 15)
    assert not any(_alive(pid) for pid in json.loads(pids).values())
    assert processes_of(int(uid)) == []


def test_killing_the_worker_fails(hostile):
    code = """
import os, signal
for name, pid in (("parent", os.getppid()), ("JPY_PARENT_PID", int(os.environ["JPY_PARENT_PID"])),
                  ("init", 1)):
    try:
        os.kill(pid, signal.SIGKILL)
        print(name, "KILLED")
    except OSError as exc:
        print(name, "BLOCKED", type(exc).__name__)
"""
    outcome = hostile.attack("kill the parent worker", code)
    assert outcome.status == "ok", outcome
    assert "KILLED" not in outcome.text and outcome.text.count("BLOCKED") == 3, outcome.text
    assert hostile.worker.proc.poll() is None
    hostile.record("kill the parent worker (os.kill(os.getppid(), 9)), init", outcome,
                   "PermissionError: the kernel's uid cannot signal root's processes")


def test_signalling_other_kernels_fails(hostile):
    victim = hostile.new_session()
    try:
        assert hostile.cell(victim, "victim_state = 'intact'").status == "ok"
        cgroup = hostile.worker_cgroup("pids") / hostile.kernel_of(victim)
        victims = sorted(int(p) for p in (cgroup / "cgroup.procs").read_text().split())
        pid_max = max(int(p) for p in os.listdir("/proc") if p.isdigit()) + 1000
        code = f"""
import os, signal
hit = []
for pid in {victims}:
    for sig in (signal.SIGKILL, signal.SIGSTOP):
        try:
            os.kill(pid, sig)
            hit.append(pid)
        except OSError:
            pass
for pid in range(2, {pid_max}):
    if not os.path.exists(f"/proc/{{pid}}"):  # its own processes and threads are the visible ones
        try:
            os.kill(pid, signal.SIGTERM)
            hit.append(pid)
        except OSError:
            pass
print("hit", hit)
os.kill(-1, signal.SIGKILL)  # every process it may signal: only its own
"""
        outcome = hostile.attack("signal other kernels", code)
        assert "hit []" in outcome.text, outcome
        answer = hostile.cell(victim, "print(victim_state)")
        assert answer.status == "ok" and answer.text == "intact\n", answer
    finally:
        hostile.stack.command("workers.shutdown", victim)
    hostile.record("signal other kernels (their pids, every pid, kill(-1))", outcome,
                   f"0 of {pid_max - 2} pids signalled; the other kernel kept its state")


def test_segfault_through_ctypes_restarts_the_kernel(hostile):
    outcome = hostile.attack("segfault through ctypes", "import ctypes\nctypes.string_at(0)")
    assert outcome.status == "kernel_died", outcome
    assert outcome.message == "kernel died unexpectedly (signal 11, SIGSEGV); restarted"
    hostile.record("segfault through ctypes", outcome, outcome.message)


def test_setuid_binaries_and_namespaces_give_no_privilege(hostile):
    code = r"""
import os, subprocess
for cmd in (["mount", "-t", "tmpfs", "none", "/tmp"], ["su", "-c", "id", "root"],
            ["unshare", "--net", "true"], ["unshare", "--mount", "true"],
            ["unshare", "--user", "--map-root-user", "true"],
            ["python3", "-c", "import ctypes, sys\n"
             "sys.exit(ctypes.CDLL(None).unshare(0x10000000) != 0)"]):  # CLONE_NEWUSER
    done = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    print(cmd[0], len(cmd), "OK" if done.returncode == 0 else "BLOCKED")
print("euid", os.geteuid())
"""
    outcome = hostile.attack("gain privileges (setuid binaries, namespaces)", code)
    assert outcome.status == "ok", outcome
    lines = outcome.text.splitlines()
    assert all(line.endswith("BLOCKED") for line in lines[:-1]), lines
    assert lines[-1] != "euid 0"
    hostile.record("gain privileges (setuid mount/su, unshare, user namespaces)", outcome,
                   "no-new-privs, no capabilities, seccomp: all refused")
