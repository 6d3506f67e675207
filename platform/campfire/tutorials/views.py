"""HTML pages: the catalog, a tutorial (read-only, with Start / Continue / Update), resetting a
copy, and My learning. Anonymous visitors can browse and read; starting needs an account."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from campfire.notebooks.exceptions import VersionConflict
from campfire.notebooks.rendering import render_markdown
from campfire.tutorials import selectors, services
from campfire.tutorials.models import Level

# The notebook JSON the read-only editor (static/campfire/main.js) reads on the tutorial page.
PREVIEW_OWNER = "Campfire"


def catalog(request):
    level, tag, query = (request.GET.get(key, "").strip() for key in ("level", "tag", "q"))
    entries = selectors.catalog(user=request.user, level=level, tag=tag, query=query)
    context = {
        "entries": entries, "level": level, "tag": tag, "query": query, "levels": Level.choices,
        "tags": selectors.tutorial_tags(tutorials=selectors.tutorials_published()),
        "filtered": bool(level or tag or query),
    }
    return render(request, "tutorials/catalog.html", context)


def _preview_notebook(tutorial, version) -> dict:
    return {"id": f"tutorial-{tutorial.slug}", "title": tutorial.title, "visibility": "public", "version": version.number,
            "owner": PREVIEW_OWNER, "created": version.loaded.isoformat(), "updated": version.loaded.isoformat(),
            "forked_from": None, "metadata": version.metadata, "cells": version.cells}


def detail(request, slug):
    tutorial = selectors.tutorial_get(slug=slug)
    version = tutorial.current
    data = selectors.tutorial_detail(tutorial=tutorial, user=request.user)
    copies = data["copies"]
    current_copy = next((c for c in copies if c["version"] == version.number), None)
    markdown = [(cell["id"], mark_safe(render_markdown(cell["source"], cell.get("attachments"))))  # noqa: S308 sanitised by nh3
                for cell in version.cells if cell["cell_type"] == "markdown"]
    context = {
        "tutorial": tutorial, "entry": data, "version": version, "copies": copies, "current_copy": current_copy,
        "older_copy": copies[0] if copies and current_copy is None else None,
        "notebook_data": _preview_notebook(tutorial, version), "markdown_html": markdown,
        "tutorial_data": selectors.tutorial_page_data(tutorial=tutorial),
    }
    return render(request, "tutorials/detail.html", context)


@require_POST
def start(request, slug):
    """Start (or continue, or update to the current version) and open the copy in the editor."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("tutorials:detail", args=[slug]))
    tutorial = selectors.tutorial_get(slug=slug)
    try:
        copy, created = services.copy_start(tutorial=tutorial, user=request.user)
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
        return redirect("tutorials:detail", slug=slug)
    if created:
        messages.success(request, f"Your own copy of “{tutorial.title}” (v{copy.version.number}). Run the cells in order; "
                                  "exercise cells have a Check button.")
    return redirect("notebooks:editor", notebook_id=copy.notebook_id)


@login_required
def reset(request, notebook_id):
    """GET asks first; POST puts the version's cells back (optionally keeping the current work)."""
    copy = selectors.copy_get_owned(notebook_id=notebook_id, user=request.user)
    if request.method == "POST":
        try:
            kept = services.copy_reset(copy=copy, keep=request.POST.get("keep") == "on")
        except (VersionConflict, ValidationError):
            messages.error(request, "The notebook was saved elsewhere meanwhile, or could not be copied; nothing was reset. Try again.")
            return redirect("tutorials:reset", notebook_id=notebook_id)
        note = f" Your previous work is kept in “{kept.title}”." if kept else ""
        messages.success(request, f"The notebook is back to the tutorial's original.{note}")
        return redirect("notebooks:editor", notebook_id=notebook_id)
    return render(request, "tutorials/reset.html", {"copy": copy, "tutorial": copy.version.tutorial})


@login_required
def learning(request):
    return render(request, "tutorials/learning.html", {"rows": selectors.learning(user=request.user)})
