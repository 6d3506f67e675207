"""glibc malloc tuning: freed memory is reused (no page faults), and EMBER_MALLOC_TUNING=0 opts out."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROBE = """
import json, resource, sys
import numpy as np
import ember
# No transparent huge pages: with them an untuned run may take 21 faults or 532 depending on what
# the kernel has free (flaky); with 4 KiB pages the untuned count is fixed (~10,000).
np._core.multiarray._set_madvise_hugepage(False)
faults = []
for _ in range(12):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(10 << 20, np.float32)     # 40 MiB: always mmapped (and returned) by an untuned glibc
    del a
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
print(json.dumps({"tuned": ember._malloc.MALLOC_TUNED, "faults": sorted(faults[2:])[len(faults[2:]) // 2],
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "scipy", "django"))}))
"""


def _probe(**env):
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, "PYTHONPATH": ROOT, **env}, check=True)
    return json.loads(out.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc tuning is Linux-only")
def test_tuning_removes_page_faults_and_can_be_disabled():
    tuned = _probe()
    assert tuned["tuned"] is True and tuned["faults"] < 10
    plain = _probe(EMBER_MALLOC_TUNING="0")
    assert plain["tuned"] is False and plain["faults"] > 1000     # fresh 4 KiB pages each time


def test_import_needs_numpy_only():
    assert _probe()["modules"] == []
