"""API shapes for tutorials. None of them has a field for an exercise's check."""

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from campfire.notebooks.schemas import InputSchema
from workers.protocol import MAX_CODE_CHARS


class ProgressOut(Schema):
    state: Literal["not_started", "in_progress", "completed"]
    percent: int
    cells_run: int
    cells_total: int
    exercises_passed: int
    exercises_total: int
    completed: bool = Field(..., description="every exercise passed and every code cell run (of this copy; a tutorial: of its newest copy)")
    last_activity: datetime | None


class PrerequisiteOut(Schema):
    slug: str
    title: str


class TutorialSummaryOut(Schema):
    slug: str
    title: str
    summary: str
    level: Literal["beginner", "intermediate", "advanced"]
    minutes: int
    tags: list[str]
    prerequisites: list[PrerequisiteOut]
    order: int
    version: int = Field(..., description="the current version")
    url: str
    progress: ProgressOut | None = Field(..., description="the caller's progress; null when anonymous")


class CopyOut(Schema):
    notebook: str
    title: str
    version: int
    created: str
    url: str
    progress: ProgressOut


class ExercisePublicOut(Schema):
    id: str
    title: str
    cell: str
    hints_total: int


class TutorialOut(TutorialSummaryOut):
    reveal_solution: Literal["after_attempt", "always", "never"]
    metadata: dict[str, Any]
    cells: list[dict[str, Any]] = Field(..., description="the notebook's cells with reference outputs (docs/API.md's cell JSON)")
    exercises: list[ExercisePublicOut]
    copies: list[CopyOut] = Field(..., description="the caller's copies, newest first")


class StartOut(Schema):
    notebook: str
    version: int
    created: bool = Field(..., description="false: the caller already had a copy of this version")
    url: str


class LearningOut(Schema):
    slug: str
    title: str
    url: str
    progress: ProgressOut
    continue_url: str
    version: int = Field(..., description="version of the newest copy")
    newest_version: int
    update_available: bool
    copies: list[CopyOut]


class CheckIn(InputSchema):
    source: str | None = Field(None, max_length=MAX_CODE_CHARS, description="The exercise cell's code (the editor's text); omitted: the saved source.")


class CheckOut(Schema):
    attempt: str
    exercise: str
    status: Literal["pending"]
    execution: str = Field(..., description="the exercise cell's run (events on the WebSocket as for any run)")
    check: str = Field(..., description="the check execution; its result arrives as a `check` event")
    session: str


class HintOut(Schema):
    text: str
    html: str


class AttemptOut(Schema):
    id: str
    status: Literal["pending", "pass", "fail", "error"]
    message: str
    created: str
    graded: str | None


class ExerciseOut(Schema):
    exercise: str
    id: str
    title: str
    cell: str
    status: Literal["not_attempted", "pending", "pass", "fail", "error"] = Field(..., description="of the latest attempt")
    message: str
    solved: bool = Field(..., description="some attempt passed")
    attempts: list[AttemptOut] = Field(..., description="the latest 10, newest first")
    hints: list[HintOut] = Field(..., description="the hints revealed so far")
    hints_total: int
    solution_available: bool = Field(..., description="GET …/solution would answer now")
    solution: str | None = Field(..., description="once revealed with GET …/solution")


class HintRevealOut(Schema):
    index: int = Field(..., description="1 for the first hint")
    hint: HintOut
    hints: list[HintOut]
    remaining: int


class SolutionOut(Schema):
    exercise: str
    solution: str
