"""/api/… for live execution: run cells, kernel commands, executions. Thin: parse, check the
cells, call a service, shape the answer. Owner only (others get 404, or 403 on a notebook they
can read but not change, as for every write)."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Router, Status

from campfire.execution import selectors, services, stdin
from campfire.execution.schemas import (CapOut, ExecutionConflictOut, ExecutionOut, InputIn, InputOut, KernelOut, KernelSummary, RunIn, RunManyIn,
                                        RunManyOut, RunOut, RuntimeIn, RuntimeOut)
from campfire.notebooks.schemas import ErrorOut
from campfire.notebooks.selectors import notebook_get_owned

router = Router(tags=["execution"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: CapOut, 503: ErrorOut}


def _code_cell(notebook, cell_id: str) -> dict:
    cell = next((c for c in notebook.cells if c["id"] == cell_id), None)
    if cell is None:
        raise Http404(f"cell {cell_id!r} is not in the saved notebook (save it first)")
    if cell["cell_type"] != "code":
        raise ValidationError(f"cell {cell_id!r} is a {cell['cell_type']} cell; only code cells run")
    return cell


def _selected(notebook, payload: RunManyIn) -> list[dict]:
    if payload.cells is not None:
        if len(set(payload.cells)) != len(payload.cells):
            raise ValidationError("cells: each cell can be listed once")
        return [_code_cell(notebook, cell_id) for cell_id in payload.cells]
    ids = [c["id"] for c in notebook.cells]
    start = ids.index(payload.from_) if payload.from_ in ids else None
    end = ids.index(payload.to) if payload.to in ids else None
    for name, value, index in (("from", payload.from_, start), ("to", payload.to, end)):
        if value is not None and index is None:
            raise Http404(f"{name}: cell {value!r} is not in the saved notebook (save it first)")
    chosen = notebook.cells[start or 0 : (len(ids) if end is None else end + 1)]
    return [c for c in chosen if c["cell_type"] == "code"]


def _answer(executions) -> list[dict]:
    # `session`: the id the workers and the event stream use (`<uuid>.g<n>` after a runtime change), as GET …/kernel says.
    return [{"execution": str(e.id), "cell": e.cell_id, "status": e.status, "session": e.session.key} for e in executions]


@router.post("/notebooks/{notebook_id}/cells/{cell_id}/run", response={202: RunOut, **ERRORS})
def run_cell(request, notebook_id: UUID, cell_id: str, payload: RunIn | None = None):
    """Queue one code cell. Runs `source` when given (the editor's text), else the saved source;
    the code is kept with the execution. Outputs stream over `ws/notebooks/{id}/`."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    cell = _code_cell(notebook, cell_id)
    source = payload.source if payload is not None and payload.source is not None else cell["source"]
    executions = services.execution_request(notebook=notebook, user=request.auth, runs=[(cell_id, source)])
    return Status(202, _answer(executions)[0])


@router.post("/notebooks/{notebook_id}/run-all", response={202: RunManyOut, **ERRORS})
def run_many(request, notebook_id: UUID, payload: RunManyIn | None = None):
    """Queue several code cells in order: all of them, a `cells` list (run above / below), or a
    `from`/`to` range; markdown and raw cells in a range are skipped. `restart`: on a new kernel."""
    payload = payload or RunManyIn()
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    cells = _selected(notebook, payload)
    sources = payload.sources or {}
    unknown = set(sources) - {c["id"] for c in cells}
    if unknown:
        raise ValidationError(f"sources: cells {sorted(unknown)} are not among the cells to run")
    if not cells:
        raise ValidationError("there are no code cells to run")
    runs = [(c["id"], sources.get(c["id"], c["source"])) for c in cells]
    executions = services.execution_request(notebook=notebook, user=request.auth, runs=runs, fresh_kernel=payload.restart)
    return Status(202, {"executions": _answer(executions)})


def _command(request, notebook_id: UUID, command: str):
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    session = services.session_command(notebook=notebook, user=request.auth, command=command)
    return Status(202, selectors.kernel_detail(session=session))


@router.post("/notebooks/{notebook_id}/interrupt", response={202: KernelOut, **ERRORS})
def interrupt(request, notebook_id: UUID):
    """Interrupt the running cell; cells queued behind it do not run (they end "interrupted")."""
    return _command(request, notebook_id, "interrupt")


@router.post("/notebooks/{notebook_id}/restart", response={202: KernelOut, **ERRORS})
def restart(request, notebook_id: UUID):
    """Replace the kernel with a fresh one (all variables are lost); queued cells do not run."""
    return _command(request, notebook_id, "restart")


@router.post("/notebooks/{notebook_id}/shutdown", response={202: KernelOut, **ERRORS})
def shutdown(request, notebook_id: UUID):
    """Stop the kernel and free its place under the per-user kernel cap."""
    return _command(request, notebook_id, "shutdown")


@router.get("/notebooks/{notebook_id}/kernel", response={200: KernelOut, **ERRORS})
def kernel(request, notebook_id: UUID):
    """The notebook's kernel session: state (starting, idle, busy, dead, culled), device, worker."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    session = selectors.session_get(notebook=notebook, user=request.auth)
    if session is not None:
        session = services.kernel_session_refresh(session=session)
    return selectors.kernel_detail(session=session, notebook=notebook)


@router.get("/runtimes", response={200: list[RuntimeOut], **ERRORS})
def runtimes(request):
    """The runtimes a notebook can use (cpu, gpu) and whether a worker of each is running now."""
    return selectors.runtimes()


@router.put("/notebooks/{notebook_id}/runtime", response={200: KernelOut, 409: ExecutionConflictOut, **ERRORS})
def set_runtime(request, notebook_id: UUID, payload: RuntimeIn):
    """Move my kernel for this notebook to another runtime: the current kernel is shut down (its
    variables are lost, runs still waiting do not run) and the next run starts on the new device.
    409 when no worker of that device is running. The same device: nothing changes."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    session = services.runtime_change(notebook=notebook, user=request.auth, device=payload.device)
    return selectors.kernel_detail(session=session)


@router.get("/kernels", response={200: list[KernelSummary], **ERRORS})
def my_kernels(request):
    """My notebooks that hold a kernel now (what the per-user cap counts)."""
    return selectors.kernel_summaries(sessions=selectors.kernels_in_use(user=request.auth))


@router.post("/notebooks/{notebook_id}/clean-runs", response={202: ExecutionOut, 409: ExecutionConflictOut, **ERRORS})
def clean_run(request, notebook_id: UUID):
    """Run the saved notebook top to bottom in a fresh kernel of its own, leaving the live kernel
    alone: does it run from scratch? Each cell that ran stores its outputs in the notebook; the
    result (per-cell statuses and outputs) is `GET /api/executions/{id}` once `recorded`, and the
    events stream over `ws/runs/{id}/`. One at a time per notebook (409 names the one under way)."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    if not any(c["cell_type"] == "code" for c in notebook.cells):
        raise ValidationError("there are no code cells to run")
    execution = services.notebook_run_request(notebook=notebook, user=request.auth)
    return Status(202, selectors.execution_detail(execution=execution))


@router.get("/notebooks/{notebook_id}/clean-runs", response={200: list[ExecutionOut], **ERRORS})
def clean_runs(request, notebook_id: UUID):
    """My latest clean runs of the notebook (ten), newest first."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    return [selectors.execution_detail(execution=e) for e in selectors.notebook_runs_recent(notebook=notebook, user=request.auth)]


@router.post("/executions/{execution_id}/cancel", response={202: ExecutionOut, 409: ExecutionConflictOut, **ERRORS})
def cancel(request, execution_id: str):
    """Stop a clean run: the running cell is interrupted (its kernel killed if it ignores that) and
    the rest do not run; one still queued never starts. It ends `interrupted` (409 if it already ended)."""
    execution = selectors.execution_get_owned(execution_id=execution_id, user=request.auth)
    services.notebook_run_cancel(execution=execution)
    return Status(202, selectors.execution_detail(execution=execution))


@router.post("/executions/{execution_id}/input", response={202: InputOut, 409: ExecutionConflictOut, **ERRORS})
def answer_input(request, execution_id: str, payload: InputIn):
    """Answer the input() (or getpass()) a running cell is waiting on (its `input_request` event). The
    cell goes on with it; what was entered shows in its output (a password as dots). 409 when the run ended."""
    execution = selectors.execution_get_owned(execution_id=execution_id, user=request.auth)
    stdin.input_send(execution=execution, value=payload.value)
    return Status(202, {"execution": str(execution.id), "status": "sent"})


@router.get("/executions/{execution_id}", response={200: ExecutionOut, **ERRORS})
def execution(request, execution_id: str):
    """One run: status, outputs (final once `recorded`), execution count and times."""
    return selectors.execution_detail(execution=selectors.execution_get_owned(execution_id=execution_id, user=request.auth))
