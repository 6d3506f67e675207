"""Tab completion and Shift+Tab help in a real browser against the whole stack: completions come from
the notebook's running kernel (its variables, a module's attributes after "."), help is plain text in
a tooltip (and beside the completion list for the selected completion), Tab still indents at the start of a line, and Escape closes the list before leaving the cell."""

import pytest

from tests.e2e.helpers import csp_violations, wait_until
from tests.e2e.test_live_execution import CELL, editor, stack_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("live_stack")

# CodeMirror ignores the list's keys for 75 ms after it opens (no accidental picks): a person's pace.
SETTLE_MS = 150
HELP = "(h => h && h.innerText)(document.querySelector('.cm-kernel-help'))"
OPTIONS = "[...document.querySelectorAll('.cm-tooltip-autocomplete li')].map(li => li.querySelector('.cm-completionLabel').textContent)"


def source(page, index):
    return page.evaluate(f"window.campfireEditor.notebook.cells[{index}].source")


def test_completion_and_help_come_from_the_kernel(page, editor, shots_dir):
    editor("import math\nlearning_rate = 0.1", "")
    page.locator(".cell").first.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")  # runs the first cell, moves into the second
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Finished in')", timeout=20)
    page.locator(".cell").nth(1).locator(".cm-content").click()

    page.keyboard.type("learning_r")
    page.keyboard.press("Tab")  # a single match goes straight in, as in Jupyter
    wait_until(page, "window.campfireEditor.notebook.cells[1].source === 'learning_rate'")
    assert page.locator(".cm-tooltip-autocomplete").count() == 0

    page.keyboard.press("Enter")
    page.keyboard.type("math.")  # a "." opens the list without Tab
    wait_until(page, f"{OPTIONS}.includes('sqrt')")
    page.keyboard.type("sqr")
    wait_until(page, f"(o => o[0] === 'sqrt' && !o.includes('floor'))({OPTIONS})")  # filtered as one types
    # The selected completion's docstring shows beside the list once the selection rests on it.
    assert "square root" in wait_until(page, "(i => i && i.innerText)(document.querySelector('.cm-completionInfo .cm-kernel-info'))")
    page.screenshot(path=str(shots_dir / "assist-completion.png"))
    page.wait_for_timeout(SETTLE_MS)
    page.keyboard.press("Tab")
    assert source(page, 1) == "learning_rate\nmath.sqrt"

    page.keyboard.press("Shift+Tab")
    help_text = wait_until(page, HELP)
    assert "square root" in help_text
    page.screenshot(path=str(shots_dir / "assist-help.png"))
    page.keyboard.press("Escape")  # closes the help; the cell keeps the focus
    wait_until(page, "!document.querySelector('.cm-kernel-help')")
    assert page.evaluate(f"{CELL.format(i=1)}.querySelector('.cm-editor').classList.contains('cm-focused')")

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # nothing before the cursor: an indent
    assert source(page, 1) == "learning_rate\nmath.sqrt\n    "
    page.keyboard.type("math.fl")
    wait_until(page, f"{OPTIONS}.includes('floor')")
    page.wait_for_timeout(SETTLE_MS)
    page.keyboard.press("Escape")  # closes the list, still editing
    wait_until(page, "!document.querySelector('.cm-tooltip-autocomplete')")
    assert page.evaluate(f"{CELL.format(i=1)}.querySelector('.cm-editor').classList.contains('cm-focused')")
    page.keyboard.press("Escape")  # now command mode
    wait_until(page, f"!{CELL.format(i=1)}.querySelector('.cm-editor').classList.contains('cm-focused')")
    assert csp_violations(page) == []


def test_without_a_kernel_tab_completes_from_the_cell_and_help_says_why(page, editor):
    editor("")
    page.locator(".cell").first.locator(".cm-content").click()
    page.keyboard.type("epochs_total = 3\nepochs_t")
    page.keyboard.press("Tab")
    wait_until(page, f"{OPTIONS}.includes('epochs_total')")
    page.wait_for_timeout(SETTLE_MS)
    page.keyboard.press("Enter")
    assert source(page, 0) == "epochs_total = 3\nepochs_total"
    page.keyboard.press("Shift+Tab")
    note = wait_until(page, HELP)
    assert "run a cell" in note
