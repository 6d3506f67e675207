"""Stored outputs of every MIME type render as they should, and the live-update functions that
live execution will call (appendOutput / clearOutput / updateDisplay and the cell-state display)
behave like Jupyter's. Screenshots go to `shots_dir` for a person to look at."""

import pytest

from tests.e2e.helpers import csp_violations, open_imported, wait_until
from tests.e2e.sample_notebooks import outputs_notebook


@pytest.fixture
def rendered(page, context, server):
    return open_imported(page, context, server, outputs_notebook(), "olga")


def outputs_of(page, cell_index):
    return page.locator(".cell").nth(cell_index).locator(".cell-outputs > .output")


def test_streams_results_and_errors(page, rendered, shots_dir):
    outputs = outputs_of(page, 1)
    # Two consecutive stdout streams merge into one block; stderr stays separate; then the result.
    assert [o.get_attribute("data-output-type") for o in outputs.all()] == ["stream", "stream", "execute_result"]
    stdout = outputs.nth(0).locator(".output-stdout")
    assert stdout.inner_text() == "plain line\nred and bold green\nprogress 100%\n"  # \r overwrote the progress
    assert stdout.locator("span.ansi-red-fg").inner_text() == "red"
    bold_green = stdout.locator("span.ansi-green-fg")
    assert bold_green.evaluate("el => getComputedStyle(el).fontWeight") in ("700", "bold")
    assert outputs.nth(1).locator(".output-stderr").inner_text() == "a warning on stderr\n"
    assert outputs.nth(2).locator(".output-prompt").inner_text() == "Out[1]:"
    assert outputs.nth(2).locator(".output-body").inner_text() == "42"
    assert page.locator(".cell").nth(1).locator(".cell-prompt").inner_text() == "[1]:"

    error = outputs_of(page, 4).locator(".output-error")
    assert "ZeroDivisionError: division by zero" in error.inner_text()
    assert error.locator("span.ansi-red-fg").count() >= 2
    # 256-colour spans get their colour through CSSOM (a style attribute would break the CSP).
    assert error.locator("span[style*='color']").count() >= 1
    page.locator(".cell").nth(1).screenshot(path=str(shots_dir / "streams.png"))
    page.locator(".cell").nth(4).screenshot(path=str(shots_dir / "error.png"))


def test_images(page, rendered, shots_dir):
    images = outputs_of(page, 2).locator("img.output-image")
    assert images.count() == 3
    png, jpeg, svg = images.all()
    assert png.get_attribute("src").startswith("data:image/png;base64,")
    assert (png.get_attribute("width"), png.get_attribute("height")) == ("240", "120")  # from metadata
    assert jpeg.get_attribute("src").startswith("data:image/jpeg;base64,")
    assert svg.get_attribute("src").startswith("data:image/svg+xml")
    for image in (png, jpeg, svg):
        assert image.evaluate("img => img.complete && img.naturalWidth") == 120  # decoded for real
    page.locator(".cell").nth(2).screenshot(path=str(shots_dir / "images.png"))


def test_html_markdown_latex_json_and_rich(page, rendered, shots_dir):
    outputs = outputs_of(page, 3)
    assert outputs.nth(0).locator(".output-prompt").inner_text() == "Out[3]:"
    table = outputs.nth(0).locator(".output-html table")
    assert table.locator("tbody tr").count() == 2
    assert table.locator("td").first.inner_text() == "0.91"
    markdown = outputs.nth(1).locator(".output-markdown")
    assert markdown.locator("strong").inner_text() == "bold"
    assert markdown.locator("math").count() == 1
    assert outputs.nth(2).locator("math mfrac").count() == 1
    tree = outputs.nth(3).locator(".output-json")
    assert tree.locator("summary").first.inner_text() == "{2 keys}"
    tree.get_by_text('"layers": [3 items]').click()
    assert tree.get_by_text("784").is_visible()
    frame = outputs.nth(4).locator("iframe.output-frame")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    assert frame.content_frame.locator("#chart").inner_text() == "drawn by script"
    assert int(frame.get_attribute("height")) < 100  # sized to its content
    page.locator(".cell").nth(3).screenshot(path=str(shots_dir / "rich.png"))


def test_long_output_is_capped_until_show_all(page, rendered):
    output = outputs_of(page, 5)
    assert len(output.locator("pre").inner_text()) <= 50_000
    assert output.locator("pre").evaluate("pre => pre.scrollHeight > pre.clientHeight")  # a scroll box
    output.get_by_role("button", name="Show all (144,000 characters)").click()
    text = output.locator("pre").inner_text()
    assert text.startswith("line 00000") and text.rstrip().endswith("line 01999 " + "x" * 60)


def test_whole_page_screenshots_and_no_csp_violations(page, rendered, shots_dir):
    page.screenshot(path=str(shots_dir / "outputs-1280.png"), full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=str(shots_dir / "outputs-1024.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024  # no sideways scrolling
    assert csp_violations(page) == []
    assert page.errors == []


# ---- the live-update API that kernel.js (issue 4) will drive ----

LIVE = """async () => {
  const app = window.campfireEditor;
  const { appendOutput, clearOutput, updateDisplay } = app.outputs;
  const area = app.view.cellView(app.notebook.cells[%d].id).outputArea;
  const texts = () => [...area.element.querySelectorAll('.output-body')].map(e => e.textContent);
  const steps = {};
  clearOutput(area);
  steps.cleared = texts();
  appendOutput(area, {output_type: 'stream', name: 'stdout', text: 'epoch 1\\n'});
  appendOutput(area, {output_type: 'stream', name: 'stdout', text: 'epoch 2\\n[====      ] 40%%'});
  appendOutput(area, {output_type: 'stream', name: 'stdout', text: '\\r[==========] 100%%\\n'});
  steps.merged = texts();
  appendOutput(area, {output_type: 'display_data', data: {'text/plain': 'loss 0.9'}, metadata: {}}, {displayId: 'loss'});
  appendOutput(area, {output_type: 'stream', name: 'stderr', text: 'warn\\n'});
  updateDisplay('loss', {output_type: 'display_data', data: {'text/plain': 'loss 0.1'}, metadata: {}});
  steps.updated = texts();
  clearOutput(area, true);
  steps.waiting = texts();
  appendOutput(area, {output_type: 'stream', name: 'stdout', text: 'after clear'});
  steps.afterWait = texts();
  steps.hiddenWhenEmpty = (clearOutput(area), area.element.hidden);
  return steps;
}"""


def test_live_output_functions(page, rendered):
    steps = page.evaluate(LIVE % 1)
    assert steps["cleared"] == []
    assert steps["merged"] == ["epoch 1\nepoch 2\n[==========] 100%\n"]
    assert steps["updated"] == ["epoch 1\nepoch 2\n[==========] 100%\n", "loss 0.1", "warn\n"]
    assert steps["waiting"] == steps["updated"]  # clear_output(wait=True) waits for the next output
    assert steps["afterWait"] == ["after clear"]
    assert steps["hiddenWhenEmpty"] is True


def test_execution_ui_hidden_until_enabled_then_shows_state(page, rendered):
    assert page.locator("#run-toolbar").is_hidden()
    assert page.locator(".cell-run").first.is_hidden()
    page.evaluate("""() => {
      const app = window.campfireEditor;
      window.__runs = [];
      app.execution.enable({
        runCells: (cells) => window.__runs.push(cells.map((c) => c.id)),
        runAll: () => window.__runs.push('all'), interrupt: () => window.__runs.push('interrupt'),
        restart: () => window.__runs.push('restart'),
      });
    }""")
    assert page.locator("#run-toolbar").is_visible()
    assert page.locator("#kernel-status").inner_text() == "Kernel: idle"
    ids = page.evaluate("window.campfireEditor.notebook.cells.map(c => c.id)")
    # Shift+Enter on a code cell now goes to the executor (with the cell's id), then advances.
    page.locator(".cell").nth(1).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    page.get_by_role("button", name="Run all", exact=True).click()
    page.get_by_role("button", name="Run above").click()  # selection is now cell 2
    assert page.evaluate("window.__runs") == [[ids[1]], "all", [ids[1]]]

    cell = page.locator(".cell").nth(2)
    page.evaluate(f"window.campfireEditor.execution.cellQueued('{ids[2]}', 2)")
    assert cell.locator(".cell-state").inner_text() == "Queued (position 2)"
    assert cell.locator(".cell-prompt").inner_text() == "[*]:"
    page.evaluate(f"window.campfireEditor.execution.cellRunning('{ids[2]}', Date.now() - 1500)")
    state = cell.locator(".cell-state")
    wait_until(page, "document.querySelectorAll('.cell')[2].querySelector('.cell-state').textContent.startsWith('Running… ')")
    seconds = lambda: float(state.inner_text().removeprefix("Running… ").removesuffix(" s"))  # noqa: E731
    before = seconds()
    assert before >= 1.5
    page.wait_for_timeout(1000)
    assert seconds() - before >= 0.8  # the timer ticks while it runs
    page.evaluate(f"window.campfireEditor.execution.cellFinished('{ids[2]}', {{status: 'ok', durationMs: 2345, executionCount: 7}})")
    assert cell.locator(".cell-state").inner_text() == "Finished in 2.3 s"
    assert cell.locator(".cell-prompt").inner_text() == "[7]:"
    page.evaluate("window.campfireEditor.execution.setKernelStatus('dead', 'out of memory; restarted')")
    assert page.locator("#kernel-status").inner_text() == "Kernel: died — out of memory; restarted"


STREAM_CASES = [
    # (chunks of one stream, what is shown): terminal semantics of \r and \b, across chunks too
    (["abc\rX"], "Xbc"),
    (["10%\r20%\r30%"], "30%"),
    (["10%\r", "55%"], "55%"),
    (["ab\bc"], "ac"),
    (["abc\b", "X"], "abX"),
    (["abc\rX", "Y"], "XYc"),
    (["line1\r\nline2"], "line1\nline2"),
    (["abc\rX\nnext"], "Xbc\nnext"),
    (["\b\bx"], "x"),
    (["a\n", "b\rc\n", "d"], "a\nc\nd"),
]


@pytest.mark.parametrize(("chunks", "shown"), STREAM_CASES)
def test_carriage_return_and_backspace(page, server, chunks, shown):
    page.goto(server.url("/accounts/login/"))  # any page of ours: the module is same-origin
    result = page.evaluate(
        """async (chunks) => {
          const { mergeStreamText } = await import('/static/campfire/outputs.js');
          const { displayText } = await import('/static/campfire/streamtext.js');
          return displayText(chunks.reduce(mergeStreamText, ''));
        }""",
        chunks,
    )
    assert result == shown
