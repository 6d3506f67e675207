"""Running tutorials with nbclient: reference outputs, and the exercise checks in either mode.

A run prepares a copy of the notebook, executes it top to bottom in ONE fresh kernel with ember
importable, and reports wall time, cell errors and every check's result:

- ``reference``: the notebook as stored (starters), no checks; its outputs become the reference
  outputs (``fill_reference``).
- ``solution``: each exercise cell's source replaced by its solution, its check run right after
  it (``workers.exercises.check_cell_source``, exactly what the platform runs); all must pass.
- ``starter``: the starters as stored, each followed by its check; all must fail with a message.
- ``revisit``: the stored notebook run top to bottom first (starters), then each exercise solved
  at the end (its solution, then its check): a learner who runs everything before coming back to
  the exercises must pass too, so later cells must not clobber the names an exercise relies on.

The kernel runs unsandboxed, straight from nbclient: this tests content, not the sandbox.
"""
from __future__ import annotations

import copy
import hashlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tutorials import schema
from workers.exercises import FAIL, PASS, check_cell_source, parse_check_result

REPO = Path(__file__).resolve().parents[1]
TUTORIALS_DIR = REPO / "tutorials"
MODES = ("reference", "solution", "starter", "revisit")
MUST_PASS = ("solution", "revisit")
RUN_LIMIT_S = 60.0     # every tutorial runs on CPU in under a minute
CHECK_LIMIT_S = 2.0    # a check must be fast
CELL_TIMEOUT_S = 120   # nbclient's per-cell timeout (its default is none)


def tutorial_paths() -> list[Path]:
    return sorted(TUTORIALS_DIR.glob("[0-9][0-9]-*.ipynb"))


def load(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def sources_digest(nb) -> str:
    """Digest of the code cells' sources: what the stored reference outputs were computed from."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(schema.source_text(cell).encode() + b"\0")
    return digest.hexdigest()


def prepare(nb, mode: str):
    """A copy of ``nb`` ready to run in ``mode`` (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    prepared = copy.deepcopy(nb)
    if mode == "reference":
        return prepared
    cells, revisits = [], []
    for cell in prepared.cells:
        cells.append(cell)
        meta = schema.exercise_meta(cell)
        if meta is None:
            continue
        if mode == "revisit":
            again = nbformat.v4.new_code_cell(meta["solution"])
            again.id = f"revisit-{meta['id']}"[:64]
            revisits += [again, _check_cell(meta)]
            continue
        if mode == "solution":
            cell.source = meta["solution"]
        cells.append(_check_cell(meta))
    prepared.cells = cells + revisits
    return prepared


def _check_cell(meta):
    check = nbformat.v4.new_code_cell(check_cell_source(meta["check"], meta["id"]))
    check.id = f"check-{meta['id']}"[:64]
    check.metadata["campfire"] = {"check_for": meta["id"]}
    return check


@dataclass
class RunReport:
    mode: str
    wall: float
    notebook: nbformat.NotebookNode
    errors: list[tuple[str, str, str]] = field(default_factory=list)   # (cell id, ename, evalue)
    checks: dict[str, dict | None] = field(default_factory=dict)     # exercise id -> result
    check_seconds: dict[str, float] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What is wrong with this run, against what its mode must show."""
        found = [f"cell {cell} raised {name}: {value}" for cell, name, value in self.errors]
        if self.wall > RUN_LIMIT_S:
            found.append(f"took {self.wall:.1f} s; a tutorial must run in under {RUN_LIMIT_S:.0f} s")
        for ex_id, result in self.checks.items():
            status = result and result["status"]
            if result is None:
                found.append(f"check {ex_id!r} published no result")
            elif self.mode in MUST_PASS and status != PASS:
                found.append(f"check {ex_id!r} on the solution: {status}: {result['message']}")
            elif self.mode == "starter" and not (status == FAIL and result["message"].strip()):
                found.append(f"check {ex_id!r} on the starter must fail with a message, "
                             f"got {status}: {result['message']!r}")
        for ex_id, seconds in self.check_seconds.items():
            if seconds > CHECK_LIMIT_S:
                found.append(f"check {ex_id!r} took {seconds:.2f} s (limit {CHECK_LIMIT_S:.0f} s)")
        return found


def kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("EMBER_DEVICE", None)  # tutorials must run on CPU-only kernels
    # One BLAS thread, as a worker gives a kernel with the default CPU quota: on a busy machine
    # two threads stall small matmuls, which makes timings (and profiler tables) misleading.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def run(nb, mode: str, timeout: int = CELL_TIMEOUT_S) -> RunReport:
    """Execute ``nb`` in ``mode`` in one fresh kernel (see the module docstring)."""
    prepared = prepare(nb, mode)
    with tempfile.TemporaryDirectory(prefix="campfire-tutorial-") as sockets:
        # ipc sockets in a private directory, as on the workers: no TCP port, no warning about it
        km = KernelManager(kernel_name="python3", transport="ipc",
                           ip=os.path.join(sockets, "kernel"),
                           client_class="jupyter_client.asynchronous.AsyncKernelClient")
        client = NotebookClient(prepared, km=km, timeout=timeout, allow_errors=True,
                                record_timing=mode != "reference",
                                resources={"metadata": {"path": str(REPO)}})
        began = time.monotonic()
        try:
            client.execute(env=kernel_env())
        finally:
            wall = time.monotonic() - began
            if client.kc is not None:  # nbclient leaves the client and kernel it was handed
                client.kc.stop_channels()
            if km.has_kernel:
                km.shutdown_kernel(now=True)
            km.cleanup_resources()
    report = RunReport(mode=mode, wall=wall, notebook=prepared)
    for cell in prepared.cells:
        if cell.cell_type != "code":
            continue
        check_for = cell.metadata.get("campfire", {}).get("check_for")
        if check_for is not None:
            report.checks[check_for] = parse_check_result(cell.outputs, check_for)
            report.check_seconds[check_for] = _cell_seconds(cell)
        else:
            report.errors += [(cell.id, o.get("ename", ""), o.get("evalue", ""))
                              for o in cell.outputs if o.get("output_type") == "error"]
    return report


def _cell_seconds(cell) -> float:
    timing = cell.metadata.get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"])
        end = datetime.fromisoformat(timing["shell.execute_reply"])
    except (KeyError, ValueError):
        return 0.0
    return (end - start).total_seconds()


def fill_reference(path: Path) -> RunReport:
    """Execute the stored notebook (starters, no checks) and store its outputs as the reference
    outputs, with the digest of the sources they came from. Nothing is written if a cell fails."""
    nb = load(path)
    report = run(nb, "reference")
    if report.errors:
        return report
    executed = {cell.id: cell for cell in report.notebook.cells}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = executed[cell.id].outputs
            cell.execution_count = executed[cell.id].execution_count
    nb.metadata.setdefault("campfire", {})["reference"] = {
        "sources_sha256": sources_digest(nb),
        "python": "%d.%d" % sys.version_info[:2]}
    for key in ("kernelspec", "language_info"):
        if key in report.notebook.metadata:
            nb.metadata[key] = report.notebook.metadata[key]
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return report
