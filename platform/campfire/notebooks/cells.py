"""Validation of client-supplied cells and metadata, shared by create, update and import."""

import re

import nbformat
from django.conf import settings
from django.core.exceptions import ValidationError

CELL_TYPES = ("code", "markdown", "raw")
# nbformat 4.5's cell id schema.
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
TITLE_MAX = 200


def new_cell_id() -> str:
    return nbformat.v4.new_code_cell().id


def clean_title(title) -> str:
    if not isinstance(title, str):
        raise ValidationError("title must be a string")
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        raise ValidationError(f"title has at most {TITLE_MAX} characters")
    return title or "Untitled"


def clean_metadata(metadata, what="metadata") -> dict:
    if not isinstance(metadata, dict):
        raise ValidationError(f"{what} must be an object")
    return metadata


def clean_cells(cells, existing: dict[str, dict] | None = None) -> tuple[list[dict], set[str]]:
    """Validate incoming cells; return (content cells, ids whose outputs the client cleared).

    Cells without an id get a new one. Attachments a client does not send are kept from the
    existing cell with the same id. `outputs` may only be `[]` (clear): outputs belong to the
    execution path, never to the client.
    """
    if not isinstance(cells, list):
        raise ValidationError("cells must be a list")
    if len(cells) > settings.CAMPFIRE_MAX_CELLS:
        raise ValidationError(f"a notebook has at most {settings.CAMPFIRE_MAX_CELLS} cells")
    existing = existing or {}
    cleaned, cleared, seen = [], set(), set()
    for index, cell in enumerate(cells):
        where = f"cells[{index}]"
        if not isinstance(cell, dict):
            raise ValidationError(f"{where} must be an object")
        cell_id = cell.get("id") or new_cell_id()
        if not isinstance(cell_id, str) or not CELL_ID.match(cell_id):
            raise ValidationError(f"{where}.id must be 1–64 letters, digits, '-' or '_'")
        if cell_id in seen:
            raise ValidationError(f"{where}.id {cell_id!r} is used by another cell")
        seen.add(cell_id)
        cell_type = cell.get("cell_type")
        if cell_type not in CELL_TYPES:
            raise ValidationError(f"{where}.cell_type must be one of {', '.join(CELL_TYPES)}")
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise ValidationError(f"{where}.source must be a string")
        out = {
            "id": cell_id,
            "cell_type": cell_type,
            "source": source,
            "metadata": clean_metadata(cell.get("metadata", {}), f"{where}.metadata"),
        }
        if "outputs" in cell:
            if cell["outputs"] != []:
                raise ValidationError(
                    f"{where}.outputs can only be [] (clear them): outputs are written by running the cell"
                )
            cleared.add(cell_id)
        if cell_type != "code":
            attachments = cell.get("attachments", existing.get(cell_id, {}).get("attachments"))
            if attachments is not None:
                out["attachments"] = clean_metadata(attachments, f"{where}.attachments")
        elif cell.get("attachments"):
            raise ValidationError(f"{where}.attachments: code cells have no attachments (only markdown and raw cells)")
        cleaned.append(out)
    return cleaned, cleared
