"""Every notebook in the corpus either imports or is refused with a 400 that says why; never a 500."""

import json

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campfire.notebooks.exceptions import NotebookImportError
from campfire.notebooks.ipynb import parse_ipynb

from campfire.notebooks.models import Notebook

from .ipynb_corpus import CORPUS, PNG, v3_notebook, v4_minor, with_attachments, with_widgets


@pytest.mark.parametrize("name, data, expected", CORPUS, ids=[entry[0] for entry in CORPUS])
def test_corpus_entry_imports_or_is_refused_with_a_reason(alice_api, alice, name, data, expected):
    response = alice_api.upload("/api/notebooks/import", name, data)
    if expected == "ok":
        assert response.status_code == 201, response.content[:500]
        body = response.json()
        exported = nbformat.reads(alice_api.get(f"/api/notebooks/{body['id']}/ipynb").content.decode(), as_version=4)
        nbformat.validate(exported)
        assert (exported.nbformat, exported.nbformat_minor) == (4, 5)
        ids = [cell.id for cell in exported.cells]
        assert len(set(ids)) == len(ids) and all(ids)
    else:
        assert response.status_code == 400, response.content[:500]
        assert expected in response.json()["detail"]
        assert not Notebook.objects.filter(owner=alice).exists()


def _import(api, name, data):
    response = api.upload("/api/notebooks/import", name, data)
    assert response.status_code == 201, response.content[:500]
    return response.json()


def test_v3_is_converted_with_outputs(alice_api):
    body = _import(alice_api, "old.ipynb", v3_notebook())
    heading, markdown, code = body["cells"]
    assert heading["cell_type"] == "markdown" and heading["source"] == "## Old heading"
    assert code["source"] == "print('hi')" and code["execution_count"] == 3
    types = [o["output_type"] for o in code["outputs"]]
    assert types == ["stream", "execute_result", "display_data", "error"]
    assert code["outputs"][2]["data"]["image/png"] == PNG
    assert body["title"] == "old"


def test_v4_minor_upgrade_keeps_content_and_adds_ids(alice_api):
    body = _import(alice_api, "four-oh.ipynb", v4_minor(0))
    assert [c["cell_type"] for c in body["cells"]] == ["markdown", "code", "code"]
    assert body["cells"][1]["outputs"][0]["data"] == {"text/plain": "1"}
    assert body["metadata"]["orig_nbformat_minor"] == 0


def test_attachments_survive_import_export_and_render(alice_api):
    body = _import(alice_api, "att.ipynb", with_attachments())
    assert body["cells"][0]["attachments"]["plot.png"]["image/png"] == PNG
    exported = json.loads(alice_api.get(f"/api/notebooks/{body['id']}/ipynb").content)
    assert exported["cells"][0]["attachments"] == {"plot.png": {"image/png": PNG}}


def test_widget_metadata_is_kept(alice_api):
    body = _import(alice_api, "w.ipynb", with_widgets())
    assert body["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]["abc"]["state"] == {"value": 3}
    assert "application/vnd.jupyter.widget-view+json" in body["cells"][0]["outputs"][0]["data"]


def test_explicit_title_wins_over_the_file_name(alice_api):
    response = alice_api.upload("/api/notebooks/import", "dir/ugly-name.ipynb", v4_minor(5), title="Nice title")
    assert response.json()["title"] == "Nice title"


@pytest.mark.parametrize("name, data, expected", [e for e in CORPUS if e[0] in ("v3.ipynb", "v4.2.ipynb", "widgets.ipynb", "attachments.ipynb", "ids.ipynb")], ids=lambda v: v if isinstance(v, str) and v.endswith(".ipynb") else "")
def test_export_import_export_is_byte_for_byte(alice_api, name, data, expected):
    first = _import(alice_api, name, data)
    exported = alice_api.get(f"/api/notebooks/{first['id']}/ipynb").content
    second = _import(alice_api, name, exported)
    assert alice_api.get(f"/api/notebooks/{second['id']}/ipynb").content == exported


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=30,
)
notebook_like = st.fixed_dictionaries(
    {"nbformat": st.sampled_from([3, 4, 4, "4", None]), "nbformat_minor": st.sampled_from([0, 4, 5, -1, None])},
    optional={"cells": json_values, "metadata": json_values, "worksheets": json_values},
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(json_values, notebook_like))
def test_parse_never_fails_with_anything_but_an_import_error(raw):
    try:
        nb = parse_ipynb(json.dumps(raw).encode())
    except NotebookImportError as error:
        assert str(error)
    else:
        nbformat.validate(nb)
