"""Someone else's unlisted or public notebook opens read-only: nothing can be edited or saved,
navigation still works, and a public one offers a fork."""

import nbformat

from tests.e2e.helpers import WATCH_SCRIPT, api, create_notebook, csp_violations, import_notebook, sign_up, unique, wait_until
from tests.e2e.sample_notebooks import outputs_notebook


def test_unlisted_and_public_notebooks_are_read_only_for_others(browser, context, page, server):
    sign_up(page, server, unique("alice"))
    notebook = create_notebook(context, server, "Shared lesson", [("markdown", "# Lesson"), ("code", "x = 1")])
    status, notebook = api(context, server, "PATCH", f"/api/notebooks/{notebook['id']}", {"version": notebook["version"], "visibility": "unlisted"})
    assert status == 200, notebook

    bob_context = browser.new_context(viewport={"width": 1280, "height": 800})
    bob = bob_context.new_page()
    try:
        sign_up(bob, server, unique("bob"))
        patches = []
        bob.on("request", lambda request: patches.append(request.url) if request.method == "PATCH" else None)
        bob.goto(server.url(f"/notebooks/{notebook['id']}/"))
        bob.wait_for_selector("#notebook-app[data-ready='true']")
        assert bob.get_attribute("#notebook-app", "data-can-edit") == "false"
        assert bob.locator("#save-status").count() == 0
        assert "Read-only" in bob.inner_text(".readonly-badge")
        assert bob.locator(".nb-add").count() == 0
        assert bob.get_attribute("#nb-title", "readonly") is not None
        assert bob.locator(".cell-rendered h1").inner_text() == "Lesson"

        code = bob.locator(".cell").nth(1)
        code.locator(".cm-content").click()
        assert code.locator(".cm-content").get_attribute("contenteditable") == "false"
        bob.keyboard.type("y = 2")
        bob.keyboard.press("Escape")
        for key in ("a", "b", "d", "d", "m"):
            bob.keyboard.press(key)
        bob.keyboard.press("k")  # navigation still works
        assert bob.locator(".cell.selected").get_attribute("data-cell-type") == "markdown"
        assert bob.locator(".cell").count() == 2
        assert code.locator(".cm-content").inner_text() == "x = 1"
        assert code.locator(".cell-toolbar").is_hidden()
        bob.wait_for_timeout(1500)
        assert patches == []
        assert bob.get_by_role("button", name="Fork to my notebooks").count() == 0  # unlisted: not forkable

        api(context, server, "PATCH", f"/api/notebooks/{notebook['id']}", {"version": notebook["version"], "visibility": "public"})
        bob.reload()
        bob.wait_for_selector("#notebook-app[data-ready='true']")
        bob.get_by_role("button", name="Fork to my notebooks").click()
        bob.wait_for_selector("#notebook-app[data-can-edit='true']")
        assert bob.input_value("#nb-title").startswith("Shared lesson")
        assert bob.locator(".cell .cm-content").inner_text() == "x = 1"
    finally:
        bob_context.close()


def test_anonymous_reader_of_an_unlisted_notebook(browser, context, page, server):
    """Not signed in at all: the notebook reads fine, markdown outputs included (rendered by the server)."""
    sign_up(page, server, unique("carol"))
    notebook = import_notebook(context, server, nbformat.writes(outputs_notebook()), "lesson.ipynb")
    status, notebook = api(context, server, "PATCH", f"/api/notebooks/{notebook['id']}", {"version": notebook["version"], "visibility": "unlisted"})
    assert status == 200, notebook

    anonymous_context = browser.new_context(viewport={"width": 1280, "height": 800})
    anonymous_context.add_init_script(WATCH_SCRIPT)
    anonymous = anonymous_context.new_page()
    try:
        anonymous.goto(server.url(f"/notebooks/{notebook['id']}/"))
        anonymous.wait_for_selector("#notebook-app[data-ready='true']")
        assert anonymous.get_attribute("#notebook-app", "data-can-edit") == "false"
        wait_until(anonymous, "!document.querySelector('.output-markdown pre')")
        assert anonymous.locator(".output-markdown strong").inner_text() == "bold"
        assert anonymous.locator(".output-markdown math mfrac").count() == 1  # text/latex
        assert csp_violations(anonymous) == []
    finally:
        anonymous_context.close()
