"""The tutorial format (tutorials/README.md) as checks: one notebook, then the whole collection.

Standard library only, working on notebooks as plain dicts (``json.load`` of the .ipynb), so
the platform's sync can reuse it. Every function returns a list of human-readable problems;
an empty list means valid.
"""
from __future__ import annotations

import re

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILENAME = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.ipynb$")
LEVELS = ("beginner", "intermediate", "advanced")
REVEAL = ("after_attempt", "always", "never")
TUTORIAL_KEYS = {"slug", "title", "summary", "level", "minutes", "tags", "prerequisites",
                 "order", "version", "reveal_solution"}
EXERCISE_KEYS = {"id", "title", "hints", "solution", "check"}
MIN_EXERCISES = 2
MAX_BYTES = 300_000


def tutorial_meta(nb: dict) -> dict | None:
    meta = ((nb.get("metadata") or {}).get("campfire") or {}).get("tutorial")
    return meta if isinstance(meta, dict) else None


def exercise_meta(cell: dict) -> dict | None:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return None
    meta = ((cell.get("metadata") or {}).get("campfire") or {}).get("exercise")
    return meta if isinstance(meta, dict) else None


def source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def exercises(nb: dict) -> list[tuple[int, dict]]:
    """(cell index, exercise metadata) of every exercise cell, in order."""
    found = []
    for index, cell in enumerate(nb.get("cells") or []):
        meta = exercise_meta(cell)
        if meta is not None:
            found.append((index, meta))
    return found


def validate_notebook(nb: dict, filename: str | None = None, size: int | None = None) -> list[str]:
    """Problems of one tutorial notebook (not those that need the other tutorials)."""
    problems: list[str] = []
    if nb.get("nbformat") != 4 or not isinstance(nb.get("nbformat_minor"), int) \
            or nb["nbformat_minor"] < 5:
        problems.append("must be nbformat 4.5 or later (cell ids)")
    if size is not None and size > MAX_BYTES:
        problems.append(f"is {size} bytes; keep a tutorial under {MAX_BYTES} (smaller figures)")
    cells = nb.get("cells")
    if not isinstance(cells, list) or not cells:
        return problems + ["has no cells"]
    ids = [cell.get("id") for cell in cells if isinstance(cell, dict)]
    if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
        problems.append("every cell needs a unique id")
    meta = tutorial_meta(nb)
    if meta is None:
        problems.append("metadata.campfire.tutorial is missing")
    else:
        problems += _validate_meta(meta, filename)
    problems += _validate_exercises(cells)
    return problems


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nonempty_str(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _validate_meta(meta: dict, filename: str | None) -> list[str]:
    problems = [f"tutorial metadata lacks {key!r}" for key in sorted(TUTORIAL_KEYS - meta.keys())]
    problems += [f"tutorial metadata has unknown key {key!r}"
                 for key in sorted(meta.keys() - TUTORIAL_KEYS)]
    get = meta.get
    if "slug" in meta and not (isinstance(get("slug"), str) and SLUG.match(get("slug"))):
        problems.append("slug must be lowercase words joined by '-'")
    for key in ("title", "summary"):
        if key in meta and not _nonempty_str(get(key)):
            problems.append(f"{key} must be a non-empty string")
    if "level" in meta and get("level") not in LEVELS:
        problems.append(f"level must be one of {', '.join(LEVELS)}")
    if "reveal_solution" in meta and get("reveal_solution") not in REVEAL:
        problems.append(f"reveal_solution must be one of {', '.join(REVEAL)}")
    for key in ("minutes", "order", "version"):
        if key in meta and not (_is_int(get(key)) and get(key) >= 1):
            problems.append(f"{key} must be a positive integer")
    if "tags" in meta and not (isinstance(get("tags"), list)
                               and all(_nonempty_str(t) for t in get("tags"))):
        problems.append("tags must be a list of non-empty strings")
    if "prerequisites" in meta:
        prereqs = get("prerequisites")
        if not (isinstance(prereqs, list) and all(isinstance(p, str) and SLUG.match(p)
                                                  for p in prereqs)):
            problems.append("prerequisites must be a list of tutorial slugs")
        elif get("slug") in prereqs:
            problems.append("a tutorial cannot be its own prerequisite")
    if filename is not None:
        match = FILENAME.match(filename)
        if not match:
            problems.append(f"file name {filename!r} must look like NN-slug.ipynb")
        else:
            if match.group(2) != get("slug"):
                problems.append(f"file name slug {match.group(2)!r} differs from slug {get('slug')!r}")
            if _is_int(get("order")) and int(match.group(1)) != get("order"):
                problems.append(f"file number {match.group(1)} differs from order {get('order')}")
    return problems


def _compiles(source: str, what: str) -> list[str]:
    try:
        compile(source, what, "exec")
    except SyntaxError as exc:
        return [f"{what} does not compile: {exc.msg} (line {exc.lineno})"]
    return []


def _validate_exercises(cells: list) -> list[str]:
    problems: list[str] = []
    found = [(i, meta) for i, meta in ((i, exercise_meta(c)) for i, c in enumerate(cells))
             if meta is not None]
    if len(found) < MIN_EXERCISES:
        problems.append(f"has {len(found)} exercises; a tutorial needs at least {MIN_EXERCISES}")
    seen: set[str] = set()
    for index, meta in found:
        ex_id = meta.get("id")
        name = f"exercise {ex_id!r}" if isinstance(ex_id, str) else f"exercise in cell {index}"
        problems += [f"{name} lacks {key!r}" for key in sorted(EXERCISE_KEYS - meta.keys())]
        problems += [f"{name} has unknown key {key!r}" for key in sorted(meta.keys() - EXERCISE_KEYS)]
        if not (isinstance(ex_id, str) and SLUG.match(ex_id)):
            problems.append(f"{name}: id must be lowercase words joined by '-'")
        elif ex_id in seen:
            problems.append(f"{name}: id is used twice")
        seen.add(ex_id)
        if "title" in meta and not _nonempty_str(meta["title"]):
            problems.append(f"{name}: title must be a non-empty string")
        hints = meta.get("hints")
        if "hints" in meta and not (isinstance(hints, list) and hints
                                    and all(_nonempty_str(h) for h in hints)):
            problems.append(f"{name}: hints must be a non-empty list of non-empty strings")
        for key in ("solution", "check"):
            if key in meta:
                if not _nonempty_str(meta[key]):
                    problems.append(f"{name}: {key} must be non-empty Python source")
                else:
                    problems += _compiles(meta[key], f"{name} {key}")
        starter = source_text(cells[index])
        problems += _compiles(starter, f"{name} starter")
        if isinstance(meta.get("solution"), str) and meta["solution"].strip() == starter.strip():
            problems.append(f"{name}: the starter is already the solution")
        if index == 0 or cells[index - 1].get("cell_type") != "markdown":
            problems.append(f"{name}: the cell above must be markdown stating the task")
    return problems


def validate_collection(notebooks: dict[str, dict]) -> list[str]:
    """Problems across tutorials: unique slugs and orders, prerequisites that exist, no cycles.
    ``notebooks`` maps a file name to its notebook."""
    problems: list[str] = []
    by_slug: dict[str, dict] = {}
    orders: dict[int, str] = {}
    for filename, nb in sorted(notebooks.items()):
        meta = tutorial_meta(nb) or {}
        slug, order = meta.get("slug"), meta.get("order")
        if isinstance(slug, str):
            if slug in by_slug:
                problems.append(f"{filename}: slug {slug!r} is used twice")
            by_slug[slug] = meta
        if _is_int(order):
            if order in orders:
                problems.append(f"{filename}: order {order} is also {orders[order]}'s")
            orders.setdefault(order, filename)
    for slug, meta in by_slug.items():
        for prereq in meta.get("prerequisites") or []:
            if isinstance(prereq, str) and prereq not in by_slug:
                problems.append(f"{slug}: prerequisite {prereq!r} is not a tutorial")
    problems += _cycles(by_slug)
    return problems


def _cycles(by_slug: dict[str, dict]) -> list[str]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(slug: str, path: list[str]) -> str | None:
        state[slug] = 1
        for prereq in by_slug[slug].get("prerequisites") or []:
            if prereq not in by_slug:
                continue
            if state.get(prereq) == 1:
                return " -> ".join(path + [prereq])
            if prereq not in state:
                found = visit(prereq, path + [prereq])
                if found:
                    return found
        state[slug] = 2
        return None

    for slug in sorted(by_slug):
        if slug not in state:
            cycle = visit(slug, [slug])
            if cycle:
                return [f"prerequisites form a cycle: {cycle}"]
    return []
