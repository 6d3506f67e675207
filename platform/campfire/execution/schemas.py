"""API shapes for live execution."""

from typing import Any, Literal

from ninja import Field, Schema

from workers.protocol import MAX_CODE_CHARS, MAX_INPUT_CHARS
from workers.query_protocol import MAX_CODE as MAX_QUERY_CODE

from campfire.notebooks.schemas import InputSchema


class RunIn(InputSchema):
    source: str | None = Field(
        None, max_length=MAX_CODE_CHARS,
        description="The code to run (what the editor shows, as Jupyter runs it); omitted: the cell's saved source.",
    )


class RunManyIn(InputSchema):
    cells: list[str] | None = Field(None, description="Cell ids to run, in this order (run above / below). Omitted: every code cell.")
    from_: str | None = Field(None, alias="from", description="First cell of a range (by id, inclusive), in notebook order.")
    to: str | None = Field(None, description="Last cell of a range (by id, inclusive).")
    sources: dict[str, str] | None = Field(None, description="Code to run instead of the saved source, by cell id.")
    restart: bool = Field(False, strict=True, description="Restart & run all: the runs start on a new kernel; runs queued before them do not run and a running one is stopped.")

    model_config = {**InputSchema.model_config, "populate_by_name": True}


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


class RuntimeIn(InputSchema):
    device: Literal["cpu", "gpu"] = Field(..., description="Where the notebook's kernel runs: cpu, or gpu (ember's default device is then cuda).")


class RuntimeOut(Schema):
    device: Literal["cpu", "gpu"]
    available: bool = Field(..., description="a worker of this device is running now")
    workers: int
    gpus: list[str] = Field([], description="the GPUs' names (gpu workers)")


class QueryIn(InputSchema):
    code: str = Field(..., max_length=MAX_QUERY_CODE, description="The cell's text as the editor shows it.")
    cursor_pos: int = Field(..., ge=0, description="The cursor, in Unicode code points from the start of `code` (as in the Jupyter protocol).")


class InspectIn(QueryIn):
    detail_level: Literal[0, 1] = Field(0, description="1: the source too, where the kernel has it (IPython's `??`).")


QueryStatus = Literal["ok", "busy", "no_kernel", "timeout", "error"]


class CompletionOut(Schema):
    text: str
    type: str = Field(..., description="function, module, instance, keyword, … (empty when the kernel does not say)")
    signature: str


class CompleteOut(Schema):
    status: QueryStatus = Field(..., description="ok: the kernel answered; otherwise why not (busy: a cell is running; no_kernel; timeout; error), with `message`.")
    message: str = ""
    matches: list[CompletionOut] = []
    cursor_start: int | None = Field(None, description="The completions replace code[cursor_start:cursor_end] (code points).")
    cursor_end: int | None = None


class InspectOut(Schema):
    status: QueryStatus
    message: str = ""
    found: bool = False
    text: str = Field("", description="Plain text: the signature and docstring, as IPython's `?` shows them.")
    truncated: bool = False


class InputIn(InputSchema):
    value: str = Field(..., max_length=MAX_INPUT_CHARS, description="What the user typed (without the newline).")


class InputOut(Schema):
    execution: str
    status: Literal["sent"]
