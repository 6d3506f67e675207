"""The kernel launcher seam: private directories, an allow-listed environment."""
from __future__ import annotations

import stat

from workers.config import WorkerConfig
from workers.launcher import STARTUP_FILE, KernelLauncher


def test_kernel_gets_private_dirs_and_no_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "django-insecure")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db/x")
    monkeypatch.setenv("CAMPFIRE_BROKER_URL", "redis://:pw@broker/0")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("LANG", "C.UTF-8")
    launcher = KernelLauncher(WorkerConfig.from_env({"CAMPFIRE_KERNEL_PREIMPORT": "numpy"}),
                              tmp_path / "kernels")
    paths = launcher.prepare("k-test")
    for directory in (paths.root, paths.conn, paths.home):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    env = launcher.environment(paths)
    assert not {"SECRET_KEY", "DATABASE_URL", "CAMPFIRE_BROKER_URL",
                "AWS_SECRET_ACCESS_KEY"} & set(env)
    assert env["LANG"] == "C.UTF-8" and env["HOME"] == str(paths.home)
    assert env["CAMPFIRE_PREIMPORT"] == "numpy"
    assert env["MPLBACKEND"] == "module://matplotlib_inline.backend_inline"
    command = launcher.command(paths)
    assert "{connection_file}" in command and str(STARTUP_FILE) in " ".join(command)
    assert launcher.kernel_spec(paths).interrupt_mode == "message"
    launcher.cleanup(paths)
    assert not paths.root.exists()


def test_a_gpu_workers_device_settings_reach_the_kernel(tmp_path, monkeypatch):
    """docker-compose's gpu service sets EMBER_DEVICE=cuda on the worker: its kernels must see it (and the
    GPUs the host gives that worker), or ember would train on the CPU there."""
    monkeypatch.setenv("EMBER_DEVICE", "cuda")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    launcher = KernelLauncher(WorkerConfig.from_env({"CAMPFIRE_KERNEL_PREIMPORT": "numpy"}), tmp_path / "kernels")
    paths = launcher.prepare("k-gpu")
    env = launcher.environment(paths)
    assert env["EMBER_DEVICE"] == "cuda" and env["CUDA_VISIBLE_DEVICES"] == "1"
    monkeypatch.delenv("EMBER_DEVICE")
    assert "EMBER_DEVICE" not in launcher.environment(paths)       # a CPU worker's kernels default to the CPU
    launcher.cleanup(paths)
