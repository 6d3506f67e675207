"""Hostile and confused input to the JSON API: every refusal is a 4xx `{"detail": ...}` naming
what is wrong, never a 500, and nothing is stored by a refused request.

Bodies (shape, types, unknown fields, unicode, nesting, size), URLs (ids, NUL, unknown paths,
methods) and content types. Imports: test_hostile_import.py; who may call what:
test_hostile_access.py.
"""

import json

import pytest

from campfire.notebooks import services
from campfire.notebooks.models import CellOutput, Notebook
from campfire.tutorials import services as tutorial_services
from tests.platform.tutorials.conftest import sample, sample_dir  # noqa: F401 (fixtures)
from tests.platform.tutorials.samples import SLUG

URL = "/api/notebooks"


def send(api, method, path, raw, content_type="application/json"):
    """A request with exactly these body bytes (or text)."""
    return getattr(api.client, method)(path, data=raw, content_type=content_type, headers=api.headers)


def refused(response, status=400, *words):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert "Traceback" not in detail
    for word in words:
        assert word in detail, detail
    return detail


def unchanged(notebook):
    stored = Notebook.objects.get(pk=notebook.pk)
    assert (stored.version, stored.title, stored.cells) == (notebook.version, notebook.title, notebook.cells)


@pytest.fixture
def copy_url(sample, alice):  # noqa: F811
    copy, _ = tutorial_services.copy_start(tutorial=sample, user=alice)
    return f"/api/notebooks/{copy.notebook_id}/exercises/triple"


def json_endpoints(notebook, copy_url):
    """(method, path) of every endpoint that takes a JSON object body."""
    base = f"{URL}/{notebook.id}"
    return [
        ("post", URL), ("patch", base), ("post", "/api/markdown"), ("post", f"{copy_url}/check"),
        ("post", f"{base}/cells/code-1/run"), ("post", f"{base}/run-all"), ("put", f"{base}/runtime"),
    ]


# ----------------------------------------------------------------------------- body shape
@pytest.mark.parametrize("raw, words", [
    ("[]", ["JSON object", "array"]),
    ("null", ["JSON object", "null"]),
    ("5", ["JSON object", "number"]),
    ('"x"', ["JSON object", "string"]),
    ("true", ["JSON object", "boolean"]),
    ("{not json", ["not valid JSON"]),
    ('{"title": "a"', ["not valid JSON"]),
    (b'{"title": "\xff"}', ["not valid JSON"]),
    ('{"title": "a", "title": "b"}', ["'title' appears twice"]),
    ('{"metadata": {"k": 1, "x": {"k": 2}, "k": 3}}', ["'k' appears twice"]),
    ('{"metadata": {"a": NaN}}', ["NaN"]),
    ('{"metadata": {"a": -Infinity}}', ["Infinity"]),
    ('{"metadata": {"a": 1e400}}', ["metadata.a", "Infinity"]),
    ('{"metadata": {"a": 1' + "0" * 5000 + "}}", ["not valid JSON"]),
    ('{"metadata": ' + "[" * 10000 + "]" * 10000 + "}", ["nested too deeply"]),
    ('{"metadata": ' + '{"a": ' * 10000 + "1" + "}" * 10000 + "}", ["nested too deeply"]),
    ('{"metadata": ' + '{"a": ' * 150 + "1" + "}" * 150 + "}", ["nested more than 100 levels"]),
])
def test_every_json_endpoint_refuses_a_body_that_is_not_a_json_object(alice_api, notebook, copy_url, raw, words):
    """A non-object body used to be read attribute by attribute: `"x"` created a notebook titled
    "X" (str.title()), `[]` and `null` created untitled notebooks and ran saved cells."""
    before = Notebook.objects.count()
    for method, path in json_endpoints(notebook, copy_url):
        refused(send(alice_api, method, path, raw), 400, *words)
    assert Notebook.objects.count() == before
    unchanged(notebook)


def test_a_notebook_nested_100_levels_deep_is_still_accepted(alice_api):
    depth = 99  # + the metadata object itself = 100
    body = '{"metadata": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    response = send(alice_api, "post", URL, body)
    assert response.status_code == 201, response.content[:300]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"])
def test_json_endpoints_refuse_other_content_types_with_415(alice_api, notebook, copy_url, content_type):
    before = Notebook.objects.count()
    for method, path in json_endpoints(notebook, copy_url):
        refused(send(alice_api, method, path, '{"title": "sneaky", "version": 1}', content_type), 415, "application/json")
    assert Notebook.objects.count() == before
    unchanged(notebook)


def test_json_suffix_content_types_and_charset_parameters_are_json(alice_api):
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        assert send(alice_api, "post", URL, '{"title": "ok"}', content_type).status_code == 201


# ------------------------------------------------------------------------- wrong types
@pytest.mark.parametrize("body, field", [
    ({"title": 5}, "title"),
    ({"title": None}, "title"),
    ({"title": ["a"]}, "title"),
    ({"cells": None}, "cells"),
    ({"cells": {"0": {"cell_type": "code"}}}, "cells"),
    ({"cells": ["print(1)"]}, "cells.0"),
    ({"cells": [{"cell_type": "code", "source": 5}]}, "cells.0.source"),
    ({"cells": [{"cell_type": "code", "source": ["a", 1]}]}, "cells.0.source"),
    ({"cells": [{"cell_type": "code", "id": 7}]}, "cells.0.id"),
    ({"cells": [{"cell_type": "code", "metadata": []}]}, "cells.0.metadata"),
    ({"cells": [{"cell_type": "markdown", "attachments": "x"}]}, "cells.0.attachments"),
    ({"cells": [{"cell_type": "code", "attachments": {"a.png": {"image/png": "AAAA"}}}]}, "cells[0].attachments"),
    ({"cells": [{"cell_type": None}]}, "cells.0.cell_type"),
    ({"cells": [{}]}, "cells.0.cell_type"),
    ({"metadata": [1, 2]}, "metadata"),
    ({"metadata": "x"}, "metadata"),
    ({"visibility": None}, "visibility"),
    ({"visibility": "PUBLIC"}, "visibility"),
])
def test_create_refuses_wrong_types_naming_the_field(alice_api, body, field):
    refused(alice_api.post(URL, body), 400, field)
    assert not Notebook.objects.exists()


@pytest.mark.parametrize("version, words", [
    ("1", ["version", "integer"]),
    (True, ["version", "integer"]),
    (1.0, ["version", "integer"]),
    (1.5, ["version", "integer"]),
    (None, ["version", "integer"]),
    ([1], ["version", "integer"]),
    (0, ["version", "greater than or equal to 1"]),
    (-1, ["version", "greater than or equal to 1"]),
    (2**31, ["version", "less than or equal to 2147483647"]),
    (10**30, ["version", "less than or equal to 2147483647"]),
])
def test_patch_version_must_be_a_positive_integer(alice_api, notebook, version, words):
    """"1" and true used to be taken as 1; -1 and huge numbers were answered as a stale 409."""
    refused(alice_api.patch(f"{URL}/{notebook.id}", {"version": version, "title": "changed"}), 400, *words)
    unchanged(notebook)


def test_patch_without_a_version_or_with_nulls_changes_nothing(alice_api, notebook):
    refused(alice_api.patch(f"{URL}/{notebook.id}", {"title": "changed"}), 400, "version")
    for field in ("title", "visibility", "metadata", "cells"):
        refused(alice_api.patch(f"{URL}/{notebook.id}", {"version": 1, field: None}), 400, field)
    refused(send(alice_api, "patch", f"{URL}/{notebook.id}", ""), 400, "body")
    unchanged(notebook)


# ----------------------------------------------------------------------- unknown fields
@pytest.mark.parametrize("method, suffix, body, field", [
    ("post", "", {"title": "x", "visiblity": "public"}, "visiblity"),
    ("post", "", {"cells": [{"cell_type": "code", "sorce": "1"}]}, "cells.0.sorce"),
    ("patch", "/{id}", {"version": 1, "titel": "x"}, "titel"),
    ("patch", "/{id}", {"version": 1, "cells": [{"id": "code-1", "cell_type": "code", "execution_count": 3}]}, "cells.0.execution_count"),
    ("patch", "/{id}", {"version": 1, "cells": [{"id": "code-1", "cell_type": "code", "displays": {}}]}, "cells.0.displays"),
])
def test_unknown_fields_are_refused_not_silently_dropped(alice_api, notebook, method, suffix, body, field):
    """A typo such as "visiblity" used to be ignored: a 201 with a private notebook."""
    before = Notebook.objects.count()
    path = URL + suffix.format(id=notebook.id)
    refused(getattr(alice_api, method)(path, body), 400, field, "Extra inputs are not permitted")
    assert Notebook.objects.count() == before
    unchanged(notebook)


def test_markdown_and_check_refuse_unknown_fields(alice_api, copy_url):
    refused(alice_api.post("/api/markdown", {"source": "x", "attachment": {}}), 400, "attachment")
    refused(alice_api.post(f"{copy_url}/check", {"code": "def triple(x): return 3 * x"}), 400, "code")


@pytest.mark.parametrize("suffix, body, unknown", [      # a typo'd {"sorce": ...} must not run the saved source
    ("/cells/code-1/run", {"sorce": "print(2)"}, "sorce"),
    ("/run-all", {"cell": ["code-1"]}, "cell"),
    ("/runtime", {"device": "cpu", "gpu": True}, "gpu"),
    ("/complete", {"code": "a", "cursor_pos": 1, "cursor": 1}, "cursor"),
    ("/inspect", {"code": "a", "cursor_pos": 1, "detail": 1}, "detail"),
])
def test_execution_endpoints_refuse_unknown_fields(alice_api, notebook, suffix, body, unknown):
    method = "put" if suffix == "/runtime" else "post"
    response = send(alice_api, method, f"{URL}/{notebook.id}{suffix}", json.dumps(body))
    refused(response, 400, unknown)


def test_run_all_restart_must_be_a_boolean(alice_api, notebook):
    refused(alice_api.post(f"{URL}/{notebook.id}/run-all", {"restart": "yes"}), 400, "restart")


# ----------------------------------------------------------------------------- unicode
@pytest.mark.parametrize("bad, words", [
    ("a\u0000b", ["NUL"]),
    ("\ud800", ["unpaired surrogate"]),
    ("x\udfff", ["unpaired surrogate"]),
])
@pytest.mark.parametrize("place", ["title", "source", "metadata value", "metadata key", "cell metadata", "attachments"])
def test_nul_and_lone_surrogates_are_400_never_500(alice_api, notebook, bad, words, place):
    """PostgreSQL cannot store NUL, UTF-8 cannot encode a lone surrogate: both were 500s."""
    cell = {"cell_type": "markdown", "source": "ok"}
    body = {
        "title": {"title": bad},
        "source": {"cells": [{**cell, "source": bad}]},
        "metadata value": {"metadata": {"a": [bad]}},
        "metadata key": {"metadata": {bad: 1}},
        "cell metadata": {"cells": [{**cell, "metadata": {"tags": [bad]}}]},
        "attachments": {"cells": [{**cell, "attachments": {"a.png": {"image/png": bad}}}]},
    }[place]
    raw = json.dumps(body)  # ensure_ascii: "\u0000" and "\ud800" travel as JSON escapes
    before = Notebook.objects.count()
    refused(send(alice_api, "post", URL, raw), 400, *words)
    refused(send(alice_api, "patch", f"{URL}/{notebook.id}", json.dumps({"version": 1, **body})), 400, *words)
    assert Notebook.objects.count() == before
    unchanged(notebook)


def test_nul_in_markdown_run_and_check_sources_is_400(alice_api, notebook, copy_url):
    for path in ("/api/markdown", f"{URL}/{notebook.id}/cells/code-1/run", f"{copy_url}/check"):
        refused(send(alice_api, "post", path, json.dumps({"source": "print(1)\u0000"})), 400, "source", "NUL")
    refused(send(alice_api, "post", f"{URL}/{notebook.id}/run-all", json.dumps({"sources": {"code-1": "\u0000"}})), 400, "sources.code-1")


def test_emoji_rtl_overrides_and_combining_marks_round_trip_exactly(alice_api):
    title = "\u202eevil.exe\u202c 🔥👩‍👩‍👧 ﷽ e\u0301"
    source = "# \u200f\u2066שלום\u2069 🦀\n$\\alpha$ \U0010ffff \ufeff"
    created = alice_api.post(URL, {"title": title, "cells": [{"cell_type": "markdown", "source": source, "metadata": {"k🔑": "v\u202e"}}]})
    assert created.status_code == 201
    body = alice_api.get(f"{URL}/{created.json()['id']}").json()
    assert body["title"] == title and body["cells"][0]["source"] == source and body["cells"][0]["metadata"] == {"k🔑": "v\u202e"}
    exported = alice_api.get(f"{URL}/{body['id']}/ipynb")
    assert exported.status_code == 200 and "\n" not in exported["Content-Disposition"]
    assert "".join(json.loads(exported.content)["cells"][0]["source"]) == source


def test_a_title_with_control_characters_still_exports(alice_api):
    """The title went into Content-Disposition as it was: uvicorn refuses to send a header with
    a control character ("Invalid HTTP header value"), so the export was a 500 in production."""
    created = alice_api.post(URL, {"title": "a\x01b\x1bc\x7f"}).json()
    assert created["title"] == "a\x01b\x1bc\x7f"
    exported = alice_api.get(f"{URL}/{created['id']}/ipynb")
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == 'attachment; filename="abc.ipynb"'
    only_control = alice_api.post(URL, {"title": "\x01\x02"}).json()
    assert alice_api.get(f"{URL}/{only_control['id']}/ipynb")["Content-Disposition"] == 'attachment; filename="notebook.ipynb"'


def test_markdown_control_characters_other_than_nul_are_kept(alice_api):
    source = "tab\there \x01\x1b[31m bell\x07"
    created = alice_api.post(URL, {"cells": [{"cell_type": "raw", "source": source}]})
    assert created.status_code == 201 and created.json()["cells"][0]["source"] == source


# -------------------------------------------------------------------------- sizes, ids
def test_a_10_mb_body_is_a_400_and_a_large_source_is_stored_intact(alice_api, notebook, settings):
    huge = json.dumps({"cells": [{"cell_type": "code", "source": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}]})
    refused(send(alice_api, "post", URL, huge), 400, "too large")
    refused(send(alice_api, "patch", f"{URL}/{notebook.id}", json.dumps({"version": 1, "title": "t" * 11_000_000})), 400, "too large")
    refused(alice_api.post(URL, {"title": "t" * 201}), 400, "title")
    unchanged(notebook)
    source = "print('🔥')\n" * 200_000  # 2.4 MB
    created = alice_api.post(URL, {"cells": [{"cell_type": "code", "source": source}]})
    assert created.status_code == 201 and alice_api.get(f"{URL}/{created.json()['id']}").json()["cells"][0]["source"] == source


def test_too_many_cells_is_400_and_nothing_is_stored(alice_api, notebook, settings):
    settings.CAMPFIRE_MAX_CELLS = 50
    cells = [{"cell_type": "raw", "source": ""}] * 51
    refused(alice_api.post(URL, {"cells": cells}), 400, "at most 50 cells")
    refused(alice_api.patch(f"{URL}/{notebook.id}", {"version": 1, "cells": cells}), 400, "at most 50 cells")
    assert Notebook.objects.count() == 1
    unchanged(notebook)


def test_a_hundred_thousand_cells_are_refused_before_each_is_validated(alice_api, notebook):
    cells = [{"cell_type": "raw"}] * 100_000
    refused(alice_api.post(URL, {"cells": cells}), 400, "cells", "at most")
    refused(alice_api.patch(f"{URL}/{notebook.id}", {"version": 1, "cells": cells}), 400, "cells", "at most")
    assert Notebook.objects.count() == 1
    unchanged(notebook)


@pytest.mark.parametrize("cells, words", [
    ([{"id": "a", "cell_type": "code"}, {"id": "a", "cell_type": "markdown"}], ["cells[1].id", "used by another cell"]),
    ([{"id": "x" * 65, "cell_type": "code"}], ["cells[0].id"]),
    ([{"id": "../etc", "cell_type": "code"}], ["cells[0].id"]),
    ([{"id": "a b", "cell_type": "code"}], ["cells[0].id"]),
    ([{"id": "é", "cell_type": "code"}], ["cells[0].id"]),
])
def test_bad_or_duplicate_cell_ids_are_400_and_outputs_survive(alice_api, notebook, cells, words):
    refused(alice_api.post(URL, {"cells": cells}), 400, *words)
    refused(alice_api.patch(f"{URL}/{notebook.id}", {"version": 1, "cells": cells}), 400, *words)
    unchanged(notebook)
    assert CellOutput.objects.get(notebook=notebook, cell_id="code-1").outputs[0]["text"] == "1\n"


# --------------------------------------------------------------------------------- URLs
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "00000000-0000-0000-0000-00000000000g", "' OR 1=1 --", "x" * 500])
def test_invalid_uuids_in_paths_are_400_naming_the_parameter(alice_api, bad_id):
    for method, suffix in [("get", ""), ("patch", ""), ("delete", ""), ("get", "/ipynb"), ("post", "/duplicate"), ("post", "/fork"),
                           ("post", "/cells/a/run"), ("get", "/kernel"), ("post", "/exercises/triple/hint")]:
        body = {"patch": {"version": 1}, "post": {}}.get(method)
        refused(alice_api._call(method, f"{URL}/{bad_id}{suffix}", body), 400, "notebook_id")


def test_unknown_execution_ids_are_404(alice_api):
    for execution in ("nope", "00000000-0000-0000-0000-000000000000", "1" * 300):
        refused(alice_api.get(f"/api/executions/{execution}"), 404, "execution not found")
        refused(alice_api.post(f"/api/executions/{execution}/cancel"), 404, "execution not found")


@pytest.mark.parametrize("path", [
    "/api/notebooks?q=%00", "/api/tutorials?q=a%00", "/api/tutorials?level=%00", "/api/tutorials?tag=%00",
    "/api/tutorials/%00", f"/api/tutorials/{SLUG}%00", "/api/notebooks/%00", "/api/executions/%00",
])
def test_nul_in_the_url_is_400_not_a_database_error(alice_api, path, sample):  # noqa: F811
    refused(alice_api.get(path), 400, "NUL")


def test_nul_in_exercise_and_tutorial_paths_is_400(alice_api, copy_url):
    refused(alice_api.get(f"{copy_url[:-len('triple')]}%00"), 400, "NUL")
    refused(alice_api.post(f"{copy_url[:-len('triple')]}%00/hint"), 400, "NUL")
    refused(alice_api.post("/api/tutorials/%00/start"), 400, "NUL")


def test_odd_but_harmless_query_strings_are_answered(alice_api, notebook):
    for query in ("?q=" + "a" * 50_000, "?q=%ED%A0%80", "?q=a&q=b", "?q=%F0%9F%94%A5", "?q=%25%27%22%3B--"):
        assert alice_api.get(URL + query).status_code == 200
    assert alice_api.get("/api/tutorials?level=expert&tag=%E2%80%AE").json() == []


@pytest.mark.parametrize("method, path, allowed", [
    ("put", "/api/notebooks/{id}", "DELETE, GET, PATCH"),
    ("post", "/api/notebooks/{id}", "DELETE, GET, PATCH"),
    ("delete", "/api/notebooks", "GET, POST"),
    ("get", "/api/notebooks/{id}/duplicate", "POST"),
    ("get", "/api/markdown", "POST"),
    ("patch", "/api/notebooks/import", "POST"),
    ("get", "/api/notebooks/{id}/run-all", "POST"),
])
def test_wrong_methods_are_405_json_with_allow(alice_api, notebook, method, path, allowed):
    response = getattr(alice_api.client, method)(path.format(id=notebook.id), headers=alice_api.headers)
    refused(response, 405, method.upper())
    assert set(response["Allow"].split(", ")) == set(allowed.split(", "))
    unchanged(notebook)


def test_unknown_api_paths_are_404_json(alice_api, anon_api):
    for api in (alice_api, anon_api):
        refused(api.get("/api/nothing-here"), 404, "not found")
        refused(api.post("/api/notebooks/x/y/z"), 404, "not found")


def test_an_unexpected_error_under_api_is_json_without_a_traceback(rf):
    from django.http import HttpResponse

    from campfire.apierrors import ApiJsonErrorsMiddleware

    crash = ApiJsonErrorsMiddleware(lambda request: HttpResponse("Traceback (most recent call last): ...", status=500, content_type="text/plain"))
    response = crash(rf.get("/api/notebooks"))
    assert response.status_code == 500 and json.loads(response.content) == {"detail": "internal server error"}
    assert crash(rf.get("/notebooks/")).content.startswith(b"Traceback")  # pages keep Django's own error pages
