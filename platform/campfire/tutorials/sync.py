"""`manage.py sync_tutorials`: load tutorials/NN-slug.ipynb into the database, idempotently.

Each file is checked with the content tooling's own rules (`tutorials.schema`: the notebook, then
the collection) and with the platform's notebook import rules (`parse_ipynb`, `clean_cells`),
then written in a transaction of its own, so a broken tutorial is refused with its problems and
the others load. A file whose content is unchanged (same digest) changes nothing; new content
under a new `version` number becomes a new `TutorialVersion` and the tutorial's current one;
old versions stay, since learners' copies point at them. New content under a version number
already loaded is refused: the number is what learners see ("Update to v3").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tutorials import schema

from campfire.notebooks.cells import clean_cells
from campfire.notebooks.exceptions import NotebookImportError
from campfire.notebooks.ipynb import parse_ipynb
from campfire.tutorials import content
from campfire.tutorials.models import Exercise, Tutorial, TutorialVersion

CATALOG_FIELDS = ("title", "summary", "level", "minutes", "tags", "prerequisites", "order", "reveal_solution")


@dataclass
class SyncResult:
    filename: str
    outcome: str  # created | updated | unchanged | refused
    slug: str | None = None
    version: int | None = None
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        if self.outcome == "refused":
            return f"{self.filename}: REFUSED\n" + "\n".join(f"  - {p}" for p in self.problems)
        what = {"created": "loaded", "updated": "updated to", "unchanged": "unchanged,"}[self.outcome]
        return f"{self.filename}: {what} v{self.version} ({self.slug})"


def _platform_problems(raw: bytes, nb: dict) -> list[str]:
    """What the platform's own notebook rules refuse (a learner's copy must be a valid notebook)."""
    try:
        parse_ipynb(raw)
        clean_cells(content.starter_cells(content.public_cells(nb)))
    except NotebookImportError as exc:
        return [str(exc)]
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _read(path: Path) -> tuple[dict | None, list[str]]:
    raw = path.read_bytes()
    try:
        nb = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        return None, [f"not valid JSON: {exc}"]
    if not isinstance(nb, dict):
        return None, ["not a notebook (the file is not a JSON object)"]
    problems = schema.validate_notebook(nb, filename=path.name, size=len(raw))
    return nb, problems or _platform_problems(raw, nb)


def _loaded_elsewhere(slugs: set[str]) -> dict[str, dict]:
    """Tutorials already loaded but not in this folder, as stubs: prerequisites may name them."""
    stubs = {}
    for slug, prerequisites in Tutorial.objects.exclude(slug__in=slugs).values_list("slug", "prerequisites"):
        stubs[f"(loaded) {slug}"] = {"metadata": {"campfire": {"tutorial": {"slug": slug, "prerequisites": prerequisites}}}}
    return stubs


def _collection_problems(notebooks: dict[str, dict]) -> dict[str, list[str]]:
    """Each file's share of the collection's problems: those that go away without it."""
    slugs = {(schema.tutorial_meta(nb) or {}).get("slug") for nb in notebooks.values()}
    everything = {**_loaded_elsewhere(slugs), **notebooks}
    problems = set(schema.validate_collection(everything))
    mine = {}
    for name in notebooks:
        without = {key: nb for key, nb in everything.items() if key != name}
        own = sorted(problems - set(schema.validate_collection(without)))
        if own:
            mine[name] = own
    return mine


def _create_version(tutorial: Tutorial, filename: str, nb: dict, number: int, digest: str) -> TutorialVersion:
    version = TutorialVersion.objects.create(
        tutorial=tutorial, number=number, digest=digest, filename=filename, metadata=content.public_metadata(nb),
        cells=content.public_cells(nb), code_cells=content.code_cell_ids(nb),
    )
    Exercise.objects.bulk_create(Exercise(version=version, **row) for row in content.exercise_rows(nb))
    return version


def _load(filename: str, nb: dict) -> SyncResult:
    meta = schema.tutorial_meta(nb)
    slug, number, digest = meta["slug"], meta["version"], content.digest(nb)
    result = SyncResult(filename, "unchanged", slug, number)
    with transaction.atomic():
        tutorial = Tutorial.objects.select_for_update(of=("self",)).select_related("current").filter(slug=slug).first()
        existing = tutorial.versions.filter(number=number).first() if tutorial else None
        if existing is not None and existing.digest != digest:
            return SyncResult(filename, "refused", slug, number, [
                f"its content changed since version {number} was loaded; bump metadata.campfire.tutorial.version"])
        if existing is None and tutorial and tutorial.current and number < tutorial.current.number:
            return SyncResult(filename, "refused", slug, number, [
                f"version {number} is older than the loaded version {tutorial.current.number}"])
        if tutorial is None:
            tutorial, result.outcome = Tutorial(slug=slug), "created"
        changed = {name for name in CATALOG_FIELDS if getattr(tutorial, name, None) != meta[name]}
        for name in changed:
            setattr(tutorial, name, meta[name])
        if tutorial.pk is None:
            tutorial.save()
        version = existing or _create_version(tutorial, filename, nb, number, digest)
        if existing is None and result.outcome != "created":
            result.outcome = "updated"
        if changed or tutorial.current_id != version.pk:
            tutorial.current, tutorial.updated = version, timezone.now()
            tutorial.save()
            if result.outcome == "unchanged":
                result.outcome = "updated"
    return result


def tutorials_sync(*, path: Path) -> list[SyncResult]:
    """Load every NN-slug.ipynb under `path`; one result per file, refusals included."""
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is not a folder")
    results: dict[str, SyncResult] = {}
    valid: dict[str, dict] = {}
    for file in sorted(path.glob("*.ipynb")):
        nb, problems = _read(file)
        if problems:
            results[file.name] = SyncResult(file.name, "refused", problems=problems)
        else:
            valid[file.name] = nb
    for name, problems in _collection_problems(valid).items():
        results[name] = SyncResult(name, "refused", problems=problems)
        del valid[name]
    for name, nb in valid.items():
        results[name] = _load(name, nb)
    return [results[name] for name in sorted(results)]
