"""The sandbox's parts on their own: settings, limit messages, uid leases, cgroup kills."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from workers.config import ConfigError, WorkerConfig
from workers.sandbox import outcomes
from workers.sandbox.cgroups import Cgroups
from workers.sandbox.uids import UidPool, processes_of


def sandbox(**env):
    return WorkerConfig.from_env(env).sandbox


def test_settings_defaults_and_bad_values():
    cpu = sandbox()
    assert cpu.enabled and cpu.memory_mb == 2048 and cpu.address_space_mb == 2048 + 1024
    assert sandbox(CAMPFIRE_WORKER_DEVICE="gpu").address_space_mb == 0  # never RLIMIT_AS
    with pytest.raises(ConfigError, match="ADDRESS_SPACE must be 0 on a GPU"):
        sandbox(CAMPFIRE_WORKER_DEVICE="gpu", CAMPFIRE_SANDBOX_ADDRESS_SPACE="4096")
    with pytest.raises(ConfigError, match="CAMPFIRE_SANDBOX must be"):
        sandbox(CAMPFIRE_SANDBOX="maybe")
    with pytest.raises(ConfigError, match="absolute paths"):
        sandbox(CAMPFIRE_SANDBOX_HIDE="relative/dir")
    limits = sandbox(CAMPFIRE_SANDBOX_DISK="10", CAMPFIRE_SANDBOX_CPU_TIME="0").rlimits()
    assert limits["RLIMIT_FSIZE"] == [10 << 20] * 2 and "RLIMIT_CPU" not in limits
    assert limits["RLIMIT_CORE"] == [0, 0]
    assert not sandbox(CAMPFIRE_SANDBOX="off").enabled


def test_limit_messages_name_the_limit_and_its_size():
    config = sandbox(CAMPFIRE_SANDBOX_MEMORY="512", CAMPFIRE_SANDBOX_DISK="1024")
    assert outcomes.death(config, -9, new_oom_kills=1) == "memory limit of 512 MB exceeded"
    assert outcomes.death(config, -signal.SIGXCPU, 0) == "CPU time limit of 7200 s exceeded"
    assert outcomes.death(config, -11, 0) is None  # not a limit: reported as a crash
    error = outcomes.error
    assert error(config, "_ArrayMemoryError", "Unable to allocate 50 GiB").startswith(
        "memory limit of 512 MB exceeded: the allocation failed")
    assert error(config, "OSError", "[Errno 28] No space left on device").startswith(
        "disk quota of 1 GB exceeded")
    assert error(config, "OSError", "[Errno 27] File too large") == \
        "file size limit of 1 GB exceeded"
    assert error(config, "BlockingIOError", "[Errno 11] Resource temporarily unavailable") \
        .startswith("process limit of 512")
    assert error(config, "RuntimeError", "can't start new thread").startswith("process limit")
    assert error(config, "OSError", "[Errno 24] Too many open files") == \
        "open files limit of 1024 reached"
    assert error(config, "KeyError", "'x'") is None


def test_uid_leases_are_exclusive_across_pools_and_kill_leftovers(tmp_path):
    first, second = UidPool(2_100_000, 2, tmp_path), UidPool(2_100_000, 2, tmp_path)
    a, b = first.acquire(), second.acquire()
    assert a.uid != b.uid  # two workers on one host never share a uid
    with pytest.raises(RuntimeError, match="in use"):
        second.acquire()
    # A process left under a uid (a worker died) is killed before the uid is leased again.
    left = subprocess.Popen(["setpriv", f"--reuid={a.uid}", f"--regid={a.uid}",
                             "--clear-groups", "sleep", "60"])
    deadline = time.monotonic() + 5
    while not processes_of(a.uid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processes_of(a.uid) == [left.pid]
    os.close(a.fd)  # the lease dies with its holder, the process does not
    again = second.acquire()
    assert again.uid == a.uid and left.wait(5) == -signal.SIGKILL
    second.release(again)
    first.release(b)


def test_a_kernel_cgroup_kill_reaches_daemons_that_left_the_process_group():
    cgroups = Cgroups()
    cgroups.setup()
    try:
        group = cgroups.create("unit", 256 << 20, 64, 0.5)
        # A shell in the group starts a setsid daemon and a double-forked one, then exits.
        script = ("echo $$ > {procs}; setsid sleep 300 & (sleep 300 &) ; "
                  "sleep 0.2").format(procs=group.dirs["freezer"] / "cgroup.procs")
        subprocess.run(["sh", "-c", script], check=True)
        daemons = group.pids()
        assert len(daemons) == 2, daemons  # both outlived their parent shell
        assert group.kill() and group.pids() == set()
        group.remove()
        assert not any(d.exists() for d in group.dirs.values())
    finally:
        cgroups.close()
