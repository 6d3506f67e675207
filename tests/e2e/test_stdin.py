"""input() in a real browser against the whole stack: the running cell shows a box in its output,
Enter sends the answer, the echo and the cell's output follow; typing there is not a notebook shortcut."""

import pytest

from tests.e2e.helpers import csp_violations, wait_until
from tests.e2e.test_live_execution import CELL, editor, output_text, stack_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.usefixtures("live_stack")


def test_a_cell_asks_for_input_in_its_output(page, editor, shots_dir):
    editor("name = input('Your name: ')\nprint(f'Hello, {name}!')", "print('next')")
    page.locator(".cell").first.locator(".cm-content").click()
    page.keyboard.press("Control+Enter")
    box = page.locator(".cell").first.locator(".stdin-request input")
    box.wait_for(timeout=15_000)
    assert page.evaluate("document.activeElement.classList.contains('stdin-input')")  # focused for typing
    assert page.locator(".cell").first.locator(".stdin-prompt").inner_text() == "Your name: "
    page.keyboard.type("Ada b")  # "b" and "a" are command-mode keys: here they are just letters
    page.screenshot(path=str(shots_dir / "stdin-box.png"))
    page.keyboard.press("Enter")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Finished in')", timeout=15)
    assert output_text(page).split("\n")[:2] == ["Your name: Ada b", "Hello, Ada b!"]
    assert page.locator(".stdin-request").count() == 0 and page.locator(".cell").count() == 2
    assert csp_violations(page) == []
