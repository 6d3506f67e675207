"""Notebook writes. Views, the API and (later) Celery tasks call these; nothing else writes."""

from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campfire.notebooks import cells as cell_rules
from campfire.notebooks.exceptions import NotebookImportError, VersionConflict
from campfire.notebooks.ipynb import parse_ipynb
from campfire.notebooks.models import CellOutput, Notebook, Visibility

UNSET = object()

DEFAULT_METADATA = {
    "kernelspec": {"display_name": "Python 3 (ember)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _check_quota(owner) -> None:
    if Notebook.objects.filter(owner=owner).count() >= settings.CAMPFIRE_MAX_NOTEBOOKS_PER_USER:
        raise ValidationError(
            f"you have reached the limit of {settings.CAMPFIRE_MAX_NOTEBOOKS_PER_USER} notebooks; delete some first"
        )


def _clean_visibility(visibility) -> str:
    if visibility not in Visibility.values:
        raise ValidationError(f"visibility must be one of {', '.join(Visibility.values)}")
    return visibility


def _copy_outputs(*, source: Notebook, target: Notebook) -> None:
    CellOutput.objects.bulk_create(
        CellOutput(notebook=target, cell_id=o.cell_id, outputs=o.outputs, execution_count=o.execution_count)
        for o in source.cell_outputs.all()
    )


@transaction.atomic
def notebook_create(*, owner, title: str = "", cells=(), metadata=None, visibility: str = Visibility.PRIVATE) -> Notebook:
    _check_quota(owner)
    content, _ = cell_rules.clean_cells(list(cells))
    return Notebook.objects.create(
        owner=owner,
        title=cell_rules.clean_title(title),
        visibility=_clean_visibility(visibility),
        metadata=cell_rules.clean_metadata(DEFAULT_METADATA if metadata is None else metadata),
        cells=content,
    )


@transaction.atomic
def notebook_update(*, notebook: Notebook, version: int, title=UNSET, visibility=UNSET, metadata=UNSET, cells=UNSET) -> Notebook:
    """Apply a save based on `version`; raise VersionConflict if someone saved since.

    The write is one `UPDATE … WHERE version = n`: of two concurrent saves from the same
    version exactly one matches, the other gets the conflict and the newer content stays.
    """
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError("version must be an integer")
    changes = {"version": F("version") + 1, "updated": timezone.now()}
    if title is not UNSET:
        changes["title"] = cell_rules.clean_title(title)
    if visibility is not UNSET:
        changes["visibility"] = _clean_visibility(visibility)
    if metadata is not UNSET:
        changes["metadata"] = cell_rules.clean_metadata(metadata)
    cleared: set[str] = set()
    if cells is not UNSET:
        # `notebook.cells` was read at some version; if it is not `version`, the UPDATE below
        # matches nothing, so attachments are never carried over from a different version.
        existing = {cell["id"]: cell for cell in notebook.cells}
        changes["cells"], cleared = cell_rules.clean_cells(cells, existing)

    updated = Notebook.objects.filter(pk=notebook.pk, version=version).update(**changes)
    if not updated:
        raise VersionConflict(Notebook.objects.get(pk=notebook.pk))
    if cells is not UNSET:
        code_ids = {c["id"] for c in changes["cells"] if c["cell_type"] == "code"}
        stale = CellOutput.objects.filter(notebook_id=notebook.pk)
        stale.exclude(cell_id__in=code_ids).delete()
        stale.filter(cell_id__in=cleared).delete()
    notebook.refresh_from_db()
    return notebook


def notebook_delete(*, notebook: Notebook) -> None:
    notebook.delete()


@transaction.atomic
def notebook_duplicate(*, notebook: Notebook, owner) -> Notebook:
    copy = notebook_create(
        owner=owner,
        title=f"{notebook.title} (copy)"[: cell_rules.TITLE_MAX],
        cells=notebook.cells,
        metadata=notebook.metadata,
    )
    _copy_outputs(source=notebook, target=copy)
    return copy


@transaction.atomic
def notebook_fork(*, notebook: Notebook, user) -> Notebook:
    """A private copy of someone's public or unlisted notebook, remembering where it came from."""
    fork = notebook_create(owner=user, title=notebook.title, cells=notebook.cells, metadata=notebook.metadata)
    fork.forked_from = notebook
    fork.save(update_fields=["forked_from"])
    _copy_outputs(source=notebook, target=fork)
    return fork


def _title_from_filename(filename: str) -> str:
    stem = PurePath(filename.replace("\\", "/")).name
    stem = stem[: -len(".ipynb")] if stem.lower().endswith(".ipynb") else stem
    return stem[: cell_rules.TITLE_MAX]  # a long file name is no reason to refuse the file


def _check_import_size(size: int) -> None:
    limit = settings.CAMPFIRE_IMPORT_MAX_BYTES
    if size > limit:
        raise NotebookImportError(f"the file is too large: {size} bytes (the limit is {limit} bytes)")


def notebook_import_upload(*, owner, upload, title: str | None = None) -> Notebook:
    """Import an UploadedFile, refusing an oversized one before reading it into memory."""
    _check_import_size(upload.size or 0)
    return notebook_import(owner=owner, data=upload.read(), filename=upload.name or "", title=title)


@transaction.atomic
def notebook_import(*, owner, data: bytes, filename: str = "", title: str | None = None) -> Notebook:
    """Create a notebook from an uploaded .ipynb; all or nothing (one transaction)."""
    _check_import_size(len(data))
    nb = parse_ipynb(data)
    try:
        # Outputs come from the file here, not from a client edit: stored separately below.
        content, _ = cell_rules.clean_cells(
            [{k: v for k, v in cell.items() if k not in ("outputs", "execution_count")} for cell in nb.cells]
        )
    except ValidationError as error:
        raise NotebookImportError("; ".join(error.messages)) from None
    notebook = notebook_create(
        owner=owner, title=title or _title_from_filename(filename), cells=content, metadata=dict(nb.metadata)
    )
    CellOutput.objects.bulk_create(
        CellOutput(notebook=notebook, cell_id=cell.id, outputs=cell.outputs, execution_count=cell.execution_count)
        for cell in nb.cells
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    )
    return notebook


def cell_outputs_store(*, notebook_id, cell_id: str, outputs: list, execution_count: int | None,
                       displays: dict | None = None) -> bool:
    """Store a code cell's outputs from an execution; never touches `version`. `displays`:
    {display id: [indexes into outputs]} of the outputs made with a display id.

    Returns False (and stores nothing) when the cell no longer exists or is not code.
    """
    notebook = Notebook.objects.filter(pk=notebook_id).only("cells").first()
    if notebook is None or not any(c["id"] == cell_id and c["cell_type"] == "code" for c in notebook.cells):
        return False
    CellOutput.objects.update_or_create(
        notebook_id=notebook_id, cell_id=cell_id,
        defaults={"outputs": outputs, "execution_count": execution_count, "displays": displays or {}},
    )
    return True


def cell_displays_update(*, notebook_id, updates: dict[str, dict], cell_id: str | None = None) -> list[str]:
    """Apply a run's update_display_data for displays that other cells' stored outputs show (as a
    Jupyter front end updates the earlier cell in place): each output shown with that display id
    takes the update's data and metadata. `updates`: {display id: display_data output}; `cell_id`
    limits it to one cell. The caller holds the notebook's lock. Returns the ids of the cells changed."""
    changed = []
    if not updates:
        return changed
    rows = CellOutput.objects.filter(notebook_id=notebook_id, displays__has_any_keys=list(updates))
    if cell_id is not None:
        rows = rows.filter(cell_id=cell_id)
    for row in rows.select_for_update(no_key=True):
        outputs, hit = list(row.outputs), False
        for display_id, update in updates.items():
            for index in row.displays.get(display_id, ()):
                if isinstance(index, int) and 0 <= index < len(outputs):
                    outputs[index] = {**outputs[index], "data": update.get("data", {}), "metadata": update.get("metadata", {})}
                    hit = True
        if hit:
            row.outputs = outputs
            row.save(update_fields=["outputs", "updated"])
            changed.append(row.cell_id)
    return changed
