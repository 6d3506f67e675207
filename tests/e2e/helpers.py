"""Helpers for the browser tests: accounts through the real forms, the API through the
browser's own session (cookie + CSRF header), and waiting for the editor's save state."""

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "a-long-test-passphrase-9173"

# Installed in every page before its scripts run: collects CSP violations (the sanitiser should
# have made each unnecessary) with where they came from.
WATCH_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push({directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
                               source: e.sourceFile, line: e.lineNumber});
});
"""


@dataclass
class Server:
    base_url: str
    env: dict
    root: Path
    log_path: Path

    def url(self, path: str) -> str:
        return self.base_url + path


def unique(name: str) -> str:
    return f"{name}{secrets.token_hex(3)}"


def sign_up(page, server: Server, username: str) -> str:
    """Create an account through the sign-up form; the browser context is then signed in."""
    page.goto(server.url("/accounts/signup/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/signup/" not in url)
    return username


def api(context, server: Server, method: str, path: str, body=None, *, multipart=None):
    """Call the API with the context's session cookie and CSRF token; returns (status, json)."""
    cookies = {c["name"]: c["value"] for c in context.cookies(server.base_url)}
    headers = {"X-CSRFToken": cookies.get("csrftoken", ""), "Referer": server.url("/")}
    kwargs = {"headers": headers}
    if multipart is not None:
        kwargs["multipart"] = multipart
    elif body is not None:
        kwargs["data"] = json.dumps(body)
        headers["Content-Type"] = "application/json"
    response = context.request.fetch(server.url(path), method=method, **kwargs)
    try:
        data = response.json()
    except Exception:  # noqa: BLE001 non-JSON answers (ipynb download) are returned as text
        data = response.text()
    return response.status, data


def import_notebook(context, server: Server, notebook_json: str, filename: str = "test.ipynb") -> dict:
    status, data = api(
        context, server, "POST", "/api/notebooks/import",
        multipart={"file": {"name": filename, "mimeType": "application/x-ipynb+json", "buffer": notebook_json.encode()}},
    )  # fmt: skip
    assert status == 201, data
    return data


def create_notebook(context, server: Server, title: str, cells: list[tuple[str, str]]) -> dict:
    """POST /api/notebooks with (cell_type, source) pairs; returns the notebook JSON."""
    body = {"title": title, "cells": [{"cell_type": cell_type, "source": source} for cell_type, source in cells]}
    status, data = api(context, server, "POST", "/api/notebooks", body)
    assert status == 201, data
    return data


def open_imported(page, context, server: Server, notebook, username: str) -> dict:
    """Sign up, import `notebook` (an nbformat node), open it and let its outputs finish rendering
    (output frames sized, text/markdown outputs rendered by the server)."""
    import nbformat

    sign_up(page, server, unique(username))
    data = import_notebook(context, server, nbformat.writes(notebook), f"{username}.ipynb")
    open_editor(page, server, data["id"])
    frames = "[...document.querySelectorAll('iframe.output-frame')]"
    wait_until(page, f"{frames}.every(f => f.getAttribute('height') !== '150')")
    wait_until(page, "!document.querySelector('.output-markdown pre')")
    return data


def open_editor(page, server: Server, notebook_id: str):
    page.goto(server.url(f"/notebooks/{notebook_id}/"))
    page.wait_for_selector("#notebook-app[data-ready='true']")


def wait_saved(page, timeout: float = 10_000):
    page.wait_for_selector("#save-status[data-state='saved']", timeout=timeout)


def csp_violations(page) -> list:
    return page.evaluate("window.__cspViolations")


def wait_until(page, expression: str, timeout: float = 10.0):
    """Poll a JS expression until truthy. (Playwright's wait_for_function re-evaluates string
    expressions with eval() inside the page, which our CSP rightly forbids.)"""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(f"() => ({expression})")
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.05)
