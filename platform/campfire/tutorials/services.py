"""Tutorial writes: starting and resetting copies, checking exercises, hints, solutions."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campfire.execution.models import Kind, Status
from campfire.execution.services import ExecutionUnavailable, execution_request
from campfire.notebooks import services as notebook_services
from campfire.notebooks.models import Notebook
from campfire.tutorials import content, selectors
from campfire.tutorials.checkcode import check_code
from campfire.tutorials.models import AttemptStatus, Exercise, ExerciseAttempt, ExerciseState, Tutorial, TutorialCopy


# ------------------------------------------------------------------------------------------ copies
@transaction.atomic
def copy_start(*, tutorial: Tutorial, user) -> tuple[TutorialCopy, bool]:
    """The user's copy of the tutorial's current version: their existing one ("Continue"), else a
    new notebook made from it ("Start", or "Update" when they have copies of older versions,
    which are kept). Returns (copy, created)."""
    version = tutorial.current
    existing = TutorialCopy.objects.filter(learner=user, version=version).select_related("notebook").order_by("-created").first()
    if existing is not None:
        return existing, False
    # A copy of a newer version sits next to the older copies in "My notebooks": name it apart.
    older = TutorialCopy.objects.filter(learner=user, version__tutorial=tutorial).exists()
    title = f"{tutorial.title} (v{version.number})" if older else tutorial.title
    notebook = notebook_services.notebook_create(
        owner=user, title=title[:200], cells=content.starter_cells(version.cells), metadata=version.metadata,
    )
    return TutorialCopy.objects.create(learner=user, version=version, notebook=notebook), True


@transaction.atomic
def copy_reset(*, copy: TutorialCopy, keep: bool = False) -> Notebook | None:
    """Jupyter's "revert": the copy's cells become the version's again (starters back, cells the
    learner added gone, outputs cleared), in one save based on the version read here, so an
    editor open elsewhere gets a conflict rather than overwriting it. Attempts, solved exercises
    and cells run stay (progress is history). With `keep`, the current work is first saved as a
    separate notebook, which is returned."""
    notebook = Notebook.objects.select_for_update().get(pk=copy.notebook_id)
    kept = notebook_services.notebook_duplicate(notebook=notebook, owner=notebook.owner) if keep else None
    cells = [{**cell, "outputs": []} if cell["cell_type"] == "code" else cell for cell in content.starter_cells(copy.version.cells)]
    notebook_services.notebook_update(notebook=notebook, version=notebook.version, cells=cells)
    return kept


# --------------------------------------------------------------------------------------- exercises
def _exercise_cell(copy: TutorialCopy, exercise: Exercise) -> dict:
    cell = next((c for c in copy.notebook.cells if c["id"] == exercise.cell_id), None)
    if cell is None or cell["cell_type"] != "code":
        raise ValidationError(f"the cell of exercise {exercise.exercise_id!r} is not in your saved notebook: "
                              "save it, or reset the notebook to bring the cell back")
    return cell


def exercise_check(*, copy: TutorialCopy, exercise: Exercise, user, source: str | None = None) -> ExerciseAttempt:
    """Run the exercise cell (`source`, else its saved source) and then the hidden check in the
    copy's kernel, as two executions of one request; the attempt is graded when the check's
    record arrives (grading.check_recorded). Raises what execution_request raises."""
    code = _exercise_cell(copy, exercise)["source"] if source is None else source
    runs = [(exercise.cell_id, code), (exercise.cell_id, check_code(check=exercise.check_source, exercise_id=exercise.exercise_id), Kind.CHECK)]
    with transaction.atomic():  # the attempt exists before either run is sent (on commit)
        run, check = execution_request(notebook=copy.notebook, user=user, runs=runs)
        attempt = ExerciseAttempt.objects.create(learner=user, exercise=exercise, copy=copy, code=code,
                                                 run_execution=run, check_execution=check)
    if Status.LOST in (run.status, check.status):
        attempt.delete()  # not an attempt: nothing ran (it would otherwise open the solution)
        raise ExecutionUnavailable("the execution service cannot be reached right now; try again in a moment")
    return attempt


def attempt_grade(*, attempt: ExerciseAttempt, status: str, message: str) -> bool:
    """Record an attempt's result once (a duplicate record changes nothing); the first pass
    marks the exercise solved. Returns False when it was already graded."""
    now = timezone.now()
    with transaction.atomic():
        if not ExerciseAttempt.objects.filter(pk=attempt.pk, status=AttemptStatus.PENDING).update(status=status, message=message, graded=now):
            return False
        attempt.status, attempt.message, attempt.graded = status, message, now
        if status == AttemptStatus.PASS:
            state, _ = ExerciseState.objects.get_or_create(learner_id=attempt.learner_id, exercise_id=attempt.exercise_id)
            ExerciseState.objects.filter(pk=state.pk, solved__isnull=True).update(solved=now)
    return True


def hint_reveal(*, exercise: Exercise, user) -> ExerciseState:
    """Reveal the next hint (one conditional UPDATE: two clicks at once reveal two hints at most
    as far as there are hints)."""
    state, _ = ExerciseState.objects.get_or_create(learner=user, exercise=exercise)
    total = len(exercise.hints)
    if not ExerciseState.objects.filter(pk=state.pk, hints_revealed__lt=total).update(hints_revealed=F("hints_revealed") + 1):
        raise ValidationError(f"all {total} hints of this exercise are already shown")
    state.refresh_from_db()
    return state


def solution_reveal(*, exercise: Exercise, user) -> str:
    """The solution, when the tutorial's policy allows it now (PermissionDenied saying why not);
    the reveal is recorded."""
    refusal = selectors.solution_refusal(exercise=exercise, user=user)
    if refusal:
        raise PermissionDenied(refusal)
    state, _ = ExerciseState.objects.get_or_create(learner=user, exercise=exercise)
    ExerciseState.objects.filter(pk=state.pk, solution_revealed__isnull=True).update(solution_revealed=timezone.now())
    return exercise.solution
