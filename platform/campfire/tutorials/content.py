"""A tutorial notebook (a plain dict, as `json.load` gives it) split into what learners may see
and what stays on the server.

Hidden: each exercise's `check`, `solution` and `hints` (hints are handed out one by one by the
API). Everything else is public: the cells with their reference outputs, exercise ids and titles,
and the catalog metadata. The public parts are built from allow-lists, so a key added to the
format later stays on the server until someone decides to show it.
"""

from __future__ import annotations

import hashlib
import json

from tutorials import schema

# Public keys of metadata.campfire.tutorial (all of them, today) and of an exercise's metadata.
PUBLIC_TUTORIAL_KEYS = ("slug", "title", "summary", "level", "minutes", "tags", "prerequisites", "order",
                        "version", "reveal_solution")
PUBLIC_EXERCISE_KEYS = ("id", "title")


def digest(nb: dict) -> str:
    """SHA-256 of the notebook's canonical JSON: what tells a content change from a re-save."""
    canonical = json.dumps(nb, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def public_metadata(nb: dict) -> dict:
    """Notebook metadata for learners: kernelspec, language, the catalog entry, the reference digest."""
    metadata = nb.get("metadata") or {}
    campfire = metadata.get("campfire") or {}
    public = {key: metadata[key] for key in ("kernelspec", "language_info") if key in metadata}
    tutorial = schema.tutorial_meta(nb) or {}
    public["campfire"] = {"tutorial": {key: tutorial[key] for key in PUBLIC_TUTORIAL_KEYS if key in tutorial}}
    if isinstance(campfire.get("reference"), str):
        public["campfire"]["reference"] = campfire["reference"]
    return public


def _public_cell_metadata(cell: dict) -> dict:
    metadata = {key: value for key, value in (cell.get("metadata") or {}).items() if key != "campfire"}
    exercise = schema.exercise_meta(cell)
    if exercise is not None:
        metadata["campfire"] = {"exercise": {key: exercise[key] for key in PUBLIC_EXERCISE_KEYS if key in exercise}}
    return metadata


def public_cells(nb: dict) -> list[dict]:
    """The cells as the platform's notebook contract has them (docs/API.md), reference outputs
    included, without hidden data."""
    cells = []
    for cell in nb.get("cells") or []:
        out = {"id": cell["id"], "cell_type": cell["cell_type"], "source": schema.source_text(cell),
               "metadata": _public_cell_metadata(cell)}
        if cell["cell_type"] == "code":
            out["outputs"] = cell.get("outputs") or []
            out["execution_count"] = cell.get("execution_count")
        elif "attachments" in cell:
            out["attachments"] = cell["attachments"]
        cells.append(out)
    return cells


def starter_cells(public: list[dict]) -> list[dict]:
    """A learner's fresh copy: the public cells without outputs (they run them themselves)."""
    return [{key: value for key, value in cell.items() if key not in ("outputs", "execution_count")} for cell in public]


def code_cell_ids(nb: dict) -> list[str]:
    return [cell["id"] for cell in nb.get("cells") or [] if cell.get("cell_type") == "code"]


def exercise_rows(nb: dict) -> list[dict]:
    """Every exercise with its cell, hidden parts included (server side only)."""
    cells = nb.get("cells") or []
    return [
        {"exercise_id": meta["id"], "cell_id": cells[index]["id"], "title": meta["title"], "position": position,
         "hints": list(meta["hints"]), "solution": meta["solution"], "check_source": meta["check"]}
        for position, (index, meta) in enumerate(schema.exercises(nb))
    ]
