"""Tutorial reads: the catalog, a tutorial's public view, learners' copies, exercise standing.

Nothing here returns an exercise's check; hints only as far as the learner revealed them; the
solution only once the learner revealed it (services.solution_reveal decides when they may).
"""

from collections import defaultdict

from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from campfire.notebooks.rendering import render_markdown
from campfire.notebooks.selectors import notebook_get_owned
from campfire.tutorials import progress as progress_rules
from campfire.tutorials.models import (GRADED_STATUSES, Exercise, ExerciseAttempt, ExerciseState, RevealPolicy, Tutorial,
                                       TutorialCopy)

ATTEMPTS_SHOWN = 10


# ------------------------------------------------------------------------------------ tutorials
def tutorials_published():
    return Tutorial.objects.filter(published=True, current__isnull=False).select_related("current")


def tutorial_get(*, slug: str) -> Tutorial:
    tutorial = tutorials_published().filter(slug=slug).first()
    if tutorial is None:
        raise Http404("tutorial not found")
    return tutorial


def tutorial_filter(*, tutorials, level: str = "", tag: str = "", query: str = "") -> list[Tutorial]:
    """Level and text in the database; tags (a JSON list) in Python: the catalog is small."""
    if level:
        tutorials = tutorials.filter(level=level)
    if query.strip():
        tutorials = tutorials.filter(Q(title__icontains=query.strip()) | Q(summary__icontains=query.strip()))
    return [t for t in tutorials if not tag or tag in t.tags]


def tutorial_tags(*, tutorials) -> list[str]:
    return sorted({tag for t in tutorials for tag in t.tags})


def copies_of(*, user, tutorials=None) -> list[TutorialCopy]:
    """The user's copies (newest first), optionally of some tutorials only."""
    if not user.is_authenticated:
        return []
    copies = TutorialCopy.objects.filter(learner=user).select_related("version__tutorial", "notebook")
    if tutorials is not None:
        copies = copies.filter(version__tutorial__in=tutorials)
    return list(copies.order_by("-created"))


def standing(*, user, tutorials) -> dict[int, dict]:
    """tutorial id -> {"progress", "copies": [(copy, progress)], "latest": copy or None}."""
    copies = copies_of(user=user, tutorials=tutorials)
    progress = progress_rules.copies_progress(copies)
    grouped = defaultdict(list)
    for copy in copies:
        grouped[copy.version.tutorial_id].append(copy)
    return {
        tutorial.pk: {
            "progress": progress_rules.tutorial_progress(grouped[tutorial.pk], progress),
            "copies": [(copy, progress[copy.pk]) for copy in grouped[tutorial.pk]],
            "latest": grouped[tutorial.pk][0] if grouped[tutorial.pk] else None,
        }
        for tutorial in tutorials
    }


def tutorial_summary(*, tutorial: Tutorial, progress: dict | None, titles: dict[str, str]) -> dict:
    return {
        "slug": tutorial.slug,
        "title": tutorial.title,
        "summary": tutorial.summary,
        "level": tutorial.level,
        "minutes": tutorial.minutes,
        "tags": tutorial.tags,
        "prerequisites": [{"slug": slug, "title": titles.get(slug, slug)} for slug in tutorial.prerequisites],
        "order": tutorial.order,
        "version": tutorial.current.number,
        "url": reverse("tutorials:detail", args=[tutorial.slug]),
        "progress": progress,
    }


def catalog(*, user, level: str = "", tag: str = "", query: str = "") -> list[dict]:
    """Catalog entries, in course order, with the user's progress (None when anonymous)."""
    every = list(tutorials_published())
    titles = {t.slug: t.title for t in every}
    shown = tutorial_filter(tutorials=tutorials_published(), level=level, tag=tag, query=query)
    standings = standing(user=user, tutorials=shown) if user.is_authenticated else {}
    return [tutorial_summary(tutorial=t, progress=standings[t.pk]["progress"] if standings else None, titles=titles) for t in shown]


def copy_summary(*, copy: TutorialCopy, progress: dict) -> dict:
    return {
        "notebook": str(copy.notebook_id),
        "title": copy.notebook.title,
        "version": copy.version.number,
        "created": copy.created.isoformat(),
        "url": reverse("notebooks:editor", args=[copy.notebook_id]),
        "progress": progress,
    }


def exercise_public(exercise: Exercise) -> dict:
    return {"id": exercise.exercise_id, "title": exercise.title, "cell": exercise.cell_id, "hints_total": len(exercise.hints)}


def tutorial_detail(*, tutorial: Tutorial, user) -> dict:
    """The public view (GET /api/tutorials/{slug}): catalog entry, cells with reference outputs,
    exercises without their hidden parts, and the caller's copies."""
    titles = dict(Tutorial.objects.values_list("slug", "title"))
    mine = standing(user=user, tutorials=[tutorial])[tutorial.pk] if user.is_authenticated else None
    version = tutorial.current
    return {
        **tutorial_summary(tutorial=tutorial, progress=mine["progress"] if mine else None, titles=titles),
        "reveal_solution": tutorial.reveal_solution,
        "metadata": version.metadata,
        "cells": version.cells,
        "exercises": [exercise_public(e) for e in version.exercises.all()],
        "copies": [copy_summary(copy=c, progress=p) for c, p in mine["copies"]] if mine else [],
    }


def learning(*, user) -> list[dict]:
    """GET /api/learning and /learning/: every tutorial the user started, latest activity first."""
    copies = copies_of(user=user)
    tutorials = list({copy.version.tutorial for copy in copies})
    standings = standing(user=user, tutorials=tutorials)
    rows = []
    for tutorial in tutorials:
        mine = standings[tutorial.pk]
        latest = mine["latest"]
        current = tutorial.current.number if tutorial.current_id else latest.version.number
        rows.append({
            "slug": tutorial.slug, "title": tutorial.title, "url": reverse("tutorials:detail", args=[tutorial.slug]),
            "progress": mine["progress"], "continue_url": reverse("notebooks:editor", args=[latest.notebook_id]),
            "version": latest.version.number, "newest_version": current, "update_available": current > latest.version.number,
            "copies": [copy_summary(copy=c, progress=p) for c, p in mine["copies"]],
        })
    rows.sort(key=lambda row: row["progress"]["last_activity"], reverse=True)
    return rows


# ----------------------------------------------------------------------------------------- copies
def copy_get_owned(*, notebook_id, user) -> TutorialCopy:
    """The tutorial copy behind a notebook the user owns (404 for any other notebook)."""
    notebook = notebook_get_owned(notebook_id=notebook_id, user=user)
    copy = TutorialCopy.objects.select_related("version__tutorial", "notebook").filter(notebook=notebook).first()
    if copy is None:
        raise Http404("this notebook is not a tutorial copy")
    return copy


def copy_of_notebook(*, notebook) -> TutorialCopy | None:
    return TutorialCopy.objects.select_related("version__tutorial").filter(notebook=notebook).first()


def copy_exercise(*, copy: TutorialCopy, exercise_id: str) -> Exercise:
    exercise = Exercise.objects.filter(version_id=copy.version_id, exercise_id=exercise_id).first()
    if exercise is None:
        raise Http404(f"no exercise {exercise_id!r} in this tutorial")
    return exercise


# -------------------------------------------------------------------------------------- exercises
def exercise_state(*, exercise: Exercise, user) -> ExerciseState | None:
    return ExerciseState.objects.filter(exercise=exercise, learner=user).first()


def has_attempted(*, exercise: Exercise, user) -> bool:
    return ExerciseAttempt.objects.filter(exercise=exercise, learner=user, status__in=GRADED_STATUSES).exists()


def solution_refusal(*, exercise: Exercise, user) -> str | None:
    """Why the user may not see the solution yet (None: they may), per the tutorial's policy."""
    policy = exercise.version.tutorial.reveal_solution
    if policy == RevealPolicy.NEVER:
        return "This tutorial does not reveal its solutions: the hints lead you there."
    if policy == RevealPolicy.AFTER_ATTEMPT and not has_attempted(exercise=exercise, user=user):
        return "The solution opens after your first attempt: press Check first."
    return None


def revealed_hints(*, exercise: Exercise, state: ExerciseState | None) -> list[dict]:
    count = state.hints_revealed if state else 0
    return [{"text": hint, "html": render_markdown(hint)} for hint in exercise.hints[:count]]


def attempt_summary(attempt: ExerciseAttempt) -> dict:
    return {"id": str(attempt.id), "status": attempt.status, "message": attempt.message,
            "created": attempt.created.isoformat(), "graded": attempt.graded.isoformat() if attempt.graded else None}


def exercise_status(*, exercise: Exercise, user) -> dict:
    """GET /api/notebooks/{id}/exercises/{exercise_id}: status, attempts, hints revealed so far,
    whether the solution may be revealed, and the solution once the learner revealed it."""
    state = exercise_state(exercise=exercise, user=user)
    attempts = list(ExerciseAttempt.objects.filter(exercise=exercise, learner=user).order_by("-created")[:ATTEMPTS_SHOWN])
    latest = attempts[0] if attempts else None
    revealed = state is not None and state.solution_revealed is not None
    return {
        **exercise_public(exercise),
        "exercise": exercise.exercise_id,
        "status": latest.status if latest else "not_attempted",
        "message": latest.message if latest else "",
        "solved": bool(state and state.solved),
        "attempts": [attempt_summary(a) for a in attempts],
        "hints": revealed_hints(exercise=exercise, state=state),
        "solution_available": solution_refusal(exercise=exercise, user=user) is None,
        "solution": exercise.solution if revealed else None,
    }


def copy_progress(*, copy: TutorialCopy) -> dict:
    return progress_rules.copies_progress([copy])[copy.pk]


def copy_editor_data(*, notebook, user) -> dict | None:
    """What the editor's tutorial panel (static/campfire/tutorial.js) starts from, for the owner
    of a tutorial copy; None for any other notebook."""
    copy = copy_of_notebook(notebook=notebook)
    if copy is None or copy.learner_id != user.pk:
        return None
    tutorial, version = copy.version.tutorial, copy.version
    newest = tutorial.current.number if tutorial.current_id else version.number
    ran = progress_rules.cells_run(notebook_ids=[notebook.pk])[notebook.pk]
    return {
        "mode": "copy",
        "notebook": str(notebook.pk),
        "tutorial": {"slug": tutorial.slug, "title": tutorial.title, "version": version.number, "newest_version": newest,
                     "reveal_solution": tutorial.reveal_solution},
        "urls": {"tutorial": reverse("tutorials:detail", args=[tutorial.slug]),
                 "reset": reverse("tutorials:reset", args=[notebook.pk]), "learning": reverse("tutorials:learning")},
        "code_cells": version.code_cells,
        "cells_run": sorted(ran & set(version.code_cells)),
        "exercises": [exercise_status(exercise=e, user=user) for e in version.exercises.select_related("version__tutorial")],
        "progress": copy_progress(copy=copy),
    }


def tutorial_page_data(*, tutorial: Tutorial) -> dict:
    """tutorial.js on the read-only tutorial page: which cells are exercises."""
    return {"mode": "preview", "exercises": [exercise_public(e) for e in tutorial.current.exercises.all()]}
