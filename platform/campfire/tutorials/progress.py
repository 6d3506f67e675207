"""A learner's progress through tutorial copies, computed from what happened (never stored):

- a code cell of the version counts as **run** once the copy has a cell execution of it that
  ran to its end (`ok`, or `error`: the kernel executed it);
- an exercise counts as **passed** once any check of it passed (ExerciseState.solved);
- a copy is **completed** when every exercise is passed and every code cell has run.

Computed for many copies at once with a fixed number of queries (the catalog shows ten cards).
"""

from collections import defaultdict

from django.db.models import Max

from campfire.execution.models import Execution, Kind, Status
from campfire.tutorials.models import Exercise, ExerciseState, TutorialCopy

RAN_STATUSES = (Status.OK, Status.ERROR)
NOT_STARTED = {"state": "not_started", "percent": 0, "cells_run": 0, "cells_total": 0, "exercises_passed": 0,
               "exercises_total": 0, "completed": False, "last_activity": None}


def cells_run(*, notebook_ids) -> dict:
    """notebook id -> ids of the cells that ran to their end there."""
    ran = defaultdict(set)
    rows = (Execution.objects.filter(notebook_id__in=notebook_ids, kind=Kind.CELL, status__in=RAN_STATUSES)
            .values_list("notebook_id", "cell_id").distinct())
    for notebook_id, cell_id in rows:
        ran[notebook_id].add(cell_id)
    return ran


def solved_exercises(*, learner, version_ids) -> set[tuple[int, str]]:
    """(version id, exercise id) of every exercise the learner has passed in those versions."""
    return set(ExerciseState.objects.filter(learner=learner, solved__isnull=False, exercise__version_id__in=version_ids)
               .values_list("exercise__version_id", "exercise__exercise_id"))


def summarise(*, code_cells, ran, exercises, solved, last_activity) -> dict:
    cells_total, exercises_total = len(code_cells), len(exercises)
    cells_done = len(set(code_cells) & ran)
    passed = len(set(exercises) & solved)
    completed = cells_done == cells_total and passed == exercises_total
    total = cells_total + exercises_total
    percent = 100 if completed else (100 * (cells_done + passed)) // total if total else 0
    return {"state": "completed" if completed else "in_progress", "percent": percent, "cells_run": cells_done,
            "cells_total": cells_total, "exercises_passed": passed, "exercises_total": exercises_total,
            "completed": completed, "last_activity": last_activity}


def copies_progress(copies: list[TutorialCopy]) -> dict[int, dict]:
    """copy id -> its progress; the copies are one learner's, with `version` selected."""
    if not copies:
        return {}
    learner = copies[0].learner_id
    notebook_ids = [copy.notebook_id for copy in copies]
    version_ids = {copy.version_id for copy in copies}
    ran = cells_run(notebook_ids=notebook_ids)
    last = dict(Execution.objects.filter(notebook_id__in=notebook_ids).values("notebook_id")
                .annotate(last=Max("requested")).values_list("notebook_id", "last"))
    exercises = defaultdict(list)
    for version_id, exercise_id in Exercise.objects.filter(version_id__in=version_ids).values_list("version_id", "exercise_id"):
        exercises[version_id].append(exercise_id)
    solved = solved_exercises(learner=learner, version_ids=version_ids)
    result = {}
    for copy in copies:
        mine = {exercise_id for version_id, exercise_id in solved if version_id == copy.version_id}
        activity = max(filter(None, [copy.created, last.get(copy.notebook_id)]))
        result[copy.pk] = summarise(code_cells=copy.version.code_cells, ran=ran[copy.notebook_id],
                                    exercises=exercises[copy.version_id], solved=mine, last_activity=activity)
    return result


def tutorial_progress(copies: list[TutorialCopy], progress: dict[int, dict]) -> dict:
    """One tutorial's standing from the learner's copies of it (newest first): the newest copy's
    progress, shown as completed when any copy was completed."""
    if not copies:
        return dict(NOT_STARTED)
    newest = dict(progress[copies[0].pk])
    if not newest["completed"] and any(progress[copy.pk]["completed"] for copy in copies):
        newest["state"] = "completed"
    newest["last_activity"] = max(progress[copy.pk]["last_activity"] for copy in copies)
    return newest
