"""Two tabs edit the same notebook: the second save gets 409, the banner appears, and the first
tab's content is never overwritten; the user either loads the newer version or keeps a copy."""

import pytest

from tests.e2e.helpers import api, create_notebook, open_editor, sign_up, unique, wait_saved


def replace_cell_text(page, index, text):
    page.locator(".cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


@pytest.fixture
def two_tabs(context, page, server):
    sign_up(page, server, unique("tabs"))
    data = create_notebook(context, server, "Shared", [("code", "original")])
    first = page
    second = context.new_page()
    second.errors = []
    second.on("pageerror", lambda error: second.errors.append(str(error)))
    open_editor(first, server, data["id"])
    open_editor(second, server, data["id"])
    replace_cell_text(first, 0, "from the first tab")
    wait_saved(first)
    replace_cell_text(second, 0, "from the second tab")
    second.wait_for_selector("#conflict-banner:not([hidden])")
    assert second.get_attribute("#save-status", "data-state") == "conflict"
    return data["id"], first, second


def server_sources(context, server, notebook_id):
    status, data = api(context, server, "GET", f"/api/notebooks/{notebook_id}")
    assert status == 200
    return [c["source"] for c in data["cells"]]


def test_conflict_never_overwrites_and_can_load_newer(two_tabs, context, server):
    notebook_id, first, second = two_tabs
    # More typing in the conflicted tab still saves nothing.
    second.keyboard.type(" and more")
    second.wait_for_timeout(1500)
    assert server_sources(context, server, notebook_id) == ["from the first tab"]

    second.get_by_role("button", name="Load the newer version (drop my edits here)").click()
    second.wait_for_selector("#conflict-banner", state="hidden")
    assert second.locator(".cell .cm-content").inner_text() == "from the first tab"
    # Based on the newer version now, the second tab saves normally.
    replace_cell_text(second, 0, "second tab, after reloading")
    wait_saved(second)
    assert server_sources(context, server, notebook_id) == ["second tab, after reloading"]
    assert second.errors == []


def test_conflict_keep_a_copy(two_tabs, context, server):
    notebook_id, first, second = two_tabs
    second.get_by_role("button", name="Keep my version as a new notebook").click()
    second.wait_for_url(lambda url: notebook_id not in url and "/notebooks/" in url)
    second.wait_for_selector("#notebook-app[data-ready='true']")
    assert second.input_value("#nb-title") == "Shared (my copy)"
    assert second.locator(".cell .cm-content").inner_text() == "from the second tab"
    assert server_sources(context, server, notebook_id) == ["from the first tab"]
    status, mine = api(context, server, "GET", "/api/notebooks")
    assert status == 200
    titles = sorted(n["title"] for n in (mine["items"] if isinstance(mine, dict) else mine))
    assert titles == ["Shared", "Shared (my copy)"]
