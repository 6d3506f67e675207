"""HTML pages for notebooks: list/search (with the kernels running), create, import, settings, duplicate, fork,
delete, shut a kernel down, editor."""

from csp.decorators import csp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from redis.exceptions import RedisError

from campfire.execution import services as execution_services
from campfire.execution.selectors import editor_execution_data, kernels_in_use
from campfire.notebooks import selectors, services
from campfire.notebooks.exceptions import NotebookImportError, VersionConflict
from campfire.notebooks.forms import NotebookCreateForm, NotebookImportForm, NotebookSettingsForm
from campfire.tutorials.selectors import copy_editor_data


@login_required
def notebook_list(request):
    query = request.GET.get("q", "")
    notebooks = list(selectors.notebook_list(user=request.user, query=query))
    kernels = _kernels_by_notebook(request.user)
    for notebook in notebooks:
        notebook.kernel_session = kernels.get(notebook.id)
    return render(request, "notebooks/list.html", {"notebooks": notebooks, "query": query, "create_form": NotebookCreateForm()})


def _kernels_by_notebook(user) -> dict:
    """{notebook id: its kernel session} for the notebooks whose kernel runs now (none when execution is off or Redis is down)."""
    if not settings.CAMPFIRE_EXECUTION_ENABLED:
        return {}
    try:
        return {session.notebook_id: session for session in kernels_in_use(user=user)}
    except RedisError:
        return {}


@require_POST
@login_required
def notebook_kernel_shutdown(request, notebook_id):
    """The list's "Shut down" button: frees one of the user's kernels without opening the notebook."""
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.user)
    try:
        execution_services.session_command(notebook=notebook, user=request.user, command="shutdown")
    except execution_services.ExecutionUnavailable as error:
        messages.error(request, str(error))
        return redirect("notebooks:list")
    messages.success(request, f"The kernel of “{notebook.title}” is shutting down.")
    return redirect("notebooks:list")


@require_POST
@login_required
def notebook_create(request):
    form = NotebookCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
        return redirect("notebooks:list")
    try:
        notebook = services.notebook_create(
            owner=request.user, title=form.cleaned_data["title"], cells=[{"cell_type": "code", "source": ""}]
        )
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("notebooks:list")
    return redirect("notebooks:editor", notebook_id=notebook.id)


@login_required
def notebook_import(request):
    form = NotebookImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notebook = services.notebook_import_upload(
                    owner=request.user, upload=form.cleaned_data["file"], title=form.cleaned_data["title"]
                )
            except (NotebookImportError, ValidationError) as error:
                form.add_error("file", error.messages if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(request, f"Imported “{notebook.title}”.")
                return redirect("notebooks:editor", notebook_id=notebook.id)
        status = 400
    return render(request, "notebooks/import.html", {"form": form}, status=status)


def notebook_editor(request, notebook_id):
    """The editor; read-only for a visitor of an unlisted or public notebook."""
    notebook = selectors.notebook_get_readable(notebook_id=notebook_id, user=request.user)
    can_edit = request.user.is_authenticated and notebook.owner_id == request.user.pk
    # Before the stored outputs are read: a run recorded in between is then both stored and
    # replayed from its first event (the same outputs), never neither.
    execution_data = editor_execution_data(notebook=notebook, user=request.user) if can_edit and settings.CAMPFIRE_EXECUTION_ENABLED else None
    data = selectors.notebook_detail(notebook=notebook)
    cells = [
        {"cell": item["cell"], "html": mark_safe(item["html"]) if item["html"] is not None else None}  # noqa: S308 sanitised by nh3
        for item in selectors.notebook_rendered_cells(cells=data["cells"])
    ]
    context = {
        "notebook": notebook,
        "markdown_html": {item["cell"]["id"]: item["html"] for item in cells if item["html"] is not None},
        "notebook_data": data,
        "cells": cells,
        "can_edit": can_edit,
        "execution_enabled": execution_data is not None,
        "execution_data": execution_data,
        # A learner's tutorial copy: its exercises, hints revealed, progress (never the checks).
        "tutorial_data": copy_editor_data(notebook=notebook, user=request.user) if can_edit else None,
    }
    return render(request, "notebooks/editor.html", context)


def _settings_form(notebook, data=None):
    initial = {"title": notebook.title, "visibility": notebook.visibility, "version": notebook.version}
    return NotebookSettingsForm(data, initial=initial)


@login_required
def notebook_settings(request, notebook_id):
    """Rename and share; the hidden version makes a stale form a 409, not an overwrite."""
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.user)
    form = _settings_form(notebook, request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.notebook_update(
                    notebook=notebook,
                    version=form.cleaned_data["version"],
                    title=form.cleaned_data["title"],
                    visibility=form.cleaned_data["visibility"],
                )
            except VersionConflict:
                messages.error(request, "The notebook was changed elsewhere; review the current values and save again.")
                notebook.refresh_from_db()
                return render(request, "notebooks/settings.html", {"notebook": notebook, "form": _settings_form(notebook)}, status=409)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Saved.")
                return redirect("notebooks:list")
        status = 400
    return render(request, "notebooks/settings.html", {"notebook": notebook, "form": form}, status=status)


@require_POST
@login_required
def notebook_duplicate(request, notebook_id):
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.user)
    try:
        copy = services.notebook_duplicate(notebook=notebook, owner=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("notebooks:list")
    messages.success(request, f"Created “{copy.title}”.")
    return redirect("notebooks:list")


@require_POST
@login_required
def notebook_fork(request, notebook_id):
    notebook = selectors.notebook_get_forkable(notebook_id=notebook_id, user=request.user)
    try:
        fork = services.notebook_fork(notebook=notebook, user=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("notebooks:editor", notebook_id=notebook.id)
    messages.success(request, f"Forked “{notebook.title}” into your notebooks.")
    return redirect("notebooks:editor", notebook_id=fork.id)


@login_required
def notebook_delete(request, notebook_id):
    """GET asks for confirmation; POST deletes."""
    notebook = selectors.notebook_get_owned(notebook_id=notebook_id, user=request.user)
    if request.method == "POST":
        title = notebook.title
        services.notebook_delete(notebook=notebook)
        messages.success(request, f"Deleted “{title}”.")
        return redirect("notebooks:list")
    return render(request, "notebooks/confirm_delete.html", {"notebook": notebook})




# The frame that runs rich (HTML/JS) outputs: a fixed page with no data in it, loaded by the
# editor in <iframe sandbox="allow-scripts"> and fed outputs by postMessage. Its own CSP makes
# it an opaque origin even when opened directly, and forbids it to connect anywhere.
OUTPUT_FRAME_CSP = {
    "sandbox": ["allow-scripts"],
    "default-src": ["'none'"],
    "script-src": ["'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'unsafe-inline'"],
    "img-src": ["data:", "blob:"],
    "font-src": ["data:"],
    "media-src": ["data:", "blob:"],
    "connect-src": ["'none'"],
    "form-action": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'self'"],
}


@require_GET
@xframe_options_sameorigin
@csp(OUTPUT_FRAME_CSP)
def output_frame(request):
    return render(request, "notebooks/editor/output_frame.html")
