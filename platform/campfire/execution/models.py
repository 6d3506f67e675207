"""Runs of notebook cells and the kernel sessions they run in.

The workers own the truth about kernels (Redis: claims, streams, markers); these rows are the
platform's record of it: an `Execution` per run request (created in the transaction that decides
to send it, finished by the record task) and a `KernelSession` per notebook and user, whose
`state` is derived from the session's events (docs/EXECUTION.md: "A platform KernelSession
state follows from the events"; see selectors.kernel_state_from_events).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class KernelState(models.TextChoices):
    STARTING = "starting", "Starting"
    IDLE = "idle", "Idle"
    BUSY = "busy", "Busy"
    DEAD = "dead", "Dead"
    CULLED = "culled", "Stopped (idle)"


# States in which the session holds (or is about to hold) a kernel on some worker.
ACTIVE_STATES = (KernelState.STARTING, KernelState.IDLE, KernelState.BUSY)


class KernelSession(models.Model):
    """One notebook's kernel session for one user; its id names the Redis stream and claim."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notebook = models.ForeignKey("notebooks.Notebook", on_delete=models.CASCADE, related_name="kernel_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kernel_sessions")
    device = models.CharField(max_length=8, default="cpu")
    generation = models.PositiveIntegerField(default=0, help_text="Bumped when the runtime changes: a new session id for the workers.")
    state = models.CharField(max_length=10, choices=KernelState.choices, default=KernelState.DEAD)
    worker = models.CharField(max_length=128, blank=True)
    state_message = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notebook", "user"], name="kernel_session_unique_notebook_user")]
        indexes = [models.Index(fields=["user", "state"], name="kernel_session_user_state")]

    def __str__(self):
        return f"{self.notebook_id} ({self.state})"

    @property
    def key(self) -> str:
        """The session id the workers know (Redis keys, routing). A runtime change (CPU <-> GPU) gives a new one,
        so nothing of the old kernel's routing, claim or stream can reach the new device's kernel."""
        return str(self.id) if not self.generation else f"{self.id}.g{self.generation}"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    ERROR = "error", "Error"
    INTERRUPTED = "interrupted", "Interrupted"
    TIMED_OUT = "timed_out", "Timed out"
    KERNEL_DIED = "kernel_died", "Kernel died"
    LOST = "lost", "Lost"


PENDING_STATUSES = (Status.QUEUED, Status.RUNNING)
FINAL_STATUSES = tuple(s for s in Status.values if s not in PENDING_STATUSES)
FAILED_STATUSES = (Status.ERROR, Status.TIMED_OUT, Status.KERNEL_DIED, Status.LOST)


class Kind(models.TextChoices):
    CELL = "cell", "Cell"
    NOTEBOOK = "notebook", "Whole notebook"
    CHECK = "check", "Exercise check"


# The cell name a check execution has on the execution side (events, records): a notebook cell id
# never contains ":", so the WebSocket can tell a check's events apart (and keep its outputs,
# which may quote the hidden check code, from the browser) without asking the database.
CHECK_CELL_PREFIX = "check:"


class Execution(models.Model):
    """One run of one cell's code (a snapshot: the cell may change or disappear afterwards), or
    of a whole notebook in a fresh kernel (kind "notebook": `outputs` holds the per-cell results),
    or an exercise's hidden check run after its cell (kind "check": `cell_id` is the exercise
    cell; its outputs are the grader's, never stored in the notebook nor shown to the learner)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CELL)
    notebook = models.ForeignKey("notebooks.Notebook", on_delete=models.CASCADE, related_name="executions")
    session = models.ForeignKey(KernelSession, on_delete=models.CASCADE, related_name="executions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="executions")
    cell_id = models.CharField(max_length=64, blank=True)
    code = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    seq = models.PositiveIntegerField(null=True, blank=True, help_text="The run's number in its session (from the record).")
    execution_count = models.PositiveIntegerField(null=True, blank=True)
    outputs = models.JSONField(default=list, blank=True)
    truncated = models.BooleanField(default=False)
    message = models.CharField(max_length=2000, blank=True)
    worker = models.CharField(max_length=128, blank=True)
    requested = models.DateTimeField(default=timezone.now, editable=False)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds the cell ran.")
    recorded = models.DateTimeField(null=True, blank=True, help_text="When the final record was stored.")
    outputs_stored = models.BooleanField(default=False, help_text="Its outputs are the ones the cell holds now (one execution per cell).")
    display_updates = models.JSONField(default=dict, blank=True, help_text=(
        "The last update this run gave each display id of other cells ({display id: output}): applied again when "
        "the record of the cell showing that display arrives after this one."))

    class Meta:
        ordering = ["-requested"]
        indexes = [
            models.Index(fields=["user", "status"], name="execution_user_status"),
            models.Index(fields=["notebook", "cell_id", "-requested"], name="execution_cell_recent"),
            models.Index(fields=["status", "-finished"], name="execution_status_finished"),
        ]

    def __str__(self):
        return f"{self.id} {self.cell_id} {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def stream_session(self) -> str:
        """The stream its events go to: a clean (whole-notebook) run has its own, never the live kernel's."""
        return f"run-{self.id}" if self.kind == Kind.NOTEBOOK else self.session.key

    @property
    def stream_cell(self) -> str:
        """The cell name the workers get: the cell id, prefixed for a check execution."""
        return CHECK_CELL_PREFIX + self.cell_id if self.kind == Kind.CHECK else self.cell_id
