"""Stored XSS in a real browser: hostile markdown cells and outputs execute nothing in the editor.

Each payload tries to set window.__xss (or top.__xss from a frame). Besides that global, the live
DOM is checked for what the sanitiser must have removed (handlers, javascript: URLs, forms,
scripts, foreign frames, unprefixed ids, data-* attributes, style), so a payload that merely failed
to fire still fails the test. CSP violations are reported separately: the only ones allowed come
from DOMPurify's inert parsing document (Chromium reports the page's CSP there although scripting
is disabled in it); any other violation means the CSP, not the sanitiser, had to stop something.
"""

from urllib.parse import urlparse

import pytest

from tests.e2e.helpers import csp_violations, open_imported, wait_until
from tests.e2e.sample_notebooks import HTML_PAYLOADS, xss_notebook

LIVE_DOM_PROBLEMS = """() => {
  const problems = [];
  const root = document.getElementById('nb-cells');
  const ours = (el) => el.closest('.cm-editor') || el.matches('.cell, .cell *:not(.cell-rendered *):not(.output-body *)');
  for (const el of root.querySelectorAll('*')) {
    if (el.closest('.cm-editor')) continue;  // CodeMirror: text only, its own attributes
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      const value = attr.value.trim().toLowerCase();
      const where = `${el.tagName.toLowerCase()}[${name}=${attr.value.slice(0, 60)}]`;
      if (name.startsWith('on')) problems.push('event handler ' + where);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(name) && /^(javascript|vbscript|data:text)/.test(value)) problems.push('script URL ' + where);
      const userContent = el.closest('.cell-rendered, .output-body') && !el.matches('.output-body');
      if (userContent && (name === 'id' || name === 'name') && !attr.value.startsWith('user-content-')) problems.push('clobbering ' + where);
      if (userContent && name.startsWith('data-')) problems.push('data attribute ' + where);
      if (userContent && name === 'style' && !(el.tagName === 'SPAN' && el.closest('pre'))) problems.push('style ' + where);
    }
  }
  for (const el of root.querySelectorAll('script, form, input, textarea, object, embed, base, meta, link, style')) {
    if (!el.closest('.cm-editor')) problems.push('element ' + el.tagName.toLowerCase());
  }
  for (const frame of document.querySelectorAll('iframe')) {
    if (frame.getAttribute('sandbox') !== 'allow-scripts' || !frame.classList.contains('output-frame') || new URL(frame.src).pathname !== '/notebooks/output-frame/')
      problems.push('foreign iframe ' + frame.outerHTML.slice(0, 120));
  }
  if (!(document.getElementById('notebook-app') instanceof HTMLDivElement)) problems.push('notebook-app clobbered');
  if (window.campfireEditor instanceof Element) problems.push('campfireEditor clobbered');
  return problems;
}"""


def assert_nothing_ran(page):
    assert page.evaluate("typeof window.__xss") == "undefined", page.evaluate("String(window.__xss)")
    assert page.evaluate(LIVE_DOM_PROBLEMS) == []
    violations = csp_violations(page)
    needed = [v for v in violations if not (v["source"] or "").endswith("/static/vendor/dompurify.js")]
    assert needed == [], f"the CSP had to stop these (the sanitiser should have): {needed}"
    return violations


@pytest.fixture
def hostile(page, context, server):
    notebook = open_imported(page, context, server, xss_notebook(), "mallory")
    assert page.locator("iframe.output-frame").count() == 3
    return notebook


def test_stored_payloads_execute_nothing(page, hostile, record_property):
    inert_parse_reports = assert_nothing_ran(page)
    record_property("csp_reports_from_dompurify_inert_parse", len(inert_parse_reports))
    # The payloads arrived and were neutralised, not lost: text outputs show them as text.
    stream = page.locator(".output-stream").inner_text()
    assert "<img src=x onerror=window.__xss='stream'>" in stream
    assert "<script>window.__xss='plain'</script>" in page.locator("[data-output-type='execute_result']").inner_text()
    assert "onerror=window.__xss='traceback'" in page.locator(".output-error").inner_text()
    # Inline-sanitised HTML keeps its harmless parts; the links lost their javascript: targets.
    inline = page.locator(".output-html").first
    assert inline.get_by_text("js link").count() == 1
    for text in ("js link", "entity link", "mixed case link"):
        assert inline.get_by_text(text).get_attribute("href") is None
    assert page.locator(".cell-rendered h1").first.inner_text() == "Hostile markdown"
    # The SVG output is an <img>: its onload/script never run (there is no DOM to run in).
    assert page.locator("img.output-image[data-mime='image/svg+xml']").count() == 1


def test_rich_outputs_run_only_inside_the_sandbox(page, hostile):
    frames = [frame for frame in page.frames if frame.url.endswith("/notebooks/output-frame/")]
    assert len(frames) == 3
    probe = next(f for f in frames if f.evaluate("!!document.getElementById('probe')"))
    assert probe.evaluate("window.__ran") == 1
    assert probe.evaluate("document.body.dataset.origin") == "null"  # opaque origin
    report = probe.evaluate("document.getElementById('probe').textContent")
    for blocked in ("top:SecurityError", "cookie:SecurityError", "storage:SecurityError", "parent:SecurityError"):
        assert blocked in report
    # The payloads in the rich HTML and JS outputs did run, but only inside their frames.
    ran_inside = {f.evaluate("String(window.__xss)") for f in frames}
    assert "js-output" in ran_inside
    assert ran_inside - {"undefined", "js-output"}, "the rich HTML payloads should have run inside the sandbox"
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_data_action_attributes_do_not_drive_the_editor(page, hostile):
    cells_before = page.locator(".cell").count()
    # User content may not borrow the editor's class names either (no fake toolbars).
    assert page.locator(".output-body .cell-toolbar, .cell-rendered .cell-toolbar").count() == 0
    for text in ("data-action link", "fake toolbar"):
        for element in page.get_by_text(text, exact=True).all():
            element.dispatch_event("click")
    page.wait_for_timeout(300)
    assert page.locator(".cell").count() == cells_before
    assert urlparse(page.url).path == f"/notebooks/{hostile['id']}/"  # a same-page #fragment at most
    assert_nothing_ran(page)


def test_markdown_rendered_in_the_browser_is_sanitised_too(page, hostile):
    """The same payloads typed into a cell and rendered with Shift+Enter (via /api/markdown)."""
    last = page.locator(".cell").last
    last.locator(".cm-content").click()
    page.keyboard.press("Escape")
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("## typed\n\n" + "\n\n".join(HTML_PAYLOADS))
    page.keyboard.press("Shift+Enter")
    wait_until(page, "[...document.querySelectorAll('.cell-rendered h2')].some(h => h.textContent === 'typed')")
    page.wait_for_timeout(300)
    assert_nothing_ran(page)
