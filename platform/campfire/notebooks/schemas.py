"""API request/response shapes (the contract's notebook JSON)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from ninja import Field, Schema

CellType = Literal["code", "markdown", "raw"]
VisibilityName = Literal["private", "unlisted", "public"]
# Version numbers are stored as a PostgreSQL integer.
VERSION_MAX = 2**31 - 1


class InputSchema(Schema):
    """A request body: an unknown field is a 400 naming it, never silently ignored (a typo such as
    "visiblity" must not look like a successful save)."""

    model_config = {"extra": "forbid"}


class CellIn(InputSchema):
    id: str | None = Field(None, description="Keep an existing cell's id; omit for a new cell (the server assigns one).")
    cell_type: CellType
    source: str = ""
    metadata: dict[str, Any] = {}
    outputs: list[Any] | None = Field(None, description="Only [] is accepted: it clears the cell's stored outputs.")
    attachments: dict[str, Any] | None = None


class NotebookCreate(InputSchema):
    title: str = Field("", max_length=200)
    # Also checked (with the current setting) when the cells are cleaned; here it stops 100k
    # cells before each is validated.
    cells: list[CellIn] = Field([], max_length=settings.CAMPFIRE_MAX_CELLS)
    metadata: dict[str, Any] | None = None
    visibility: VisibilityName = "private"


class NotebookPatch(InputSchema):
    version: int = Field(..., strict=True, ge=1, le=VERSION_MAX,
                         description="The version this change is based on (an integer); a stale one gets 409.")
    title: str | None = Field(None, max_length=200)
    visibility: VisibilityName | None = None
    metadata: dict[str, Any] | None = None
    cells: list[CellIn] | None = Field(None, max_length=settings.CAMPFIRE_MAX_CELLS, description="Replaces order, sources, types and metadata.")


class NotebookSummary(Schema):
    id: UUID
    title: str
    visibility: VisibilityName
    version: int
    owner: str
    created: datetime
    updated: datetime
    forked_from: UUID | None


class NotebookOut(NotebookSummary):
    metadata: dict[str, Any]
    cells: list[dict[str, Any]] = Field(
        ...,
        description='{"id", "cell_type", "source", "metadata", "outputs", "execution_count" and "displays" '
        '({display id: [output indexes]}, read-only) (code cells), "attachments" (markdown/raw, if present)}',
    )


class MarkdownIn(InputSchema):
    source: str = Field(..., max_length=1_000_000)
    attachments: dict[str, Any] | None = None


class MarkdownOut(Schema):
    html: str


class ErrorOut(Schema):
    detail: str


class ConflictOut(Schema):
    detail: str
    current: NotebookOut
