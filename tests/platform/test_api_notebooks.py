"""The notebooks API: every endpoint, its success and its 400/401/403/404/409 answers."""

import json
import uuid

import nbformat
import pytest

from campfire.notebooks import services
from campfire.notebooks.models import CellOutput, Notebook

URL = "/api/notebooks"


def url(nb, suffix=""):
    return f"{URL}/{nb.id if hasattr(nb, 'id') else nb}{suffix}"


def test_create_returns_201_with_server_assigned_cell_ids(alice_api):
    response = alice_api.post(URL, {"title": "First", "cells": [{"cell_type": "code", "source": "1+1"}, {"cell_type": "markdown", "source": "*hi*"}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["title"] == "First" and body["version"] == 1 and body["owner"] == "alice"
    assert body["visibility"] == "private" and body["forked_from"] is None
    code, markdown = body["cells"]
    assert code["id"] and code["id"] != markdown["id"]
    assert code == {"id": code["id"], "cell_type": "code", "source": "1+1", "metadata": {}, "outputs": [], "execution_count": None, "displays": {}}
    assert "outputs" not in markdown and "execution_count" not in markdown
    assert Notebook.objects.get(pk=body["id"]).cells[0]["id"] == code["id"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"cells": [{"cell_type": "python", "source": ""}]}, "cells.0.cell_type"),
        ({"title": "x" * 201}, "title"),
        ({"cells": "nope"}, "cells"),
        ({"visibility": "secret"}, "visibility"),
        ({"cells": [{"cell_type": "code", "source": "", "id": "bad id!"}]}, "cells[0].id"),
        ({"cells": [{"cell_type": "code", "id": "a"}, {"cell_type": "code", "id": "a"}]}, "cells[1].id"),
        ({"cells": [{"cell_type": "code", "outputs": [{"output_type": "stream"}]}]}, "outputs"),
    ],
)
def test_create_refuses_bad_input_with_400_naming_the_field(alice_api, body, field):
    response = alice_api.post(URL, body)
    assert response.status_code == 400
    assert field in response.json()["detail"]


def test_create_refuses_malformed_json_with_400(alice_api):
    response = alice_api.client.post(URL, data="{not json", content_type="application/json", headers=alice_api.headers)
    assert response.status_code == 400
    assert "detail" in response.json()


def test_list_is_mine_only_newest_first_and_searchable(alice_api, bob_api, alice, bob):
    services.notebook_create(owner=alice, title="Linear regression")
    second = services.notebook_create(owner=alice, title="Convolutions")
    services.notebook_create(owner=bob, title="Bob's regression")
    titles = [n["title"] for n in alice_api.get(URL).json()]
    assert titles == ["Convolutions", "Linear regression"]
    assert [n["title"] for n in alice_api.get(URL + "?q=REGRESS").json()] == ["Linear regression"]
    assert "cells" not in alice_api.get(URL).json()[0]
    services.notebook_update(notebook=Notebook.objects.get(title="Linear regression"), version=1, title="Linear regression!")
    assert [n["title"] for n in alice_api.get(URL).json()][0] == "Linear regression!"
    assert second.id


def test_get_returns_the_contract_json_with_outputs(alice_api, notebook):
    body = alice_api.get(url(notebook)).json()
    assert set(body) == {"id", "title", "visibility", "version", "owner", "created", "updated", "forked_from", "metadata", "cells"}
    assert body["cells"][1]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    assert body["cells"][1]["execution_count"] == 1
    assert body["metadata"]["kernelspec"]["name"] == "python3"


def test_patch_replaces_cells_keeps_outputs_by_id_and_bumps_version(alice_api, notebook):
    response = alice_api.patch(url(notebook), {
        "version": 1,
        "title": "Renamed",
        "cells": [
            {"id": "code-1", "cell_type": "code", "source": "print(2)"},
            {"cell_type": "markdown", "source": "new"},
            {"id": "intro", "cell_type": "markdown", "source": "# moved"},
        ],
    })
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["title"] == "Renamed"
    assert [c["source"] for c in body["cells"]] == ["print(2)", "new", "# moved"]
    assert body["cells"][0]["outputs"] == [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    assert body["cells"][1]["id"] not in ("code-1", "intro")


def test_patch_clears_outputs_only_with_an_empty_list(alice_api, notebook):
    refused = alice_api.patch(url(notebook), {"version": 1, "cells": [{"id": "code-1", "cell_type": "code", "source": "", "outputs": [{"output_type": "stream", "name": "stdout", "text": "forged"}]}]})
    assert refused.status_code == 400 and "outputs" in refused.json()["detail"]
    assert CellOutput.objects.get(notebook=notebook, cell_id="code-1").outputs[0]["text"] == "1\n"
    cleared = alice_api.patch(url(notebook), {"version": 1, "cells": [{"id": "code-1", "cell_type": "code", "source": "", "outputs": []}]})
    assert cleared.status_code == 200
    assert cleared.json()["cells"][0]["outputs"] == [] and cleared.json()["cells"][0]["execution_count"] is None


def test_patch_with_a_stale_version_is_409_with_the_newer_notebook(alice_api, notebook):
    assert alice_api.patch(url(notebook), {"version": 1, "title": "first save"}).status_code == 200
    stale = alice_api.patch(url(notebook), {"version": 1, "title": "stale save"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["detail"] and body["current"]["title"] == "first save" and body["current"]["version"] == 2
    assert Notebook.objects.get(pk=notebook.pk).title == "first save"


def test_storing_outputs_does_not_bump_version(alice_api, notebook):
    services.cell_outputs_store(notebook_id=notebook.id, cell_id="code-1", outputs=[], execution_count=2)
    assert alice_api.get(url(notebook)).json()["version"] == 1
    assert alice_api.patch(url(notebook), {"version": 1, "title": "still fine"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [{}, {"version": "one"}, {"version": 1, "title": None}, {"version": 1, "cells": [{"source": "x"}]}, {"version": 1, "metadata": []}],
)
def test_patch_refuses_bad_input_with_400(alice_api, notebook, body):
    response = alice_api.patch(url(notebook), body)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]


def test_delete_is_204_then_404(alice_api, notebook):
    assert alice_api.delete(url(notebook)).status_code == 204
    assert alice_api.get(url(notebook)).status_code == 404
    assert not CellOutput.objects.filter(notebook_id=notebook.id).exists()


def test_unknown_notebook_is_404_everywhere(alice_api):
    missing = uuid.uuid4()
    assert alice_api.get(url(missing)).status_code == 404
    assert alice_api.patch(url(missing), {"version": 1}).status_code == 404
    assert alice_api.delete(url(missing)).status_code == 404
    assert alice_api.get(url(missing, "/ipynb")).status_code == 404
    assert alice_api.get(f"{URL}/not-a-uuid").status_code in (400, 404)


def test_export_is_valid_nbformat_45_with_outputs(alice_api, notebook):
    response = alice_api.get(url(notebook, "/ipynb"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ipynb+json"
    assert 'filename="Gradients.ipynb"' in response["Content-Disposition"]
    nb = nbformat.reads(response.content.decode(), as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert [c.id for c in nb.cells] == ["intro", "code-1"]
    assert nb.cells[1].outputs[0].text == "1\n" and nb.cells[1].execution_count == 1


def test_import_then_export_round_trips_byte_for_byte(alice_api, notebook):
    exported = alice_api.get(url(notebook, "/ipynb")).content
    imported = alice_api.upload(URL + "/import", "Gradients.ipynb", exported)
    assert imported.status_code == 201, imported.content
    body = imported.json()
    assert body["title"] == "Gradients"
    again = alice_api.get(f"{URL}/{body['id']}/ipynb").content
    assert again == exported


def test_import_refusal_is_400_and_saves_nothing(alice_api, alice):
    response = alice_api.upload(URL + "/import", "broken.ipynb", b'{"cells": [')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]
    assert not Notebook.objects.filter(owner=alice).exists()


def test_import_without_a_file_is_400(alice_api):
    response = alice_api.client.post(URL + "/import", {}, headers=alice_api.headers)
    assert response.status_code == 400
    assert "file" in response.json()["detail"]


def test_import_over_the_size_cap_is_400(alice_api, settings):
    settings.CAMPFIRE_IMPORT_MAX_BYTES = 2048
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1\n" * 1000)])
    response = alice_api.upload(URL + "/import", "big.ipynb", nbformat.writes(nb).encode())
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_request_body_over_the_request_cap_is_400_before_parsing(alice_api, settings):
    settings.CAMPFIRE_MAX_REQUEST_BYTES = 4096
    response = alice_api.post(URL, {"title": "x", "cells": [{"cell_type": "code", "source": "y" * 10000}]})
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_json_body_over_the_memory_cap_is_400(alice_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    response = alice_api.post(URL, {"title": "x", "cells": [{"cell_type": "code", "source": "y" * 10000}]})
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]


def test_duplicate_copies_content_and_outputs(alice_api, notebook):
    response = alice_api.post(url(notebook, "/duplicate"))
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Gradients (copy)" and body["id"] != str(notebook.id)
    assert body["cells"][1]["outputs"][0]["text"] == "1\n"
    assert body["forked_from"] is None


def test_markdown_endpoint_renders_math_and_sanitises(alice_api):
    response = alice_api.post("/api/markdown", {"source": "**b** $x^2$ <img src=x onerror=alert(1)>"})
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>b</strong>" in html and "<math" in html and "<msup>" in html
    assert "onerror" not in html


def test_markdown_inlines_attachments(alice_api):
    response = alice_api.post("/api/markdown", {"source": "![pic](attachment:p.png)", "attachments": {"p.png": {"image/png": "iVBORw0KGgo="}}})
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in response.json()["html"]


def test_openapi_schema_lists_every_endpoint(anon_api):
    schema = anon_api.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/notebooks", "/api/notebooks/import", "/api/notebooks/{notebook_id}", "/api/notebooks/{notebook_id}/ipynb",
            "/api/notebooks/{notebook_id}/duplicate", "/api/notebooks/{notebook_id}/fork", "/api/markdown"} <= set(paths)
    assert set(paths["/api/notebooks/{notebook_id}"]) == {"get", "patch", "delete"}


def test_api_docs_use_local_assets_only(anon_api):
    response = anon_api.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    # no remote asset: no absolute URL at all (a bare "cdn" matched a random CSRF token once)
    assert "https://" not in page and "http://" not in page and '="//' not in page and "//cdn" not in page.lower()


def test_invalid_json_error_bodies_are_json(alice_api):
    response = alice_api.client.patch(f"{URL}/{uuid.uuid4()}", data="[]", content_type="application/json", headers=alice_api.headers)
    assert response.status_code in (400, 404)
    assert json.loads(response.content)["detail"]


def test_markdown_is_open_to_anonymous_readers_but_rate_limited_per_ip(anon_api, settings):
    settings.CAMPFIRE_ANON_RATE_LIMIT = 3
    answers = [anon_api.post("/api/markdown", {"source": "*x*"}, REMOTE_ADDR="192.0.2.77").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert anon_api.post("/api/markdown", {"source": "*x*"}, REMOTE_ADDR="192.0.2.78").json()["html"] == "<p><em>x</em></p>\n"


def test_markdown_source_is_capped(alice_api):
    response = alice_api.post("/api/markdown", {"source": "x" * 1_000_001})
    assert response.status_code == 400 and "source" in response.json()["detail"]


def test_patch_accepts_what_the_editor_sends(alice_api, notebook):
    """Client-made ids for new cells, "outputs": [] on a cell whose type changes, metadata echoed."""
    response = alice_api.patch(url(notebook), {"version": 1, "cells": [
        {"id": "1a2b3c4d", "cell_type": "code", "source": "new", "metadata": {"tags": ["x"]}},
        {"id": "code-1", "cell_type": "markdown", "source": "was code", "metadata": {}, "outputs": []},
        {"id": "intro", "cell_type": "markdown", "source": "# Gradients", "metadata": {}},
    ]})
    assert response.status_code == 200, response.content
    cells = response.json()["cells"]
    assert [c["id"] for c in cells] == ["1a2b3c4d", "code-1", "intro"]
    assert cells[0]["metadata"] == {"tags": ["x"]}
    back = alice_api.patch(url(notebook), {"version": 2, "cells": [{"id": "code-1", "cell_type": "code", "source": "code again"}]})
    assert back.json()["cells"][0]["outputs"] == []  # the cleared outputs do not come back


def test_markdown_characters_rendered_a_minute_are_budgeted(anon_api, alice_api, monkeypatch):
    """A run of "[" costs ~11 us of web CPU per character: a budget of characters, not only of requests."""
    from campfire.accounts import ratelimit

    monkeypatch.setattr(ratelimit, "ANON_MARKDOWN_CHARS", 250_000)
    monkeypatch.setattr(ratelimit, "USER_MARKDOWN_CHARS", 400_000)
    big = {"source": "word " * 20_000}   # 100,000 characters
    anon = [anon_api.post("/api/markdown", big, REMOTE_ADDR="192.0.2.91").status_code for _ in range(3)]
    assert anon == [200, 200, 429]
    refused = anon_api.post("/api/markdown", {"source": "*x*"}, REMOTE_ADDR="192.0.2.91")
    assert refused.status_code == 429 and "too much markdown" in refused.json()["detail"]
    assert anon_api.post("/api/markdown", big, REMOTE_ADDR="192.0.2.92").status_code == 200   # another IP
    signed_in = [alice_api.post("/api/markdown", big).status_code for _ in range(5)]
    assert signed_in == [200, 200, 200, 200, 429]
