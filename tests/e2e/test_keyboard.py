"""Jupyter's keyboard model: Enter/Esc switch modes; Shift/Ctrl/Alt+Enter render (run) and move;
a/b insert, d d deletes, z undoes, m/y/r change type, j/k move the selection, h shows the help,
Ctrl+S saves at once."""

import pytest

from tests.e2e.helpers import api, create_notebook, sign_up, unique, wait_saved


@pytest.fixture
def notebook(page, context, server):
    sign_up(page, server, unique("keys"))
    data = create_notebook(context, server, "Keys", [("markdown", "# Intro"), ("code", "a = 1"), ("code", "b = 2")])
    page.goto(server.url(f"/notebooks/{data['id']}/"))
    page.wait_for_selector("#notebook-app[data-ready='true']")
    return data


def cell_types(page):
    return page.locator(".cell").evaluate_all("cells => cells.map(c => c.dataset.cellType)")


def selected_index(page):
    return page.locator(".cell").evaluate_all("cells => cells.findIndex(c => c.classList.contains('selected'))")


def mode(page):
    return page.get_attribute("#nb-cells", "data-mode")


def test_shift_enter_renders_markdown_and_advances(page, notebook):
    first = page.locator(".cell").first
    first.locator(".cell-rendered").click()
    assert selected_index(page) == 0 and mode(page) == "command"
    page.keyboard.press("Enter")
    assert mode(page) == "edit"
    assert first.locator(".cell-editor").is_visible()
    page.keyboard.press("End")
    page.keyboard.type(" and *more*")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".cell >> nth=0 >> .cell-rendered h1 em")
    assert first.locator(".cell-rendered h1").inner_text() == "Intro and more"
    assert not first.locator(".cell-editor").is_visible()
    assert selected_index(page) == 1 and mode(page) == "command"


def test_ctrl_enter_renders_in_place_and_alt_enter_inserts(page, notebook):
    page.locator(".cell").first.locator(".cell-rendered").dblclick()
    assert mode(page) == "edit"
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".cell >> nth=0 >> .cell-rendered h1")
    assert selected_index(page) == 0 and mode(page) == "command"
    page.keyboard.press("Alt+Enter")
    assert cell_types(page) == ["markdown", "code", "code", "code"]
    assert selected_index(page) == 1 and mode(page) == "edit"
    page.keyboard.type("inserted = True")
    page.keyboard.press("Escape")
    assert mode(page) == "command"
    assert page.locator(".cell").nth(1).locator(".cm-content").inner_text() == "inserted = True"


def test_command_mode_insert_delete_undo_change_type(page, context, server, notebook):
    page.locator(".cell").nth(1).click(position={"x": 10, "y": 10})  # the gutter: selects, command mode
    assert selected_index(page) == 1 and mode(page) == "command"
    page.keyboard.press("b")
    assert cell_types(page) == ["markdown", "code", "code", "code"] and selected_index(page) == 2
    page.keyboard.press("a")
    assert len(cell_types(page)) == 5 and selected_index(page) == 2
    page.keyboard.press("m")
    assert cell_types(page) == ["markdown", "code", "markdown", "code", "code"]
    page.keyboard.press("r")
    assert cell_types(page)[2] == "raw"
    page.keyboard.press("y")
    assert cell_types(page)[2] == "code"
    page.keyboard.press("d")
    assert len(cell_types(page)) == 5  # one d does nothing
    page.keyboard.press("d")
    assert len(cell_types(page)) == 4
    page.keyboard.press("k")
    page.keyboard.press("d")
    page.keyboard.press("d")
    assert [c.strip() for c in page.locator(".cell .cm-content").all_inner_texts()] == ["", "b = 2"]
    page.keyboard.press("z")
    assert page.locator(".cell").nth(1).locator(".cm-content").inner_text() == "a = 1"
    assert selected_index(page) == 1
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert selected_index(page) == 3
    page.keyboard.press("ArrowUp")
    assert selected_index(page) == 2

    # Ctrl+S saves now, without waiting for the autosave pause (1 s). Both times are taken by the
    # page's own clock, so a slow test machine cannot blur the difference.
    page.evaluate("""() => document.addEventListener('keydown', (e) => {
      if (e.key === 's' && e.ctrlKey) window.__ctrlS = performance.now();
    }, {capture: true})""")
    page.keyboard.press("b")  # an edit the autosave pause would otherwise hold back for 1 s
    page.keyboard.press("d")
    page.keyboard.press("d")
    page.keyboard.press("Control+s")
    wait_saved(page)
    delay = page.evaluate("""() => performance.getEntriesByType('resource')
      .filter((e) => e.initiatorType === 'fetch' && e.startTime >= window.__ctrlS)[0].startTime - window.__ctrlS""")
    assert delay < 300
    status, data = api(context, server, "GET", f"/api/notebooks/{notebook['id']}")
    assert [(c["cell_type"], c["source"]) for c in data["cells"]] == [
        ("markdown", "# Intro"), ("code", "a = 1"), ("code", ""), ("code", "b = 2"),
    ]


def test_help_dialog(page, notebook):
    page.locator(".cell").nth(1).click(position={"x": 10, "y": 10})
    page.keyboard.press("h")
    dialog = page.locator("#shortcuts-dialog")
    assert dialog.is_visible()
    assert "Undo the last delete" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.get_by_role("button", name="Shortcuts").click()
    assert dialog.is_visible()
    dialog.get_by_role("button", name="Close").click()
    assert not dialog.is_visible()


def test_line_numbers_toggle_and_are_remembered(page, notebook):
    page.locator(".cell").nth(1).click(position={"x": 10, "y": 10})
    assert page.locator(".cm-lineNumbers").count() == 0
    page.keyboard.press("l")
    assert page.locator(".cell").nth(1).locator(".cm-lineNumbers").inner_text().strip() == "1"
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.locator(".cm-lineNumbers").count() == 2  # both code cells, after a reload
    page.locator(".cell").nth(1).click(position={"x": 10, "y": 10})
    page.keyboard.press("l")
    assert page.locator(".cm-lineNumbers").count() == 0


def test_arrow_keys_cross_cell_boundaries_in_edit_mode(page, notebook):
    page.locator(".cell").nth(1).locator(".cm-content").click()
    assert mode(page) == "edit" and selected_index(page) == 1
    page.keyboard.press("ArrowDown")
    assert selected_index(page) == 2 and mode(page) == "edit"
    page.keyboard.press("ArrowUp")
    assert selected_index(page) == 1
