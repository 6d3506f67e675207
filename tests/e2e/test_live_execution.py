"""Live execution in a real browser against the whole stack (web, platform worker, CPU worker):
output appears while a cell runs, figures show inline, a dropped connection catches up, and a
reload shows the stored outputs. Screenshots go to the shots folder for a person to look at."""

import pytest

from tests.e2e.helpers import Server, api, create_notebook, open_editor, sign_up, unique, wait_until

pytestmark = pytest.mark.usefixtures("live_stack")

LINES = "import time\nfor i in range({n}):\n    print(f'line {{i}}', flush=True)\n    time.sleep({pause})"
PLOT = "import matplotlib.pyplot as plt\nplt.figure(figsize=(4, 3))\nplt.plot([0, 1, 2, 3], [1, 3, 2, 4], marker='o')\nplt.title('ember loss')\nplt.show()"
CELL = "document.querySelectorAll('.cell')[{i}]"


@pytest.fixture
def stack_server(live_stack):
    return Server(base_url=live_stack.base_url, env=live_stack.env, root=None, log_path=live_stack.procs["web"].log_path)


@pytest.fixture
def editor(page, context, stack_server):
    """Sign up, create a notebook from (type, source) pairs, open it with the kernel connected."""
    opened = []

    def open_notebook(*sources):
        sign_up(page, stack_server, unique("live"))
        nb = create_notebook(context, stack_server, "Live", [("code", source) for source in sources])
        open_editor(page, stack_server, nb["id"])
        wait_until(page, "(k => Boolean(k && k.ws && k.ws.readyState === 1 && !k.catchUp))(window.campfireEditor.kernel)")
        opened.append(nb)
        return nb

    yield open_notebook
    for nb in opened:
        page.evaluate(f"fetch('/api/notebooks/{nb['id']}/shutdown', {{method: 'POST', headers: {{'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content}}}})")


def output_text(page, index=0):
    return page.evaluate(f"{CELL.format(i=index)}.querySelector('.cell-outputs').innerText")


def state_text(page, index=0):
    return page.evaluate(f"{CELL.format(i=index)}.querySelector('.cell-state').textContent")


def test_output_appears_while_the_cell_runs_and_survives_a_reload(page, editor, stack_server, shots_dir):
    nb = editor(LINES.format(n=4, pause=0.6))
    assert page.locator("#run-toolbar").is_visible()
    page.locator(".cell").first.locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('line 0')")
    seen_while_running = output_text(page), state_text(page), page.locator(".cell").first.locator(".cell-prompt").inner_text()
    page.screenshot(path=str(shots_dir / "live-streaming.png"))
    assert "line 3" not in seen_while_running[0], "the first line must show before the cell ends"
    assert seen_while_running[1].startswith("Running… ") and seen_while_running[2] == "[*]:"
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Finished in')", timeout=15)
    assert output_text(page).split() == ["line", "0", "line", "1", "line", "2", "line", "3"]
    assert page.locator(".cell").first.locator(".cell-prompt").inner_text() == "[1]:"
    page.screenshot(path=str(shots_dir / "live-finished.png"))

    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('line 3')")
    assert output_text(page).count("line 2") == 1 and page.locator(".cell").first.locator(".cell-prompt").inner_text() == "[1]:"
    assert not page.errors


def test_a_matplotlib_figure_shows_inline(page, editor, shots_dir):
    editor(PLOT)
    page.locator(".cell").first.locator(".cell-run").click()
    page.wait_for_selector(".cell .output-image", timeout=30_000)
    wait_until(page, "document.querySelector('.cell .output-image').naturalWidth > 0")
    size = page.evaluate("(() => { const i = document.querySelector('.cell .output-image'); return [i.naturalWidth, i.naturalHeight]; })()")
    page.screenshot(path=str(shots_dir / "live-matplotlib.png"))
    assert size[0] >= 300 and size[1] >= 200
    assert page.evaluate("document.querySelector('.cell .output-image').src.startsWith('data:image/png;base64,')")


def test_a_dropped_connection_catches_up_on_everything_it_missed(page, editor, shots_dir):
    editor(LINES.format(n=10, pause=0.3))
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('line 1')")
    page.evaluate("window.campfireEditor.kernel.pause()")  # the laptop lid closes
    wait_until(page, "document.querySelector('#kernel-status').dataset.state === 'disconnected'")
    before = output_text(page)
    page.wait_for_timeout(1500)
    assert output_text(page) == before  # nothing arrives while offline
    page.screenshot(path=str(shots_dir / "live-offline.png"))
    page.evaluate("window.campfireEditor.kernel.resume()")
    status = wait_until(page, "(s => s.includes('caught up') && s)(document.querySelector('#kernel-status').textContent)")
    page.screenshot(path=str(shots_dir / "live-caught-up.png"))
    caught = int(status.split("reconnected — ")[1].split(" ")[0])
    assert caught >= 3
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Finished in')", timeout=15)
    assert output_text(page).split("\n")[:10] == [f"line {i}" for i in range(10)]  # each once, in order


def test_interrupt_from_the_toolbar(page, editor):
    editor("while True:\n    pass")
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Running')")
    page.get_by_role("button", name="■ Interrupt").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Interrupted')", timeout=5)
    assert "KeyboardInterrupt" in output_text(page)
    wait_until(page, "document.querySelector('#kernel-status').dataset.state === 'idle'")


def test_the_kernel_cap_message_offers_to_shut_down_a_kernel(page, context, editor, stack_server):
    editor("print('third')")
    others = [create_notebook(context, stack_server, f"Busy {i}", [("code", "import time; time.sleep(60)")]) for i in range(2)]
    for nb in others:  # two kernels running: the cap (2) is reached
        status, _ = api(context, stack_server, "POST", f"/api/notebooks/{nb['id']}/cells/{nb['cells'][0]['id']}/run", {})
        assert status == 202
    page.locator(".cell").first.locator(".cell-run").click()
    page.wait_for_selector("#kernel-notice:not([hidden])")
    notice = page.locator("#kernel-notice").inner_text()
    assert "You already have 2 running kernels" in notice and "Shut one down to start another." in notice
    assert state_text(page).startswith("Not run — You already have 2 running kernels")
    page.get_by_role("button", name="Shut down “Busy 0”").click()
    page.wait_for_selector("#kernel-notice button:has-text('“Busy 0” shut down')")
    wait_until(page, "fetch('/api/kernels').then(r => r.json()).then(k => k.length === 1)", timeout=15)
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('third')", timeout=20)
    assert page.locator("#kernel-notice").is_hidden()
    for nb in others:
        api(context, stack_server, "POST", f"/api/notebooks/{nb['id']}/shutdown", {})


def test_a_reset_reloads_the_stored_outputs(page, editor):
    editor("print('kept')")
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-state').textContent.startsWith('Finished')")
    page.evaluate("window.campfireEditor.kernel.pause()")
    # As after a long sleep: the page shows nothing and asks for events older than the stream keeps.
    page.evaluate(f"(() => {{ {CELL.format(i=0)}.cellView.outputArea.clearNow(); window.campfireEditor.kernel.after = '1-0'; }})()")
    assert output_text(page) == ""
    page.evaluate("window.campfireEditor.kernel.resume()")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('kept')")
    assert page.evaluate("window.campfireEditor.kernel.after") != "1-0"


REDRAW = """from IPython.display import clear_output, display
for i in range(60):
    clear_output(wait=True)
    print(f'epoch {i:02d}', ' ' * 100_000)
bar = display('0%', display_id=True)"""


def test_a_redrawn_cell_ends_on_its_last_frame_and_a_later_cells_update_is_kept(page, editor):
    # 6 MB of frames (over the 5 MB a cell may keep, which all frames together once counted
    # against: the cell was cut at epoch 49), then a progress display that the next cells update
    editor(REDRAW, "bar.update('100%')", "bar.update('again, after a reload')")

    def run(index):
        page.locator(".cell").nth(index).locator(".cell-run").click()
        wait_until(page, f"{CELL.format(i=index)}.querySelector('.cell-state').textContent.startsWith('Finished')", timeout=30)

    def shown():
        text = output_text(page)
        return "epoch 59" in text, "epoch 58" in text, "truncated" in text, "'100%'" in text, "'0%'" in text

    run(0)
    run(1)
    assert shown() == (True, False, False, True, False)
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('epoch 59')")
    assert shown() == (True, False, False, True, False)        # stored so, not only shown live
    run(2)                                                     # the reloaded page still knows the display
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('again, after a reload')")
    assert not page.errors


def test_restart_and_run_all_from_the_toolbar(page, editor):
    editor("count = globals().get('count', 0) + 1\nprint('count', count)", "print('second cell, count', count)")
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('count 1')")
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('count 2')")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="↻ Restart & run all").click()
    wait_until(page, f"{CELL.format(i=1)}.querySelector('.cell-outputs').innerText.includes('second cell, count 1')", timeout=20)
    assert "run every cell from the top" in asked[0]
    assert output_text(page, 0).strip() == "count 1"                   # a new kernel, both cells from the top
    assert page.locator(".cell").first.locator(".cell-prompt").inner_text() == "[1]:"
    assert not page.errors


def test_clear_all_outputs_clears_every_cell_and_is_saved(page, editor):
    nb = editor("print('one')", "print('two')")
    page.get_by_role("button", name="Run all", exact=True).click()
    wait_until(page, f"{CELL.format(i=1)}.querySelector('.cell-state').textContent.startsWith('Finished')", timeout=20)
    page.get_by_role("button", name="Clear all outputs").click()
    assert output_text(page, 0) == "" and output_text(page, 1) == ""
    assert page.locator(".cell").first.locator(".cell-prompt").inner_text() == "[ ]:"
    wait_until(page, "document.querySelector('#save-status').dataset.state === 'saved'", timeout=10)
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert output_text(page, 0) == "" and output_text(page, 1) == ""
    stored = page.evaluate(f"fetch('/api/notebooks/{nb['id']}').then(r => r.json()).then(n => n.cells.map(c => c.outputs.length))")
    assert stored == [0, 0]


def test_a_clean_run_from_the_toolbar_reports_the_failing_cell_and_leaves_the_kernel_alone(page, editor, shots_dir):
    nb = editor("value = globals().get('value', 'fresh')\nprint('value is', value)", "print(undefined_name)", "print('never')")
    first = nb["cells"][0]["id"]
    page.evaluate(f"""fetch('/api/notebooks/{nb['id']}/cells/{first}/run', {{method: 'POST',
        headers: {{'X-CSRFToken': document.querySelector('meta[name=csrf-token]').content, 'Content-Type': 'application/json'}},
        body: JSON.stringify({{source: "value = 'live'\\nprint('value is', value)"}})}})""")
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('value is live')")
    page.get_by_role("button", name="✓ Clean run").click()
    wait_until(page, "document.querySelector('#clean-run').textContent.includes('Clean run failed')", timeout=40)
    summary = page.locator("#clean-run p").inner_text()
    page.screenshot(path=str(shots_dir / "clean-run-failed.png"))
    assert summary.startswith("Clean run failed: 2 of 3 code cells ran") and "NameError" in summary, summary
    assert output_text(page, 0).strip() == "value is fresh"                   # a fresh kernel, not the live one
    assert "NameError" in output_text(page, 1) and output_text(page, 2) == ""
    page.get_by_role("button", name="Go to the cell").click()
    assert page.evaluate("window.campfireEditor.view.selected === window.campfireEditor.notebook.cells[1]")
    page.locator(".cell").first.locator(".cell-run").click()                   # the live kernel kept its state
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('value is live')")
    assert not page.errors


def test_a_clean_run_can_be_cancelled_and_is_followed_again_after_a_reload(page, editor):
    editor("import time\nprint('looping', flush=True)\nwhile True:\n    time.sleep(0.05)")
    page.get_by_role("button", name="✓ Clean run").click()
    wait_until(page, "document.querySelector('#clean-run').textContent.includes('cell 1 of 1 running')", timeout=30)
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    wait_until(page, "document.querySelector('#clean-run').textContent.includes('cell 1 of 1 running')", timeout=15)
    page.locator("#clean-run").get_by_role("button", name="Cancel").click()
    wait_until(page, "document.querySelector('#clean-run').textContent.includes('Clean run cancelled')", timeout=20)
    assert "0 of 1 code cells ran" not in page.locator("#clean-run p").inner_text()
    assert "looping" in output_text(page, 0) and "KeyboardInterrupt" in output_text(page, 0)
    assert not page.errors


def test_the_runtime_picker_moves_the_kernel_to_a_gpu_worker_and_the_page_follows(page, context, editor, live_stack, stack_server):
    nb = editor("x = 41\nprint('on', x)", "x + 1")
    other = context.new_page()                       # the same notebook in a second tab
    other.errors = []
    other.on("pageerror", lambda error: other.errors.append(str(error)))
    open_editor(other, stack_server, nb["id"])
    wait_until(other, "(k => Boolean(k && k.ws && k.ws.readyState === 1))(window.campfireEditor.kernel)")
    picker = page.locator("#runtime-select")
    picker.focus()
    wait_until(page, "document.querySelector('#runtime-select option[value=gpu]').textContent === 'GPU (none running)'")
    assert picker.input_value() == "cpu" and page.evaluate("document.querySelector('#runtime-select option[value=gpu]').disabled")
    page.locator(".cell").first.locator(".cell-run").click()
    wait_until(page, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('on 41')")
    gpu = live_stack.add_worker(wait=True, device="gpu")
    try:
        page.locator(".cell").first.click()
        picker.focus()
        wait_until(page, "!document.querySelector('#runtime-select option[value=gpu]').disabled")
        asked = []
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        picker.select_option("gpu")
        wait_until(page, "window.campfireEditor.kernel.device === 'gpu' && window.campfireEditor.kernel.ws && window.campfireEditor.kernel.ws.readyState === 1")
        assert "all variables are lost" in asked[0]
        page.locator(".cell").nth(1).locator(".cell-run").click()
        wait_until(page, f"{CELL.format(i=1)}.querySelector('.cell-outputs').innerText.includes('NameError')", timeout=30)
        kernel = page.evaluate(f"fetch('/api/notebooks/{nb['id']}/kernel').then(r => r.json())")
        assert kernel["device"] == "gpu" and kernel["worker"] == gpu
        # the other tab followed the move: its picker says GPU and a run there shows its output there
        wait_until(other, "document.querySelector('#runtime-select').value === 'gpu' && window.campfireEditor.kernel.device === 'gpu'")
        other.locator(".cell").first.locator(".cell-run").click()
        wait_until(other, f"{CELL.format(i=0)}.querySelector('.cell-outputs').innerText.includes('on 41')", timeout=30)
        page.reload()
        page.wait_for_selector("#notebook-app[data-ready='true']")
        wait_until(page, "document.querySelector('#runtime-select').value === 'gpu'")
    finally:
        live_stack.stop_worker(gpu)
    assert not page.errors and not other.errors
