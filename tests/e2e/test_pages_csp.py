"""Every page a user sees loads under the site CSP with no violation, no script error and no
request to another host (no CDN: workshops happen on bad Wi-Fi)."""

from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import create_notebook, csp_violations, sign_up, unique


@pytest.fixture
def signed_in(page, context, server):
    sign_up(page, server, unique("paula"))
    return create_notebook(context, server, "CSP", [("markdown", "$x^2$ and **bold**"), ("code", "print(1)")])


def test_pages_load_cleanly_and_locally(page, server, signed_in):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    paths = ["/notebooks/", f"/notebooks/{signed_in['id']}/", "/notebooks/import/", "/accounts/tokens/",
             "/accounts/password/", "/api/docs"]  # fmt: skip
    for path in paths:
        response = page.goto(server.url(path))
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert csp_violations(page) == [], path
    assert page.errors == []
    hosts = {urlparse(url).netloc for url in requests if urlparse(url).scheme in ("http", "https")}
    assert hosts == {urlparse(server.base_url).netloc}


def test_editor_csp_header_and_codemirror_styles(page, server, signed_in):
    response = page.goto(server.url(f"/notebooks/{signed_in['id']}/"))
    page.wait_for_selector("#notebook-app[data-ready='true']")
    policy = response.headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["style-src"]
    # CodeMirror's styles arrived (constructable stylesheets, or <style nonce> as a fallback):
    # the editor has its layout, so nothing was blocked.
    assert page.locator(".cm-editor").first.evaluate("el => getComputedStyle(el).display") == "flex"
    nonce = page.get_attribute("meta[name='csp-nonce']", "content")
    assert nonce and f"'nonce-{nonce}'" in directives["style-src"]
    assert csp_violations(page) == []


def test_output_frame_is_an_opaque_origin_even_when_opened_directly(page, server):
    response = page.goto(server.url("/notebooks/output-frame/"))
    policy = response.headers["content-security-policy"]
    assert "sandbox allow-scripts" in policy and "connect-src 'none'" in policy
    assert page.evaluate("window.origin") == "null"
    # Opened directly it has no parent, so it waits for nothing and shows nothing.
    page.evaluate("window.postMessage({type: 'campfire-output', html: '<p id=x>shown</p>'}, '*')")
    page.wait_for_timeout(200)
    assert page.locator("#x").count() == 0
