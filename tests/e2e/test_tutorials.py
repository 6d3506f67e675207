"""Tutorials in a real browser against the whole stack (web, platform worker, CPU worker), with
the twelve real tutorials loaded by `manage.py sync_tutorials`: the catalog, an anonymous visitor
reading, starting tutorial 1, running its cells, failing then solving an exercise, a hint, and
progress on the page, the catalog and My learning. Screenshots go to the shots folder."""

import json
from pathlib import Path

import pytest

from tests.e2e.helpers import Server, sign_up, unique, wait_until

ROOT = Path(__file__).resolve().parents[2]
CELLS = "[...document.querySelectorAll('#nb-cells .cell')]"


@pytest.fixture(scope="module")
def stack_server(live_stack):
    assert ", 0 refused" in live_stack.manage("sync_tutorials")
    return Server(base_url=live_stack.base_url, env=live_stack.env, root=ROOT, log_path=live_stack.procs["web"].log_path)


def exercise_of(filename: str, index: int) -> dict:
    nb = json.loads((ROOT / "tutorials" / filename).read_text())
    cells = [c for c in nb["cells"] if c["metadata"].get("campfire", {}).get("exercise")]
    return {"cell": cells[index]["id"], **cells[index]["metadata"]["campfire"]["exercise"]}


def panel(cell_id: str) -> str:
    return f"document.querySelector('.cell[data-cell-id=\"{cell_id}\"] .exercise-panel')"


def wait_graded(page, cell_id: str, stack, timeout: float = 60) -> str:
    """Wait for the exercise's next result; return its status (the message says why, on failure).
    Set the panel's status aside first: a result replaces it."""
    try:
        wait_until(page, f"['pass', 'fail', 'error'].includes({panel(cell_id)}.dataset.status)", timeout=timeout)
    except AssertionError:
        state = page.evaluate(f"(p => [p.dataset.status, p.innerText])({panel(cell_id)})")
        raise AssertionError(f"no result for the exercise in {cell_id} after {timeout} s; its panel: {state}\n{stack.tails(30)}") from None
    return page.evaluate(f"{panel(cell_id)}.dataset.status")


def replace_code(page, cell_id: str, code: str):
    page.locator(f'.cell[data-cell-id="{cell_id}"] .cm-content').click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)  # as pasted: no auto-indent


def test_an_anonymous_visitor_reads_a_tutorial_and_is_asked_to_sign_in(page, stack_server, shots_dir):
    page.goto(stack_server.url("/tutorials/"))
    assert page.locator(".tutorial-card").count() >= 10 and page.locator(".tutorial-progress").count() == 0
    page.locator(".tutorial-card[data-slug='tensors'] h2 a").click()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.locator(".tutorial-cta").inner_text().startswith("Run this tutorial in your own copy")
    assert page.locator(".cell-run:visible").count() == 0 and page.locator("#run-toolbar").is_hidden()
    wait_until(page, "document.querySelectorAll('.exercise-panel').length === 3")
    assert "checks run in your own copy" in page.locator(".exercise-panel").first.inner_text()
    assert page.locator(".cell .cell-outputs:not([hidden])").count() > 5  # the reference outputs
    page.screenshot(path=str(shots_dir / "tutorial-anonymous.png"), full_page=False)
    assert not page.errors


def test_start_tutorial_one_run_it_solve_an_exercise_and_see_progress(page, stack_server, live_stack, shots_dir):
    sign_up(page, stack_server, unique("learner"))
    page.goto(stack_server.url("/tutorials/"))
    assert "Not started" in page.locator(".tutorial-card[data-slug='tensors']").inner_text()
    page.screenshot(path=str(shots_dir / "tutorial-catalog.png"), full_page=True)
    page.locator(".tutorial-card[data-slug='tensors'] h2 a").click()
    page.locator("#tutorial-start").click()
    page.wait_for_url("**/notebooks/*/")
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, "(k => Boolean(k && k.ws && k.ws.readyState === 1 && !k.catchUp))(window.campfireEditor.kernel)")
    assert page.locator("#tutorial-panel").inner_text().startswith("Tutorial: Tensors")

    page.get_by_role("button", name="Run all", exact=True).click()
    code_cells = f"{CELLS}.filter(c => c.dataset.cellType === 'code')"
    wait_until(page, f"{code_cells}.every(c => (c.querySelector('.cell-state').textContent || '').startsWith('Finished'))", timeout=120)
    wait_until(page, "document.querySelector('#tutorial-progress').innerText.includes('20/20 cells run')")

    exercise = exercise_of("01-tensors.ipynb", 0)
    page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] [data-exercise="check"]').click()  # the starter
    message = page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] .exercise-message')
    assert wait_graded(page, exercise["cell"], live_stack) == "fail", message.inner_text()
    assert message.inner_text() and "Traceback" not in message.inner_text()
    page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] [data-exercise="hint"]').click()
    wait_until(page, f"{panel(exercise['cell'])}.querySelectorAll('.exercise-hint').length === 1")
    page.locator(f'.cell[data-cell-id="{exercise["cell"]}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir / "tutorial-exercise-fail.png"))

    replace_code(page, exercise["cell"], exercise["solution"].rstrip("\n"))
    page.evaluate(f"{panel(exercise['cell'])}.dataset.status = 'before'")
    page.keyboard.press("Shift+Enter")  # runs the cell, then checks it
    assert wait_graded(page, exercise["cell"], live_stack) == "pass", message.inner_text()
    assert page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] .exercise-result').inner_text() == "✓ Passed"
    progress = page.locator("#tutorial-progress").inner_text()
    assert "1/3 exercises passed" in progress and "20/20 cells run" in progress and "91%" in progress
    assert page.locator(".tutorial-chip").inner_text() == "91% done"  # in the sticky header
    page.locator(f'.cell[data-cell-id="{exercise["cell"]}"]').scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir / "tutorial-exercise-pass.png"))
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots_dir / "tutorial-progress.png"))

    # The same progress everywhere, after a reload too.
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.evaluate(f"{panel(exercise['cell'])}.dataset.status") == "pass"
    page.goto(stack_server.url("/tutorials/"))
    assert "In progress · 91%" in page.locator(".tutorial-card[data-slug='tensors']").inner_text()
    page.goto(stack_server.url("/learning/"))
    assert "1/3 exercises passed" in page.locator(".learning-row[data-slug='tensors']").inner_text()
    page.screenshot(path=str(shots_dir / "tutorial-my-learning.png"))
    assert not page.errors


def test_a_result_whose_check_event_never_arrives_is_fetched_from_the_api(page, stack_server, live_stack):
    """The page drops every `check` event (as if Redis lost it): after the check's `finished`
    the page asks the exercise API, and shows the grade from there."""
    sign_up(page, stack_server, unique("no-events"))
    page.goto(stack_server.url("/tutorials/tensors/"))
    page.locator("#tutorial-start").click()
    page.wait_for_url("**/notebooks/*/")
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, "(k => Boolean(k && k.ws && k.ws.readyState === 1 && !k.catchUp))(window.campfireEditor.kernel)")
    # (A function given to evaluate is called: the override is set inside one.)
    page.evaluate("() => { window.campfireEditor.tutorial.checked = () => { window.__checkEventsDropped = (window.__checkEventsDropped || 0) + 1; }; }")
    exercise = exercise_of("01-tensors.ipynb", 0)
    page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] [data-exercise="check"]').click()
    message = page.locator(f'.cell[data-cell-id="{exercise["cell"]}"] .exercise-message')
    assert wait_graded(page, exercise["cell"], live_stack) == "fail", message.inner_text()
    assert message.inner_text()
    assert page.evaluate("window.__checkEventsDropped") == 1  # the event came, and was not what showed it
    assert not page.errors


def test_a_newcomer_finishes_tutorial_four(page, stack_server, live_stack, shots_dir):
    """The issue's "done when": sign up, start tutorial 4, go through it top to bottom (each
    exercise: the starter fails with its message, then an answer passes; the last one through
    "Show solution"), and see it completed on the page, the catalog and My learning."""
    sign_up(page, stack_server, unique("newcomer"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(stack_server.url("/tutorials/training-loop/"))
    page.locator("#tutorial-start").click()
    page.wait_for_url("**/notebooks/*/")
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, "(k => Boolean(k && k.ws && k.ws.readyState === 1 && !k.catchUp))(window.campfireEditor.kernel)")
    exercises = {ex["cell"]: ex for ex in (exercise_of("04-training-loop.ipynb", i) for i in range(3))}
    ids = page.evaluate(f"{CELLS}.filter(c => c.dataset.cellType === 'code').map(c => c.dataset.cellId)")
    for cell_id in ids:
        cell = f'.cell[data-cell-id="{cell_id}"]'
        page.locator(cell).scroll_into_view_if_needed()
        if cell_id not in exercises:
            page.locator(f"{cell} .cell-run").click()
            wait_until(page, f"/^Finished/.test(document.querySelector('{cell} .cell-state').textContent || '')", timeout=120)
            continue
        page.locator(f"{cell} .cm-content").click()
        page.keyboard.press("Shift+Enter")
        assert wait_graded(page, cell_id, live_stack) == "fail", page.locator(f"{cell} .exercise-message").inner_text()
        if exercises[cell_id]["id"] == "train-your-own":
            page.locator(f"{cell} [data-exercise='solution']").click()
            page.locator(f"{cell} [data-exercise='use-solution']").click()
            page.locator(f"{cell} .cm-content").click()
        else:
            replace_code(page, cell_id, exercises[cell_id]["solution"].rstrip("\n"))
        page.evaluate(f"{panel(cell_id)}.dataset.status = 'before'")  # the next result replaces it
        page.keyboard.press("Shift+Enter")
        assert wait_graded(page, cell_id, live_stack, timeout=120) == "pass", page.locator(f"{cell} .exercise-message").inner_text()
    assert page.locator(".tutorial-chip").inner_text() == "✓ Completed"
    assert "12/12 cells run · 3/3 exercises passed" in page.locator("#tutorial-progress").inner_text()
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(shots_dir / "tutorial-four-completed.png"))
    page.goto(stack_server.url("/tutorials/"))
    assert "✓ Completed" in page.locator(".tutorial-card[data-slug='training-loop']").inner_text()
    page.goto(stack_server.url("/learning/"))
    assert "✓ Completed" in page.locator(".learning-row[data-slug='training-loop']").inner_text()
    assert not page.errors
