"""/api/tutorials…, /api/learning and the exercise endpoints of a learner's copy. Thin: parse,
call a selector or service, shape the answer. The copy endpoints are owner only (404 otherwise)."""

from uuid import UUID

from django.urls import reverse
from ninja import Router, Status

from campfire.accounts.auth import ANYONE
from campfire.execution.schemas import CapOut
from campfire.notebooks.schemas import ErrorOut
from campfire.tutorials import grading, schemas, selectors, services

router = Router(tags=["tutorials"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


@router.get("/tutorials", response={200: list[schemas.TutorialSummaryOut], **ERRORS}, auth=ANYONE)
def catalog(request, level: str = "", tag: str = "", q: str = ""):
    """The catalog in course order; `level`, `tag` and `q` (title or summary) filter it. Signed
    in, each entry has your progress."""
    return selectors.catalog(user=request.auth, level=level, tag=tag, query=q)


@router.get("/tutorials/{slug}", response={200: schemas.TutorialOut, **ERRORS}, auth=ANYONE)
def tutorial(request, slug: str):
    """A tutorial's public view: cells with reference outputs, exercises (never their checks or
    solutions), and your copies."""
    return selectors.tutorial_detail(tutorial=selectors.tutorial_get(slug=slug), user=request.auth)


@router.post("/tutorials/{slug}/start", response={200: schemas.StartOut, 201: schemas.StartOut, **ERRORS})
def start(request, slug: str):
    """Your copy of the current version: 201 with a new notebook, or 200 with the one you have.
    Copies of older versions are kept."""
    copy, created = services.copy_start(tutorial=selectors.tutorial_get(slug=slug), user=request.auth)
    answer = {"notebook": str(copy.notebook_id), "version": copy.version.number, "created": created,
              "url": reverse("notebooks:editor", args=[copy.notebook_id])}
    return Status(201 if created else 200, answer)


@router.get("/learning", response={200: list[schemas.LearningOut], **ERRORS})
def learning(request):
    """Every tutorial you started, most recent activity first, with progress and where to continue."""
    return selectors.learning(user=request.auth)


def _exercise(request, notebook_id: UUID, exercise_id: str):
    copy = selectors.copy_get_owned(notebook_id=notebook_id, user=request.auth)
    return copy, selectors.copy_exercise(copy=copy, exercise_id=exercise_id)


@router.post("/notebooks/{notebook_id}/exercises/{exercise_id}/check",
             response={202: schemas.CheckOut, 429: CapOut, 503: ErrorOut, **ERRORS})
def check(request, notebook_id: UUID, exercise_id: str, payload: schemas.CheckIn | None = None):
    """Run the exercise cell (`source`, else the saved one), then its hidden check, in your
    kernel. The result arrives as a `check` event on ws/notebooks/{id}/ and in GET below."""
    copy, exercise = _exercise(request, notebook_id, exercise_id)
    attempt = services.exercise_check(copy=copy, exercise=exercise, user=request.auth, source=payload.source if payload else None)
    return Status(202, {"attempt": str(attempt.id), "exercise": exercise.exercise_id, "status": "pending",
                        "execution": str(attempt.run_execution_id), "check": str(attempt.check_execution_id),
                        "session": attempt.check_execution.session.key})


@router.get("/notebooks/{notebook_id}/exercises/{exercise_id}", response={200: schemas.ExerciseOut, **ERRORS})
def exercise(request, notebook_id: UUID, exercise_id: str):
    """Your standing on one exercise: latest status, attempts, hints revealed, the solution if revealed."""
    _, found = _exercise(request, notebook_id, exercise_id)
    grading.grade_stale(exercise=found, user=request.auth)
    return selectors.exercise_status(exercise=found, user=request.auth)


@router.post("/notebooks/{notebook_id}/exercises/{exercise_id}/hint", response={200: schemas.HintRevealOut, **ERRORS})
def hint(request, notebook_id: UUID, exercise_id: str):
    """Reveal the next hint (400 when all are shown)."""
    _, found = _exercise(request, notebook_id, exercise_id)
    state = services.hint_reveal(exercise=found, user=request.auth)
    hints = selectors.revealed_hints(exercise=found, state=state)
    return {"index": state.hints_revealed, "hint": hints[-1], "hints": hints, "remaining": len(found.hints) - state.hints_revealed}


@router.get("/notebooks/{notebook_id}/exercises/{exercise_id}/solution", response={200: schemas.SolutionOut, **ERRORS})
def solution(request, notebook_id: UUID, exercise_id: str):
    """The solution, when the tutorial's `reveal_solution` allows it now (403 saying why not)."""
    _, found = _exercise(request, notebook_id, exercise_id)
    return {"exercise": found.exercise_id, "solution": services.solution_reveal(exercise=found, user=request.auth)}
