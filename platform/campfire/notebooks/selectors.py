"""Notebook reads, including who may see what.

Another user's private notebook is indistinguishable from a missing one (404) for every
method; unlisted and public notebooks are readable by anyone with the link, writable only by
their owner (403 for others, who can see them anyway).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from campfire.notebooks.ipynb import to_ipynb, write_ipynb
from campfire.notebooks.models import Notebook, Visibility
from campfire.notebooks.rendering import render_markdown


def notebook_list(*, user, query: str = ""):
    notebooks = Notebook.objects.filter(owner=user)
    if query.strip():
        notebooks = notebooks.filter(title__icontains=query.strip())
    return notebooks.select_related("owner").defer("cells", "metadata").order_by("-updated", "title")


def _get(notebook_id) -> Notebook | None:
    return Notebook.objects.select_related("owner").filter(pk=notebook_id).first()


def notebook_can_read(*, notebook: Notebook, user) -> bool:
    return notebook.visibility != Visibility.PRIVATE or (user.is_authenticated and notebook.owner_id == user.pk)


def notebook_get_readable(*, notebook_id, user) -> Notebook:
    notebook = _get(notebook_id)
    if notebook is None or not notebook_can_read(notebook=notebook, user=user):
        raise Http404("notebook not found")
    return notebook


def notebook_get_owned(*, notebook_id, user) -> Notebook:
    notebook = notebook_get_readable(notebook_id=notebook_id, user=user)
    if notebook.owner_id != user.pk:
        raise PermissionDenied("only the owner can change this notebook")
    return notebook


def notebook_get_forkable(*, notebook_id, user) -> Notebook:
    """Readable by a signed-in user; forking your own notebook is a duplicate, also allowed."""
    if not user.is_authenticated:
        raise PermissionDenied("sign in to fork notebooks")
    return notebook_get_readable(notebook_id=notebook_id, user=user)


def notebook_cells(*, notebook: Notebook) -> list[dict]:
    """The contract's cell dicts: content plus stored outputs for code cells."""
    stored = {o.cell_id: o for o in notebook.cell_outputs.all()}
    cells = []
    for cell in notebook.cells:
        out = {"id": cell["id"], "cell_type": cell["cell_type"], "source": cell["source"], "metadata": cell["metadata"]}
        if cell["cell_type"] == "code":
            result = stored.get(cell["id"])
            out["outputs"] = result.outputs if result else []
            out["execution_count"] = result.execution_count if result else None
            out["displays"] = result.displays if result else {}
        elif "attachments" in cell:
            out["attachments"] = cell["attachments"]
        cells.append(out)
    return cells


def notebook_summary(*, notebook: Notebook) -> dict:
    return {
        "id": str(notebook.id),
        "title": notebook.title,
        "visibility": notebook.visibility,
        "version": notebook.version,
        "owner": notebook.owner.username,
        "created": notebook.created.isoformat(),
        "updated": notebook.updated.isoformat(),
        "forked_from": str(notebook.forked_from_id) if notebook.forked_from_id else None,
    }


def notebook_detail(*, notebook: Notebook) -> dict:
    return {**notebook_summary(notebook=notebook), "metadata": notebook.metadata, "cells": notebook_cells(notebook=notebook)}


def notebook_rendered_cells(*, cells: list[dict]) -> list[dict]:
    """Each cell with its server-rendered markdown HTML (None for code and raw cells)."""
    return [
        {"cell": cell, "html": render_markdown(cell["source"], cell.get("attachments")) if cell["cell_type"] == "markdown" else None}
        for cell in cells
    ]


def notebook_export(*, notebook: Notebook) -> str:
    return write_ipynb(to_ipynb(metadata=notebook.metadata, cells=notebook_cells(notebook=notebook)))
