"""Grading in-process: the check execution's record (as a worker sends it) grades the attempt,
from the check's own outputs only, and the result goes to the session's stream as a `check`
event. The same path with real workers and kernels is test_live_grading.py."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from campfire.execution import services as execution_services
from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import Execution, Kind
from campfire.notebooks.models import CellOutput
from campfire.tutorials import services
from campfire.tutorials.models import ExerciseAttempt, ExerciseState
from workers import protocol
from workers.exercises import CHECK_MIME

from .conftest import browser_for
from .samples import SOLUTION_TRIPLE

pytestmark = pytest.mark.django_db


def result(status, message="", exercise="triple"):
    return {"output_type": "display_data", "metadata": {},
            "data": {CHECK_MIME: {"exercise": exercise, "status": status, "message": message}, "text/plain": f"check: {status}"}}


def error(name, value):
    return {"output_type": "error", "ename": name, "evalue": value, "traceback": [f"{name}: {value}"]}


def record(execution, status="ok", outputs=(), seq=1):
    return {"execution": str(execution.id), "session": str(execution.session_id), "cell": execution.stream_cell, "seq": seq,
            "status": status, "outputs": list(outputs), "execution_count": seq, "started": "2026-11-26T10:00:00+00:00",
            "finished": "2026-11-26T10:00:01+00:00", "duration": 1.0, "worker": "cpu@test", "message": "", "truncated": False}


@pytest.fixture
def copy(sample, alice):
    return services.copy_start(tutorial=sample, user=alice)[0]


@pytest.fixture
def attempt_for(copy, alice):
    """attempt_for(run_outputs, check_outputs, run_status="ok", check_status="ok") -> the graded attempt."""
    exercise = copy.version.exercises.get(exercise_id="triple")

    def make(run_outputs=(), check_outputs=(), run_status="ok", check_status="ok", source=SOLUTION_TRIPLE):
        attempt = services.exercise_check(copy=copy, exercise=exercise, user=alice, source=source)
        assert execution_services.execution_record(payload=record(attempt.run_execution, run_status, run_outputs, seq=1)) == "stored"
        assert execution_services.execution_record(payload=record(attempt.check_execution, check_status, check_outputs, seq=2)) == "stored"
        attempt.refresh_from_db()
        return attempt

    return make


def check_events(execution):
    stream = namespace().session_events(str(execution.session_id))
    return [e for e in (protocol.decode_event(i, f) for i, f in redis_client().xrange(stream)) if e["type"] == "check"]


def test_a_check_runs_the_cell_then_the_hidden_check_as_two_executions(copy, alice):
    exercise = copy.version.exercises.get(exercise_id="triple")
    attempt = services.exercise_check(copy=copy, exercise=exercise, user=alice, source="def triple(x): return 3 * x")
    run, check = attempt.run_execution, attempt.check_execution
    assert (run.kind, run.cell_id, run.code) == (Kind.CELL, exercise.cell_id, "def triple(x): return 3 * x")
    assert (check.kind, check.cell_id, check.stream_cell) == (Kind.CHECK, exercise.cell_id, f"check:{exercise.cell_id}")
    assert exercise.check_source in eval(check.code.split("'_source': ", 1)[1].split(", '_exercise'")[0])  # noqa: S307 the repr we built
    assert run.requested <= check.requested and attempt.status == "pending" and attempt.code == run.code


def test_a_passing_check_passes_marks_solved_and_tells_the_browser(attempt_for, alice):
    attempt = attempt_for(check_outputs=[result("pass")])
    assert (attempt.status, attempt.message) == ("pass", "")
    assert ExerciseState.objects.get(learner=alice, exercise=attempt.exercise).solved is not None
    [event] = check_events(attempt.check_execution)
    assert (event["cell"], event["execution"]) == (attempt.exercise.cell_id, str(attempt.check_execution_id))
    assert event["data"]["status"] == "pass" and event["data"]["solved"] is True and event["data"]["attempt"] == str(attempt.id)
    assert event["data"]["progress"]["exercises_passed"] == 1 and event["data"]["progress"]["cells_run"] == 1


def test_a_failing_check_fails_with_its_message_and_opens_the_solution(attempt_for, alice, copy):
    attempt = attempt_for(check_outputs=[result("fail", "triple(2) should be 6, got None.")])
    assert (attempt.status, attempt.message) == ("fail", "triple(2) should be 6, got None.")
    assert not ExerciseState.objects.filter(learner=alice, solved__isnull=False).exists()
    [event] = check_events(attempt.check_execution)
    assert event["data"]["solved"] is False and event["data"]["solution_available"] is True


def test_a_result_displayed_by_the_learners_cell_counts_for_nothing(attempt_for):
    forged = [result("pass"), {"output_type": "stream", "name": "stdout", "text": '{"status": "pass"}\n'}]
    attempt = attempt_for(run_outputs=forged, check_outputs=[result("fail", "triple(2) should be 6, got None.")])
    assert attempt.status == "fail"


def test_a_result_forged_inside_the_check_loses_to_the_checks_own_last_one(attempt_for):
    """Learner code the check calls can display a result too; the wrapper's own comes last."""
    attempt = attempt_for(check_outputs=[result("pass"), result("fail", "triple(2) should be 6, got 5.")])
    assert (attempt.status, attempt.message) == ("fail", "triple(2) should be 6, got 5.")


def test_a_result_for_another_exercise_is_not_this_ones(attempt_for):
    attempt = attempt_for(check_outputs=[result("pass", exercise="shout")])
    assert attempt.status == "error" and "produced no result" in attempt.message


def test_a_cell_that_raised_fails_with_its_error_unless_the_answer_passes(attempt_for):
    attempt = attempt_for(run_status="error", run_outputs=[error("NameError", "name 'ember' is not defined")],
                          check_outputs=[result("fail", "Define a function `triple(x)`.")])
    assert attempt.status == "fail"
    assert attempt.message == "Your cell raised NameError: name 'ember' is not defined. Run the cells above it first (Run above), then check again."
    # The function is right; a demo line after it raised (a name a later cell changed, say).
    passed = attempt_for(run_status="error", run_outputs=[error("IndexError", "shape mismatch")], check_outputs=[result("pass")])
    assert (passed.status, passed.message) == ("pass", "Your answer passes, but your cell also raised IndexError: shape mismatch.")


def test_a_cell_that_did_not_finish_fails_whatever_the_check_says(attempt_for):
    attempt = attempt_for(run_status="timed_out", check_outputs=[result("pass")])
    assert (attempt.status, attempt.message) == ("fail", "Your cell did not finish: it ran past the time limit. Run it again, then check.")


def test_a_check_that_never_finished_is_a_checker_error(attempt_for):
    attempt = attempt_for(check_status="interrupted")
    assert (attempt.status, attempt.message) == ("error", "the checker could not check your answer: it was interrupted")
    crashed = attempt_for(check_status="error", check_outputs=[error("KeyboardInterrupt", "")])
    assert crashed.status == "error" and "KeyboardInterrupt" in crashed.message


def test_a_duplicate_record_grades_once(attempt_for):
    attempt = attempt_for(check_outputs=[result("pass")])
    assert execution_services.execution_record(payload=record(attempt.check_execution, "ok", [result("fail", "late")], seq=2)) == "duplicate"
    attempt.refresh_from_db()
    assert attempt.status == "pass" and len(check_events(attempt.check_execution)) == 1


def test_the_checks_outputs_are_never_the_cells_nor_shown_by_the_execution_api(attempt_for, alice, copy):
    attempt = attempt_for(run_outputs=[{"output_type": "stream", "name": "stdout", "text": "mine\n"}], check_outputs=[result("pass")])
    stored = CellOutput.objects.get(notebook=copy.notebook, cell_id=attempt.exercise.cell_id)
    assert stored.outputs == [{"output_type": "stream", "name": "stdout", "text": "mine\n"}]
    assert Execution.objects.get(pk=attempt.check_execution_id).outputs == [result("pass")]  # kept on the server
    detail = browser_for(alice).get(f"/api/executions/{attempt.check_execution_id}").json()
    assert (detail["kind"], detail["outputs"], detail["status"]) == ("check", [], "ok")


def test_an_attempt_row_exists_before_its_runs_are_sent(copy, alice, django_capture_on_commit_callbacks):
    exercise = copy.version.exercises.get(exercise_id="triple")
    with django_capture_on_commit_callbacks() as callbacks:
        attempt = services.exercise_check(copy=copy, exercise=exercise, user=alice)
        assert ExerciseAttempt.objects.filter(pk=attempt.pk).exists()
    assert len(callbacks) == 1  # one send of both runs, when the transaction that holds the attempt commits
    assert attempt.code == "def triple(x):\n    return None  # TODO"  # the saved source when none is sent


def test_an_attempt_whose_grading_failed_is_graded_when_its_state_is_read(copy, alice, alice_api, monkeypatch):
    """The record is stored but the hook failed (say the database went away): a retried record
    is a duplicate, so the exercise GET grades what is left pending."""
    exercise = copy.version.exercises.get(exercise_id="triple")
    attempt = services.exercise_check(copy=copy, exercise=exercise, user=alice, source=SOLUTION_TRIPLE)
    monkeypatch.setitem(execution_services.RECORD_HOOKS, Kind.CHECK, lambda execution: None)
    execution_services.execution_record(payload=record(attempt.run_execution, "ok", [], seq=1))
    execution_services.execution_record(payload=record(attempt.check_execution, "ok", [result("pass")], seq=2))
    attempt.refresh_from_db()
    assert attempt.status == "pending"
    monkeypatch.undo()
    state = alice_api.get(f"/api/notebooks/{copy.notebook_id}/exercises/triple").json()
    assert state["status"] == "pass" and state["solved"] and len(check_events(attempt.check_execution)) == 1


def test_pruning_old_run_records_keeps_the_grade_and_the_solved_exercise(attempt_for, alice, copy):
    attempt = attempt_for(check_outputs=[result("pass", "Well done")])
    Execution.objects.filter(pk__in=[attempt.run_execution_id, attempt.check_execution_id]).update(recorded=timezone.now() - timedelta(days=90))
    call_command("prune_executions", stdout=StringIO())
    attempt.refresh_from_db()
    assert (attempt.status, attempt.message, attempt.code) == ("pass", "Well done", SOLUTION_TRIPLE)
    assert attempt.check_execution is None
    assert attempt.run_execution.outputs_stored  # kept: the cell's outputs are that run's
    assert ExerciseState.objects.get(learner=alice, exercise=attempt.exercise).solved is not None
