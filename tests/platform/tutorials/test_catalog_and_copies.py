"""The catalog, the tutorial page, starting / continuing / updating / resetting a copy, My
learning and progress; anonymous visitors read but cannot start. Progress is computed from
executions: these tests create finished cell executions directly, as the record task leaves them."""

import pytest

from campfire.execution import services as execution_services
from campfire.execution.models import Execution
from campfire.notebooks import services as notebook_services
from campfire.notebooks.models import CellOutput, Notebook
from campfire.tutorials import services
from campfire.tutorials.models import ExerciseState, Tutorial, TutorialCopy
from campfire.tutorials.progress import copies_progress
from campfire.tutorials.sync import tutorials_sync

from .conftest import browser_for
from .samples import SLUG, write_sample

pytestmark = pytest.mark.django_db


def ran(copy, cell_ids, status="ok"):
    session = execution_services.kernel_session_get_or_create(notebook=copy.notebook, user=copy.learner)
    for cell_id in cell_ids:
        Execution.objects.create(notebook=copy.notebook, session=session, user=copy.learner, cell_id=cell_id, code="", status=status)


def solve(copy, exercise_id):
    exercise = copy.version.exercises.get(exercise_id=exercise_id)
    ExerciseState.objects.update_or_create(learner=copy.learner, exercise=exercise, defaults={"solved": exercise.version.loaded})


def card(page: str, slug: str) -> str:
    start = page.index(f'data-slug="{slug}"')
    return page[start:page.index("</li>", start)]


def test_the_catalog_lists_filters_and_searches(real_tutorials, anon_api):
    entries = anon_api.get("/api/tutorials").json()
    assert [e["slug"] for e in entries][:3] == ["tensors", "autograd", "nn-modules"] and len(entries) == 12
    first = entries[0]
    assert first["level"] == "beginner" and first["minutes"] > 0 and first["tags"] and first["progress"] is None
    assert entries[1]["prerequisites"] == [{"slug": "tensors", "title": real_tutorials[0].title}]
    assert {e["level"] for e in anon_api.get("/api/tutorials?level=advanced").json()} == {"advanced"}
    assert [e["slug"] for e in anon_api.get("/api/tutorials?tag=gpu").json()] == ["gpu"]
    assert [e["slug"] for e in anon_api.get("/api/tutorials?q=ATTENTION").json()] == ["attention"]
    page = browser_for(None).get("/tutorials/?level=intermediate").content.decode()
    assert 'data-slug="convnets"' in page and 'data-slug="tensors"' not in page
    assert "Sign up" in page and "Not started" not in page  # no progress for anonymous visitors
    assert "No tutorial matches" in browser_for(None).get("/tutorials/?q=zzzz").content.decode()


def test_cards_show_not_started_in_progress_and_completed(sample, alice):
    page = browser_for(alice).get("/tutorials/").content.decode()
    assert "Not started" in card(page, SLUG)
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    ran(copy, copy.version.code_cells[:1])
    page = browser_for(alice).get("/tutorials/").content.decode()
    assert "In progress · 20%" in card(page, SLUG) and "1/3 cells run · 0/2 exercises passed" in card(page, SLUG)
    ran(copy, copy.version.code_cells)
    solve(copy, "triple")
    solve(copy, "shout")
    page = browser_for(alice).get("/tutorials/").content.decode()
    assert "✓ Completed" in card(page, SLUG)
    assert browser_for(alice).get("/api/tutorials").json()[0]["progress"]["state"] == "completed"


def test_progress_counts_cells_that_ran_to_their_end_once_and_only_the_versions(sample, alice):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    code = copy.version.code_cells
    ran(copy, [code[0], code[0]])               # twice: one cell
    ran(copy, [code[1]], status="error")        # it ran: the kernel executed it
    ran(copy, [code[2]], status="interrupted")  # it did not
    ran(copy, ["added-by-me"])                  # not a cell of the tutorial
    progress = copies_progress([copy])[copy.pk]
    assert (progress["cells_run"], progress["cells_total"], progress["percent"], progress["completed"]) == (2, 3, 40, False)


def test_anonymous_visitors_read_a_tutorial_and_are_asked_to_sign_in_to_run_it(sample, anon_api):
    page = browser_for(None).get(f"/tutorials/{SLUG}/")
    html = page.content.decode()
    assert page.status_code == 200 and "Log in to start" in html and f"/accounts/login/?next=/tutorials/{SLUG}/" in html
    assert 'data-execution-enabled="false"' in html and "Start</button>" not in html
    assert anon_api.get(f"/api/tutorials/{SLUG}").json()["cells"][1]["source"].startswith("base = 3")
    assert anon_api.post(f"/api/tutorials/{SLUG}/start").status_code == 401
    refused = browser_for(None).post(f"/tutorials/{SLUG}/start/")
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    assert not TutorialCopy.objects.exists()


def test_start_makes_a_copy_once_then_continues_it(sample, alice, alice_api):
    first = alice_api.post(f"/api/tutorials/{SLUG}/start")
    again = alice_api.post(f"/api/tutorials/{SLUG}/start")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["notebook"] == again.json()["notebook"] and first.json()["created"] and not again.json()["created"]
    notebook = Notebook.objects.get(pk=first.json()["notebook"])
    assert notebook.owner == alice and notebook.title == sample.title
    assert [c["id"] for c in notebook.cells] == [c["id"] for c in sample.current.cells]
    assert not CellOutput.objects.filter(notebook=notebook).exists()  # the learner runs the cells
    page = browser_for(alice).get(f"/tutorials/{SLUG}/").content.decode()
    assert 'id="tutorial-continue"' in page and f"/notebooks/{notebook.id}/" in page
    # The HTML button does the same and opens the editor.
    response = browser_for(alice).post(f"/tutorials/{SLUG}/start/")
    assert response.status_code == 302 and response["Location"] == f"/notebooks/{notebook.id}/"


def test_a_newer_version_is_offered_and_the_old_copy_kept(sample, sample_dir, alice):
    old, _ = services.copy_start(tutorial=sample, user=alice)
    write_sample(sample_dir, version=2, intro="Now with more shouting.")
    tutorials_sync(path=sample_dir)
    page = browser_for(alice).get(f"/tutorials/{SLUG}/").content.decode()
    assert "Update to v2</button>" in page and "your v1 copy is kept" in page and "Continue v1" in page
    editor = browser_for(alice).get(f"/notebooks/{old.notebook_id}/").content.decode()
    assert "Version 2 is out: update" in editor
    response = browser_for(alice).post(f"/tutorials/{SLUG}/start/")
    newer = TutorialCopy.objects.filter(learner=alice).latest("created")
    assert response["Location"] == f"/notebooks/{newer.notebook_id}/" and newer.version.number == 2
    assert (newer.notebook.title, old.notebook.title) == (f"{sample.title} (v2)", sample.title)
    assert TutorialCopy.objects.filter(pk=old.pk, version__number=1).exists()
    learning = browser_for(alice).get("/api/learning").json()
    assert len(learning) == 1 and learning[0]["version"] == 2 and [c["version"] for c in learning[0]["copies"]] == [2, 1]


def test_reset_asks_first_then_restores_the_starters_and_can_keep_the_work(sample, alice):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    notebook = copy.notebook
    cells = [dict(c) for c in notebook.cells]
    cells[3]["source"] = "def triple(x):\n    return 3 * x"
    cells.append({"cell_type": "code", "source": "print('my own cell')"})
    notebook = notebook_services.notebook_update(notebook=notebook, version=notebook.version, cells=cells)
    notebook_services.cell_outputs_store(notebook_id=notebook.id, cell_id=cells[1]["id"], outputs=[{"output_type": "stream", "name": "stdout", "text": "3\n"}], execution_count=1)
    browser = browser_for(alice)
    question = browser.get(f"/tutorials/copies/{notebook.id}/reset/")
    assert question.status_code == 200 and "Reset the notebook" in question.content.decode()
    response = browser.post(f"/tutorials/copies/{notebook.id}/reset/", {"keep": "on"})
    assert response.status_code == 302 and response["Location"] == f"/notebooks/{notebook.id}/"
    notebook.refresh_from_db()
    assert [c["source"] for c in notebook.cells] == [c["source"] for c in sample.current.cells]
    assert not CellOutput.objects.filter(notebook=notebook).exists()
    kept = Notebook.objects.get(owner=alice, title=f"{sample.title} (copy)")
    assert kept.cells[3]["source"] == "def triple(x):\n    return 3 * x" and len(kept.cells) == len(cells)
    browser.post(f"/tutorials/copies/{notebook.id}/reset/")  # without keeping: no second copy
    assert Notebook.objects.filter(owner=alice).count() == 2


def test_copies_and_their_exercises_are_their_owners_only(sample, alice, bob, bob_api):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    base = f"/api/notebooks/{copy.notebook_id}/exercises/triple"
    for response in (bob_api.get(base), bob_api.post(f"{base}/hint"), bob_api.get(f"{base}/solution"), bob_api.post(f"{base}/check", {})):
        assert response.status_code == 404
    assert browser_for(bob).get(f"/tutorials/copies/{copy.notebook_id}/reset/").status_code == 404
    other = notebook_services.notebook_create(owner=alice, title="Not a tutorial")
    assert browser_for(alice).get(f"/api/notebooks/{other.id}/exercises/triple").status_code == 404


def test_hints_are_revealed_one_by_one(sample, alice, alice_api):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    base = f"/api/notebooks/{copy.notebook_id}/exercises/triple"
    assert alice_api.get(base).json()["hints"] == [] and alice_api.get(base).json()["hints_total"] == 2
    first = alice_api.post(f"{base}/hint").json()
    assert (first["index"], first["remaining"], first["hint"]["text"]) == (1, 1, "Multiply by **three**.")
    assert first["hint"]["html"] == "<p>Multiply by <strong>three</strong>.</p>\n"
    assert "return 3 * x" not in str(first)  # the second hint is not sent yet
    assert [h["text"] for h in alice_api.get(base).json()["hints"]] == ["Multiply by **three**."]
    second = alice_api.post(f"{base}/hint").json()
    assert second["index"] == 2 and [h["text"] for h in second["hints"]] == ["Multiply by **three**.", "`return 3 * x`"]
    over = alice_api.post(f"{base}/hint")
    assert over.status_code == 400 and over.json()["detail"] == "all 2 hints of this exercise are already shown"


@pytest.mark.parametrize("policy, before, after_attempt", [("after_attempt", 403, 200), ("always", 200, 200), ("never", 403, 403)])
def test_the_solution_follows_the_reveal_policy(tmp_path, alice, alice_api, policy, before, after_attempt):
    write_sample(tmp_path, reveal=policy)
    tutorials_sync(path=tmp_path)
    copy, _ = services.copy_start(tutorial=Tutorial.objects.get(), user=alice)
    base = f"/api/notebooks/{copy.notebook_id}/exercises/triple"
    response = alice_api.get(f"{base}/solution")
    assert response.status_code == before and alice_api.get(base).json()["solution_available"] is (before == 200)
    if before == 403:
        assert "solution" not in response.json() and response.json()["detail"]
    exercise = copy.version.exercises.get(exercise_id="triple")
    attempt = services.exercise_check(copy=copy, exercise=exercise, user=alice, source="x = 1")
    assert alice_api.get(f"{base}/solution").status_code == before  # a pending check is not an attempt yet
    services.attempt_grade(attempt=attempt, status="fail", message="triple(2) should be 6, got None.")
    response = alice_api.get(f"{base}/solution")
    assert response.status_code == after_attempt
    if after_attempt == 200:
        assert response.json() == {"exercise": "triple", "solution": "def triple(x):\n    return 3 * x\n"}
        assert alice_api.get(base).json()["solution"] == "def triple(x):\n    return 3 * x\n"  # stays revealed
    else:
        assert response.json()["detail"] == "This tutorial does not reveal its solutions: the hints lead you there."


def test_my_learning_lists_what_i_started_with_continue_links(sample, alice):
    assert "You have not started a tutorial yet" in browser_for(alice).get("/learning/").content.decode()
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    ran(copy, copy.version.code_cells[:2])
    page = browser_for(alice).get("/learning/").content.decode()
    assert f"/notebooks/{copy.notebook_id}/" in page and "In progress · 40%" in page
    assert browser_for(None).get("/learning/").status_code == 302
    row = browser_for(alice).get("/api/learning").json()[0]
    assert row["progress"]["cells_run"] == 2 and row["continue_url"] == f"/notebooks/{copy.notebook_id}/"


def test_the_editor_of_a_copy_has_the_tutorial_panel_and_data(sample, alice, bob):
    copy, _ = services.copy_start(tutorial=sample, user=alice)
    page = browser_for(alice).get(f"/notebooks/{copy.notebook_id}/").content.decode()
    assert 'id="tutorial-panel"' in page and 'id="tutorial-data"' in page and f"/tutorials/copies/{copy.notebook_id}/reset/" in page
    plain = notebook_services.notebook_create(owner=alice, title="Plain")
    assert 'id="tutorial-data"' not in browser_for(alice).get(f"/notebooks/{plain.id}/").content.decode()


def test_the_tutorial_endpoints_are_in_the_openapi_schema(anon_api):
    schema = anon_api.get("/api/openapi.json").json()
    base = "/api/notebooks/{notebook_id}/exercises/{exercise_id}"
    assert {"/api/tutorials": {"get"}, "/api/tutorials/{slug}": {"get"}, "/api/tutorials/{slug}/start": {"post"},
            "/api/learning": {"get"}, base: {"get"}, f"{base}/check": {"post"}, f"{base}/hint": {"post"},
            f"{base}/solution": {"get"}}.items() <= {path: set(methods) for path, methods in schema["paths"].items()}.items()
    fields = {name for shape in schema["components"]["schemas"].values() for name in shape.get("properties", {})}
    assert "check_source" not in fields and "hints_total" in fields
