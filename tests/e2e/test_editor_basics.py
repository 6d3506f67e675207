"""A learner's first minutes: sign up, create a notebook, write a markdown and a code cell,
reload, and find everything saved; the page has no CSP violations or script errors."""

from tests.e2e.helpers import api, csp_violations, sign_up, unique, wait_saved


def test_signup_create_edit_reload(page, context, server):
    sign_up(page, server, unique("alice"))
    page.goto(server.url("/notebooks/"))
    page.fill("#new-title", "First steps")
    page.get_by_role("button", name="New notebook").click()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.input_value("#nb-title") == "First steps"

    # The new notebook has one empty code cell: type into it.
    page.locator(".cell .cm-content").first.click()
    page.keyboard.type("x = 41\nprint(x + 1)")
    # Add a markdown cell at the end, write, render it with Shift+Enter (which adds a code cell).
    page.get_by_role("button", name="+ Markdown").click()
    page.keyboard.type("# Results\nSome *emphasis* here.")
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".cell[data-cell-type='markdown'] .cell-rendered h1")
    assert page.locator(".cell").count() == 3
    page.keyboard.type("y = [1, 2]")
    wait_saved(page)

    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    cells = page.locator(".cell")
    assert cells.count() == 3
    assert [cells.nth(i).get_attribute("data-cell-type") for i in range(3)] == ["code", "markdown", "code"]
    assert cells.nth(0).locator(".cm-content").inner_text() == "x = 41\nprint(x + 1)"
    # Markdown comes back rendered by the server, embedded in the page.
    assert cells.nth(1).locator(".cell-rendered h1").inner_text() == "Results"
    assert cells.nth(1).locator(".cell-rendered em").inner_text() == "emphasis"
    assert cells.nth(2).locator(".cm-content").inner_text() == "y = [1, 2]"

    notebook_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    status, data = api(context, server, "GET", f"/api/notebooks/{notebook_id}")
    assert status == 200
    assert [(c["cell_type"], c["source"]) for c in data["cells"]] == [
        ("code", "x = 41\nprint(x + 1)"),
        ("markdown", "# Results\nSome *emphasis* here."),
        ("code", "y = [1, 2]"),
    ]
    assert csp_violations(page) == []
    assert page.errors == []


def test_rename_title_inline(page, context, server):
    sign_up(page, server, unique("rena"))
    page.goto(server.url("/notebooks/"))
    page.get_by_role("button", name="New notebook").click()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    page.fill("#nb-title", "Renamed inline")
    page.keyboard.press("Enter")
    wait_saved(page)
    page.reload()
    assert page.input_value("#nb-title") == "Renamed inline"
    assert page.title().startswith("Renamed inline")
