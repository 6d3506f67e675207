"""Grading an attempt once its check execution is recorded, and telling the learner's browser.

The result is read only from the outputs of the check execution the platform submitted itself
(`workers.exercises.parse_check_result`), never from the exercise cell's outputs: a learner cell
that displays a forged result grades nothing. Within the check execution the *last* result
counts: the check wrapper's own display is its final act, so a forged one displayed earlier by
learner code the check calls cannot win (see workers/exercises.py on what a kernel can fake).
"""

from redis.exceptions import RedisError

from workers import protocol
from workers.exercises import CHECKER_ERROR, parse_check_result

from campfire.execution import events, logs
from campfire.execution.models import Execution, Status
from campfire.execution.selectors import execution_detail
from campfire.tutorials import selectors, services
from campfire.tutorials.models import AttemptStatus, ExerciseAttempt

_DID_NOT_FINISH = {
    Status.INTERRUPTED: "it was interrupted",
    Status.TIMED_OUT: "it ran past the time limit",
    Status.KERNEL_DIED: "the kernel died",
    Status.LOST: "its worker stopped",
}


def _error_of(outputs) -> tuple[str, str]:
    for output in outputs or ():
        if isinstance(output, dict) and output.get("output_type") == "error":
            return str(output.get("ename") or "an error"), str(output.get("evalue") or "")
    return "an error", ""


def attempt_outcome(*, exercise_id: str, run: dict | None, check: dict) -> tuple[str, str]:
    """(status, message) of an attempt from its two executions' details (status, outputs,
    message).

    A cell that did not finish (interrupted, timed out, ...) is a `fail` saying so: the check
    would only grade what was left from before. A cell that raised is graded by the check (the
    answer may be complete before the line that raised), with the error in the message: a
    failing check's message is then the error, the likelier cause."""
    if run is not None and run["status"] in _DID_NOT_FINISH:
        return AttemptStatus.FAIL, f"Your cell did not finish: {_DID_NOT_FINISH[run['status']]}. Run it again, then check."
    result = parse_check_result(list(reversed(check.get("outputs") or [])), exercise_id)
    if result is None:
        why = _DID_NOT_FINISH.get(check["status"], "it produced no result")
        return AttemptStatus.ERROR, f"{CHECKER_ERROR}{why}" + (f" ({check['message']})" if check.get("message") else "")
    if run is not None and run["status"] == Status.ERROR:
        name, value = _error_of(run.get("outputs"))
        raised = f"{name}" + (f": {value}" if value else "")
        if result["status"] == AttemptStatus.PASS:
            return AttemptStatus.PASS, f"Your answer passes, but your cell also raised {raised}."
        if result["status"] == AttemptStatus.FAIL:
            hint = " Run the cells above it first (Run above), then check again." if name == "NameError" else ""
            return AttemptStatus.FAIL, f"Your cell raised {raised}.{hint}"
    return result["status"], result["message"]


def _publish(attempt: ExerciseAttempt, execution: Execution) -> None:
    """The `check` event on the session's stream, after the attempt is stored (a reload shows the
    same). A Redis failure only loses the event: the browser falls back to GET."""
    exercise, copy = attempt.exercise, attempt.copy
    status = selectors.exercise_status(exercise=exercise, user=attempt.learner)
    progress = selectors.copy_progress(copy=copy) if copy else None
    if progress and progress["last_activity"]:
        progress["last_activity"] = progress["last_activity"].isoformat()
    data = {"exercise": exercise.exercise_id, "attempt": str(attempt.id), "status": attempt.status,
            "message": attempt.message, "solved": status["solved"], "solution_available": status["solution_available"],
            "progress": progress}
    event = protocol.make_event(protocol.EV_CHECK, execution=str(execution.id), cell=exercise.cell_id, data=data)
    try:
        events.append(str(execution.session_id), event)
    except RedisError as exc:
        logs.warning("check.event_failed", attempt=attempt.id, error=repr(exc))


def check_recorded(execution: Execution) -> None:
    """Record hook for check executions (registered in apps.py): grade the attempt, tell the browser."""
    attempt = (ExerciseAttempt.objects.select_related("exercise__version__tutorial", "run_execution", "copy__version", "learner")
               .filter(check_execution=execution).first())
    if attempt is None:
        logs.warning("check.no_attempt", execution=execution.id)
        return
    run = execution_detail(execution=attempt.run_execution) if attempt.run_execution else None
    check = {"status": execution.status, "outputs": execution.outputs, "message": execution.message}
    status, message = attempt_outcome(exercise_id=attempt.exercise.exercise_id, run=run, check=check)
    if services.attempt_grade(attempt=attempt, status=status, message=message):
        logs.info("check.graded", attempt=attempt.id, exercise=attempt.exercise.exercise_id, status=status)
        _publish(attempt, execution)


def grade_stale(*, exercise, user) -> None:
    """Grade the user's attempts at `exercise` still pending although their check is recorded:
    the record hook failed after the record was stored (a retried record task is a duplicate and
    does not call it again). The exercise GET calls this, which is where a browser that saw no
    result looks."""
    stale = ExerciseAttempt.objects.filter(exercise=exercise, learner=user, status=AttemptStatus.PENDING,
                                           check_execution__recorded__isnull=False).select_related("check_execution")
    for attempt in stale:
        check_recorded(attempt.check_execution)

