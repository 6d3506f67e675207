"""Autosave's visible states and recovery: offline (retried, then saved), a server refusal shown
with its message, the "leave page?" warning only while something is unsaved, type changes that
clear outputs, and the per-cell toolbar buttons (move, delete)."""

import json
import time

import pytest

from tests.e2e.helpers import api, create_notebook, open_editor, sign_up, unique, wait_saved


@pytest.fixture
def notebook(page, context, server):
    sign_up(page, server, unique("sam"))
    data = create_notebook(context, server, "Autosave", [("code", "one"), ("code", "two")])
    open_editor(page, server, data["id"])
    return data


def sources(context, server, notebook_id):
    return [(c["cell_type"], c["source"]) for c in api(context, server, "GET", f"/api/notebooks/{notebook_id}")[1]["cells"]]


def status(page):
    return page.get_attribute("#save-status", "data-state"), page.inner_text("#save-status")


def type_into(page, index, text):
    page.locator(".cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def test_offline_then_back_online(page, context, server, notebook):
    context.set_offline(True)
    type_into(page, 0, " while offline")
    assert status(page)[0] == "unsaved"
    page.wait_for_selector("#save-status[data-state='offline']")
    assert status(page)[1] == "Offline — retrying"
    context.set_offline(False)  # the browser's "online" event triggers the retry at once
    wait_saved(page, timeout=5000)
    assert sources(context, server, notebook["id"])[0] == ("code", "one while offline")


def test_server_errors_are_retried_and_refusals_shown(page, context, server, notebook):
    failures = {"count": 0}

    def flaky(route):
        if route.request.method == "PATCH" and failures["count"] < 1:
            failures["count"] += 1
            route.fulfill(status=503, content_type="application/json", body=json.dumps({"detail": "busy"}))
        else:
            route.continue_()

    page.route("**/api/notebooks/*", flaky)
    type_into(page, 1, " retried")
    page.wait_for_selector("#save-status[data-state='offline']")
    wait_saved(page, timeout=8000)  # the retry after ~2 s succeeds
    assert sources(context, server, notebook["id"])[1] == ("code", "two retried")
    page.unroute("**/api/notebooks/*")

    page.route("**/api/notebooks/*", lambda route: route.fulfill(
        status=400, content_type="application/json", body=json.dumps({"detail": "cells: too many cells"}))
        if route.request.method == "PATCH" else route.continue_())  # fmt: skip
    type_into(page, 1, "!")
    page.wait_for_selector("#save-status[data-state='error']")
    assert status(page)[1] == "Not saved: cells: too many cells"


def test_warns_before_leaving_only_with_unsaved_changes(page, notebook):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    type_into(page, 0, " pending")
    page.close(run_before_unload=True)  # dismissed: the page stays open
    deadline = time.monotonic() + 5
    while not dialogs and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert dialogs == ["beforeunload"] and not page.is_closed()
    wait_saved(page)
    page.close(run_before_unload=True)
    page.wait_for_event("close", timeout=5000) if not page.is_closed() else None
    assert dialogs == ["beforeunload"] and page.is_closed()


def test_toolbar_buttons_and_type_change(page, context, server, notebook):
    second = page.locator(".cell").nth(1)
    second.locator(".cm-content").click()
    second.get_by_role("button", name="Move cell up").click()
    assert page.locator(".cell .cm-content").all_inner_texts() == ["two", "one"]
    page.locator(".cell").nth(0).get_by_role("combobox", name="Cell type").select_option("markdown")
    page.locator(".cell").nth(1).click(position={"x": 10, "y": 10})
    page.locator(".cell").nth(1).get_by_role("button", name="Delete cell").click()
    assert page.locator(".cell").count() == 1
    wait_saved(page)
    assert sources(context, server, notebook["id"]) == [("markdown", "two")]
    page.keyboard.press("z")  # command mode after the click: undo the delete
    wait_saved(page)
    assert sources(context, server, notebook["id"]) == [("markdown", "two"), ("code", "one")]


def test_drag_a_cell_to_reorder(page, context, server, notebook):
    second = page.locator(".cell").nth(1)
    second.click(position={"x": 10, "y": 10})  # selected: its drag handle shows
    second.locator(".cell-drag").drag_to(page.locator(".cell").nth(0), target_position={"x": 300, "y": 4})
    assert page.locator(".cell .cm-content").all_inner_texts() == ["two", "one"]
    lower_half = {"x": 300, "y": page.locator(".cell").nth(1).bounding_box()["height"] - 6}
    page.locator(".cell").nth(0).locator(".cell-drag").drag_to(page.locator(".cell").nth(1), target_position=lower_half)
    assert page.locator(".cell .cm-content").all_inner_texts() == ["one", "two"]
    page.locator(".cell").nth(1).locator(".cell-drag").drag_to(page.locator(".cell").nth(0), target_position={"x": 300, "y": 2})
    wait_saved(page)
    assert sources(context, server, notebook["id"]) == [("code", "two"), ("code", "one")]
