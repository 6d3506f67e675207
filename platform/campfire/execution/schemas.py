"""API shapes for live execution."""

from typing import Any, Literal

from ninja import Field, Schema

from workers.protocol import MAX_CODE_CHARS


class RunIn(Schema):
    source: str | None = Field(
        None, max_length=MAX_CODE_CHARS,
        description="The code to run (what the editor shows, as Jupyter runs it); omitted: the cell's saved source.",
    )


class RunManyIn(Schema):
    cells: list[str] | None = Field(None, description="Cell ids to run, in this order (run above / below). Omitted: every code cell.")
    from_: str | None = Field(None, alias="from", description="First cell of a range (by id, inclusive), in notebook order.")
    to: str | None = Field(None, description="Last cell of a range (by id, inclusive).")
    sources: dict[str, str] | None = Field(None, description="Code to run instead of the saved source, by cell id.")
    restart: bool = Field(False, description="Restart & run all: the runs start on a new kernel; runs queued before them do not run and a running one is stopped.")

    model_config = {"populate_by_name": True}


class RunOut(Schema):
    execution: str
    cell: str
    status: str
    session: str


class RunManyOut(Schema):
    executions: list[RunOut]


class KernelOut(Schema):
    session: str | None
    state: Literal["starting", "idle", "busy", "dead", "culled"]
    device: str
    worker: str
    message: str
    updated: str | None


class KernelSummary(Schema):
    notebook: str
    title: str
    state: str


class CapOut(Schema):
    detail: str
    kernels: list[KernelSummary] = []


class ExecutionOut(Schema):
    id: str
    kind: Literal["cell", "notebook", "check"]
    notebook: str
    cell: str | None
    status: Literal["queued", "running", "ok", "error", "interrupted", "timed_out", "kernel_died", "lost"]
    outputs: list[Any] = Field(..., description="nbformat v4 outputs (a whole-notebook run: per-cell results; an exercise check: always [], its result is the attempt's)")
    execution_count: int | None
    requested: str
    started: str | None
    finished: str | None
    duration: float | None = Field(None, description="seconds the cell ran")
    message: str = Field("", description="why, for timed_out / kernel_died / lost / interrupted")
    truncated: bool = Field(False, description="the output cap was hit")
    worker: str
    recorded: bool = Field(..., description="the final record is stored (status and outputs are final)")


class ExecutionConflictOut(Schema):
    detail: str
    execution: ExecutionOut | None = Field(None, description="the run in the way (a clean run under way), or the one that already ended")


class RuntimeIn(Schema):
    device: Literal["cpu", "gpu"] = Field(..., description="Where the notebook's kernel runs: cpu, or gpu (ember's default device is then cuda).")


class RuntimeOut(Schema):
    device: Literal["cpu", "gpu"]
    available: bool = Field(..., description="a worker of this device is running now")
    workers: int
    gpus: list[str] = Field([], description="the GPUs' names (gpu workers)")
