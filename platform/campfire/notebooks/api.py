"""/api/notebooks… and /api/markdown. Thin: parse, call a selector or service, shape the answer."""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from campfire.accounts import ratelimit
from campfire.accounts.auth import ANYONE
from campfire.notebooks import selectors, services
from campfire.notebooks.ipynb import download_name
from campfire.notebooks.rendering import render_markdown
from campfire.notebooks.schemas import (
    ConflictOut,
    ErrorOut,
    MarkdownIn,
    MarkdownOut,
    NotebookCreate,
    NotebookOut,
    NotebookPatch,
    NotebookSummary,
)

router = Router(tags=["notebooks"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _detail(notebook):
    return selectors.notebook_detail(notebook=notebook)


@router.get("/notebooks", response={200: list[NotebookSummary], **ERRORS})
def list_notebooks(request, q: str = ""):
    """My notebooks, most recently updated first; `q` filters by title."""
    return [selectors.notebook_summary(notebook=n) for n in selectors.notebook_list(user=request.auth, query=q)]


@router.post("/notebooks", response={201: NotebookOut, **ERRORS})
def create_notebook(request, payload: NotebookCreate):
    notebook = services.notebook_create(
        owner=request.auth,
        title=payload.title,
        cells=[cell.model_dump(exclude_unset=True) for cell in payload.cells],
        metadata=payload.metadata,
        visibility=payload.visibility,
    )
    return Status(201, _detail(notebook))


@router.post("/notebooks/import", response={201: NotebookOut, **ERRORS})
def import_notebook(request, file: File[UploadedFile], title: Form[str] = ""):
    """Upload an .ipynb (nbformat 3 or 4.x); every refusal is a 400 saying what is wrong."""
    notebook = services.notebook_import_upload(owner=request.auth, upload=file, title=title)
    return Status(201, _detail(notebook))


@router.get("/notebooks/{notebook_id}", response={200: NotebookOut, **ERRORS}, auth=ANYONE)
def get_notebook(request, notebook_id: UUID):
    return _detail(selectors.notebook_get_readable(notebook_id=notebook_id, user=request.auth))


@router.patch("/notebooks/{notebook_id}", response={200: NotebookOut, 409: ConflictOut, **ERRORS})
def update_notebook(request, notebook_id: UUID, payload: NotebookPatch):
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    changes = payload.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is None:
            raise ValidationError(f"{field} cannot be null")
    if "cells" in changes:
        changes["cells"] = [cell.model_dump(exclude_unset=True) for cell in payload.cells]
    notebook = services.notebook_update(notebook=notebook, **changes)
    return _detail(notebook)


@router.delete("/notebooks/{notebook_id}", response={204: None, **ERRORS})
def delete_notebook(request, notebook_id: UUID):
    services.notebook_delete(notebook=selectors.notebook_get_owned(notebook_id=notebook_id, user=request.auth))
    return Status(204, None)


@router.get("/notebooks/{notebook_id}/ipynb", auth=ANYONE, response={200: None, **ERRORS})
def export_notebook(request, notebook_id: UUID):
    """The notebook as an nbformat 4.5 .ipynb file, outputs included."""
    notebook = selectors.notebook_get_readable(notebook_id=notebook_id, user=request.auth)
    response = HttpResponse(selectors.notebook_export(notebook=notebook), content_type="application/x-ipynb+json")
    response["Content-Disposition"] = content_disposition_header(True, download_name(notebook.title))
    return response


@router.post("/notebooks/{notebook_id}/duplicate", response={201: NotebookOut, **ERRORS})
def duplicate_notebook(request, notebook_id: UUID):
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.auth)
    return Status(201, _detail(services.notebook_duplicate(notebook=notebook, owner=request.auth)))


@router.post("/notebooks/{notebook_id}/fork", response={201: NotebookOut, **ERRORS})
def fork_notebook(request, notebook_id: UUID):
    """Your own private copy of a public or unlisted notebook."""
    notebook = selectors.notebook_get_forkable(notebook_id=notebook_id, user=request.auth)
    return Status(201, _detail(services.notebook_fork(notebook=notebook, user=request.auth)))


@router.post("/markdown", response={200: MarkdownOut, 429: ErrorOut, **ERRORS}, tags=["markdown"], auth=ANYONE)
def markdown(request, payload: MarkdownIn):
    """Markdown (GFM tables, strikethrough, $math$) rendered to sanitised HTML.

    Open to anonymous readers of shared notebooks (their markdown outputs), rate-limited per IP; the
    characters rendered a minute are budgeted too (per user, or per IP when anonymous).
    """
    ip = ratelimit.client_ip(request)
    if not request.auth.is_authenticated and not ratelimit.anonymous_allowed(action="markdown", ip=ip):
        return Status(429, {"detail": "too many requests; sign in or wait a minute"})
    if not ratelimit.markdown_allowed(user=request.auth, ip=ip, chars=len(payload.source)):
        return Status(429, {"detail": "too much markdown rendered in the last minute; wait a minute"})
    return {"html": render_markdown(payload.source, payload.attachments)}
