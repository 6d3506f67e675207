"""The Contents panel (static/campfire/toc.js): the markdown headings in notebook order with their
levels, kept current while cells are edited, added, deleted, moved and re-typed; choosing an entry
selects its cell and scrolls it below the sticky header; the section being read is marked; the
panel's state is remembered; hostile heading text stays text; read-only pages have it too."""

import json
import subprocess
import sys

import pytest

from tests.e2e.helpers import WATCH_SCRIPT, api, create_notebook, csp_violations, sign_up, unique, wait_until

HOSTILE = "<img src=x onerror=alert(1)>"
LONG_CODE = "\n".join(f"step_{i} = {i}" for i in range(22))

CELLS = [
    ("markdown", "# Training a model\n\nA long tutorial."),
    ("code", LONG_CODE),
    ("markdown", "## Setup\n\n```python\n# not a heading: inside a fence\n```\n\n### Installing *packages*"),
    ("code", LONG_CODE),
    ("markdown", "Loading data\n------------\n\nA setext heading."),
    ("code", LONG_CODE),
    ("markdown", f"# {HOSTILE}"),
    ("code", LONG_CODE),
    ("markdown", "## Training\n\n### Step one\n\nText."),
    ("code", LONG_CODE),
    ("markdown", "## Summary"),
    ("code", LONG_CODE),
]
EXPECTED = [
    (1, "Training a model"),
    (2, "Setup"),
    (3, "Installing packages"),
    (2, "Loading data"),
    (1, HOSTILE),
    (2, "Training"),
    (3, "Step one"),
    (2, "Summary"),
]

ENTRIES = "[...document.querySelectorAll('#nb-toc .nb-toc-item')].map(li => [Number(li.getAttribute('aria-level')), li.textContent])"
ACTIVE = "((document.querySelector('#nb-toc [aria-current]') || {}).textContent || null)"


def entries(page):
    return [tuple(entry) for entry in page.evaluate(f"() => {ENTRIES}")]


def wait_entries(page, expected):
    want = json.dumps([list(entry) for entry in expected], separators=(",", ":"))  # as JSON.stringify writes it
    try:
        wait_until(page, f"JSON.stringify({ENTRIES}) === {json.dumps(want)}")
    except AssertionError:
        assert entries(page) == expected  # shows the difference
    return expected


def toc_link(page, text):
    return page.locator("#nb-toc").get_by_role("button", name=text, exact=True)


def selected_cell_index(page):
    return page.locator(".cell").evaluate_all("cells => cells.findIndex(c => c.classList.contains('selected'))")


def heading_below_header(page, cell_index, selector):
    """The heading's top is just under the sticky header (not hidden behind it) and on screen."""
    return page.evaluate(
        """([index, selector]) => {
          const cell = document.querySelectorAll('.cell')[index];
          const target = selector ? cell.querySelector(selector) : cell;
          const top = target.getBoundingClientRect().top;
          const header = document.querySelector('.nb-header').getBoundingClientRect().bottom;
          return {top, header, ok: top >= header && top < header + 80};
        }""",
        [cell_index, selector],
    )


@pytest.fixture
def notebook(page, context, server):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.dialogs = dialogs
    sign_up(page, server, unique("toc"))
    data = create_notebook(context, server, "Contents", CELLS)
    page.goto(server.url(f"/notebooks/{data['id']}/"))
    page.wait_for_selector("#notebook-app[data-ready='true']")
    return data


def test_headings_listed_with_levels_and_hostile_text_stays_text(page, notebook, shots_dir):
    toggle = page.get_by_role("button", name="Contents", exact=True)
    nav = page.get_by_role("navigation", name="Contents")
    # Open by default in a wide window.
    assert nav.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    wait_entries(page, EXPECTED)
    # Indented by level (relative to the outermost one).
    pads = page.locator("#nb-toc .nb-toc-link").evaluate_all("links => links.map(a => parseFloat(getComputedStyle(a).paddingLeft))")
    assert pads[0] < pads[1] < pads[2] and pads[1] == pads[3] and pads[0] == pads[4]
    # The hostile heading: shown as its text, no element made from it, nothing ran.
    assert page.locator("#nb-toc img").count() == 0
    assert toc_link(page, HOSTILE).text_content() == HOSTILE
    page.wait_for_timeout(300)
    assert page.dialogs == []
    page.screenshot(path=str(shots_dir / "toc-open.png"))
    assert csp_violations(page) == []
    assert page.errors == []


def test_contents_follow_edits_additions_deletions_moves_and_type_changes(page, notebook):
    wait_entries(page, EXPECTED)
    cells = page.locator(".cell")

    # Edit a markdown cell: the list follows the source while typing, then the rendered cell.
    cells.nth(10).locator(".cell-rendered").click()
    page.keyboard.press("Enter")
    page.keyboard.press("End")
    page.keyboard.type(" and next steps\n### Further reading")
    edited = EXPECTED[:-1] + [(2, "Summary and next steps"), (3, "Further reading")]
    wait_entries(page, edited)
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".cell:nth-child(11) .cell-rendered h3")
    wait_entries(page, edited)

    # Add a markdown cell after the first code cell (b, m, Enter, type, Shift+Enter renders it).
    page.keyboard.press("Escape")
    cells.nth(1).locator(".cell-gutter").click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("m")
    page.keyboard.press("Enter")
    page.keyboard.type("## Added section")
    page.keyboard.press("Control+Enter")
    added = edited[:1] + [(2, "Added section")] + edited[1:]
    wait_entries(page, added)

    # Move it down past the Setup cell: its entry moves too.
    cells.nth(2).get_by_role("button", name="Move cell down").click()
    cells.nth(3).get_by_role("button", name="Move cell down").click()
    moved = edited[:3] + [(2, "Added section")] + edited[3:]
    wait_entries(page, moved)

    # Change its type to code (y) and back (m), then delete it (d d).
    assert cells.nth(4).get_attribute("data-cell-type") == "markdown"
    page.keyboard.press("y")
    wait_entries(page, edited)
    page.keyboard.press("m")
    page.keyboard.press("Control+Enter")
    wait_entries(page, moved)
    page.keyboard.press("d")
    page.keyboard.press("d")
    wait_entries(page, edited)
    # Undo the delete: back in its place.
    page.keyboard.press("z")
    wait_entries(page, moved)
    assert csp_violations(page) == []
    assert page.errors == []


def test_choosing_an_entry_selects_and_scrolls_and_scrolling_marks_the_section(page, notebook, shots_dir):
    wait_entries(page, EXPECTED)
    wait_until(page, f"{ACTIVE} === 'Training a model'")  # the top of the page: the first section

    toc_link(page, "Step one").click()
    assert selected_cell_index(page) == 8
    assert page.evaluate("document.activeElement === document.querySelectorAll('.cell')[8]")  # command mode there
    position = heading_below_header(page, 8, ".cell-rendered h3")
    assert position["ok"], position
    wait_until(page, f"{ACTIVE} === 'Step one'")
    assert page.locator("#nb-toc [aria-current]").get_attribute("aria-current") == "location"

    # The panel sits beside the cells: it covers neither them nor the selected cell's toolbar.
    nav = page.locator("#nb-toc").bounding_box()
    toolbar = page.locator(".cell.selected .cell-toolbar").bounding_box()
    cells = page.locator("#nb-cells").bounding_box()
    assert nav["x"] + nav["width"] <= cells["x"]
    assert nav["x"] + nav["width"] < toolbar["x"]
    page.screenshot(path=str(shots_dir / "toc-chosen-entry.png"))

    # The last entry near the end of the page (it cannot scroll to the top) is still the one marked.
    toc_link(page, "Summary").click()
    assert selected_cell_index(page) == 10
    wait_until(page, f"{ACTIVE} === 'Summary'")

    # A heading at the top of its cell: the cell is shown whole, its toolbar below the sticky header.
    toc_link(page, "Loading data").click()
    assert selected_cell_index(page) == 4
    toolbar_top = page.locator(".cell.selected .cell-toolbar").bounding_box()["y"]
    header_bottom = page.evaluate("document.querySelector('.nb-header').getBoundingClientRect().bottom")
    assert header_bottom <= toolbar_top < header_bottom + 40
    position = heading_below_header(page, 4, ".cell-rendered h2")
    assert position["ok"], position
    wait_until(page, f"{ACTIVE} === 'Loading data'")
    page.screenshot(path=str(shots_dir / "toc-cell-toolbar.png"))

    # Scrolling marks the section being read.
    page.evaluate("window.scrollTo(0, 0)")
    wait_until(page, f"{ACTIVE} === 'Training a model'")
    page.evaluate(
        """() => {
          const h = document.querySelectorAll('.cell')[4].querySelector('.cell-rendered h2');
          window.scrollTo(0, window.scrollY + h.getBoundingClientRect().top - 120);
        }"""
    )
    wait_until(page, f"{ACTIVE} === 'Loading data'")

    # Keyboard: Tab lands on the marked entry; arrows move between entries; Enter goes there.
    toc_link(page, "Loading data").focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == HOSTILE
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # visible focus
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Training"
    page.keyboard.press("d")  # not a command key here: nothing is deleted
    page.keyboard.press("d")
    assert page.locator(".cell").count() == len(CELLS)
    page.keyboard.press("Enter")
    assert selected_cell_index(page) == 8
    position = heading_below_header(page, 8, ".cell-rendered h2")
    assert position["ok"], position

    # An entry of a cell being edited: its heading's line in the editor is scrolled to.
    page.keyboard.press("Enter")  # edit the selected (Training) cell: its source shows
    assert page.get_attribute("#nb-cells", "data-mode") == "edit"
    wait_entries(page, EXPECTED)
    page.evaluate("window.scrollTo(0, 0)")
    toc_link(page, "Step one").click()
    assert selected_cell_index(page) == 8
    assert page.get_attribute("#nb-cells", "data-mode") == "command"
    line = page.evaluate(
        """() => {
          const line = [...document.querySelectorAll('.cell')[8].querySelectorAll('.cm-line')].find(l => l.textContent === '### Step one');
          return {top: line.getBoundingClientRect().top, header: document.querySelector('.nb-header').getBoundingClientRect().bottom};
        }"""
    )
    assert line["header"] <= line["top"] < line["header"] + 80, line
    assert csp_violations(page) == []
    assert page.errors == []


def test_toggle_is_remembered_across_reloads(page, notebook, shots_dir):
    toggle = page.get_by_role("button", name="Contents", exact=True)
    nav = page.locator("#nb-toc")
    toggle.click()
    assert nav.is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.querySelector('.nb-cells').getBoundingClientRect().left") < 200  # the cells take the room back
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert nav.is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    # "t" in command mode opens it again.
    page.locator(".cell").nth(1).locator(".cell-gutter").click()
    page.keyboard.press("Escape")
    page.keyboard.press("t")
    assert nav.is_visible()
    wait_entries(page, EXPECTED)
    page.reload()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert nav.is_visible()
    assert page.evaluate("localStorage.getItem('campfire.contents')") == "open"
    # The close button in the panel closes it too and gives the focus to the toggle.
    page.get_by_role("button", name="Close contents").click()
    assert nav.is_hidden()
    assert page.evaluate("document.activeElement.matches('[data-toggle-contents]')")
    assert page.evaluate("localStorage.getItem('campfire.contents')") == "closed"
    assert csp_violations(page) == []
    assert page.errors == []


def test_narrow_window_starts_closed_and_stacks_the_panel(browser, server, shots_dir):
    context = browser.new_context(viewport={"width": 700, "height": 800})
    try:
        page = context.new_page()
        sign_up(page, server, unique("narrow"))
        data = create_notebook(context, server, "Narrow", CELLS)
        page.evaluate("localStorage.setItem('campfire.contents', 'open')")
        page.goto(server.url(f"/notebooks/{data['id']}/"))
        page.wait_for_selector("#notebook-app[data-ready='true']")
        nav = page.locator("#nb-toc")
        assert nav.is_hidden()  # closed in narrow windows whatever was remembered
        page.get_by_role("button", name="Contents", exact=True).click()
        wait_entries(page, EXPECTED)
        assert nav.bounding_box()["y"] < page.locator("#nb-cells").bounding_box()["y"]  # above the cells
        page.screenshot(path=str(shots_dir / "toc-narrow.png"))
        toc_link(page, "Summary").click()
        assert nav.is_hidden()  # closed so that it does not push the cells down
        assert selected_cell_index(page) == 10
        assert page.evaluate("localStorage.getItem('campfire.contents')") == "open"  # not remembered here
    finally:
        context.close()


def test_read_only_page_has_contents_too(browser, page, context, server, shots_dir):
    sign_up(page, server, unique("author"))
    data = create_notebook(context, server, "Shared tutorial", CELLS)
    status, data = api(context, server, "PATCH", f"/api/notebooks/{data['id']}", {"version": data["version"], "visibility": "unlisted"})
    assert status == 200, data

    reader_context = browser.new_context(viewport={"width": 1280, "height": 800})
    reader_context.add_init_script(WATCH_SCRIPT)
    try:
        reader = reader_context.new_page()
        reader.errors = []
        reader.on("pageerror", lambda error: reader.errors.append(str(error)))
        reader.goto(server.url(f"/notebooks/{data['id']}/"))  # anonymous
        reader.wait_for_selector("#notebook-app[data-ready='true']")
        assert reader.get_attribute("#notebook-app", "data-can-edit") == "false"
        assert reader.get_by_role("navigation", name="Contents").is_visible()
        wait_entries(reader, EXPECTED)
        toc_link(reader, "Step one").click()
        assert selected_cell_index(reader) == 8
        position = heading_below_header(reader, 8, ".cell-rendered h3")
        assert position["ok"], position
        wait_until(reader, f"{ACTIVE} === 'Step one'")
        reader.screenshot(path=str(shots_dir / "toc-read-only.png"))
        reader.get_by_role("button", name="Contents", exact=True).click()
        assert reader.locator("#nb-toc").is_hidden()
        assert csp_violations(reader) == []
        assert reader.errors == []
    finally:
        reader_context.close()


def test_tutorial_page_has_contents(page, server, shots_dir):
    """The read-only tutorial page (no sticky header there): the same panel, its toggle beside Start."""
    synced = subprocess.run([sys.executable, "manage.py", "sync_tutorials"], cwd=server.root, env=server.env, capture_output=True, text=True)
    assert synced.returncode == 0, synced.stderr
    page.goto(server.url("/tutorials/tensors/"))
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.get_by_role("navigation", name="Contents").is_visible()
    wait_until(page, "document.querySelectorAll('#nb-toc .nb-toc-link').length > 5")
    assert page.locator("#nb-toc .nb-toc-link").last.text_content() == "Summary"
    entry = page.locator("#nb-toc .nb-toc-link").nth(3)
    text = entry.text_content()
    entry.click()
    top = page.evaluate(
        """(text) => {
          const heading = [...document.querySelectorAll('.cell.selected .cell-rendered :is(h1, h2, h3, h4)')].find(h => h.textContent === text);
          return heading && heading.getBoundingClientRect().top;
        }""",
        text,
    )
    assert top is not None and 0 <= top < 80, top
    wait_until(page, f"{ACTIVE} === {json.dumps(text)}")
    page.screenshot(path=str(shots_dir / "toc-tutorial-page.png"))
    page.keyboard.press("t")  # command mode on the selected cell
    assert page.locator("#nb-toc").is_hidden()
    assert page.get_by_role("button", name="Contents", exact=True).get_attribute("aria-expanded") == "false"
    assert csp_violations(page) == []
    assert page.errors == []
