"""Import an .ipynb through the upload page, open it in the editor, download it back with the
editor's "Download .ipynb" link: the content is the same notebook (cells, ids, outputs, metadata)."""

import json

import nbformat

from tests.e2e.helpers import sign_up, unique, wait_saved
from tests.e2e.sample_notebooks import outputs_notebook


def test_import_then_export_round_trips(page, server, tmp_path):
    sign_up(page, server, unique("ivan"))
    original = outputs_notebook()
    upload = tmp_path / "every-output.ipynb"
    upload.write_text(nbformat.writes(original), encoding="utf-8")

    page.goto(server.url("/notebooks/import/"))
    page.set_input_files("input[type=file]", str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#notebook-app[data-ready='true']")
    assert page.locator(".cell").count() == len(original.cells)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download .ipynb").click()
    exported_path = tmp_path / "exported.ipynb"
    download_info.value.save_as(exported_path)
    exported = nbformat.read(exported_path, as_version=4)
    nbformat.validate(exported)
    assert json.loads(nbformat.writes(exported))["cells"] == json.loads(nbformat.writes(original))["cells"]
    for key, value in original.metadata.items():
        assert exported.metadata[key] == value


def test_edits_in_the_editor_reach_the_export(page, server, tmp_path):
    sign_up(page, server, unique("edith"))
    upload = tmp_path / "small.ipynb"
    upload.write_text(nbformat.writes(outputs_notebook()), encoding="utf-8")
    page.goto(server.url("/notebooks/import/"))
    page.set_input_files("input[type=file]", str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#notebook-app[data-ready='true']")

    # Change the source of the first code cell: its outputs stay (they belong to execution).
    page.locator(".cell").nth(1).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("print('edited')")
    # Cell 2 (images) to markdown and back: its outputs are cleared, on the page and the server.
    page.locator(".cell").nth(2).click(position={"x": 10, "y": 10})
    page.keyboard.press("m")
    page.keyboard.press("y")
    assert page.locator(".cell").nth(2).locator(".cell-outputs .output").count() == 0
    # Cell 4 (the error): the toolbar's "Clear outputs".
    page.locator(".cell").nth(4).click(position={"x": 10, "y": 10})
    page.locator(".cell").nth(4).get_by_role("button", name="Clear this cell's outputs").click()
    assert page.locator(".cell").nth(4).locator(".cell-prompt").inner_text() == "[ ]:"
    wait_saved(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download .ipynb").click()
    download_info.value.save_as(tmp_path / "after.ipynb")
    exported = nbformat.read(tmp_path / "after.ipynb", as_version=4)
    assert exported.cells[1].source == "print('edited')"
    assert exported.cells[1].outputs == outputs_notebook().cells[1].outputs
    assert exported.cells[2].cell_type == "code" and exported.cells[2].outputs == []
    assert exported.cells[2].execution_count is None
    assert exported.cells[4].outputs == [] and exported.cells[4].execution_count is None
    assert exported.cells[5].outputs == outputs_notebook().cells[5].outputs
