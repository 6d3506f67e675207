""".ipynb uploads from an attacker or a broken tool: every refusal is a 400 saying what is wrong
(never a 500), nothing is stored by a refused import, and what is accepted is kept verbatim."""

import base64
import json

import pytest
from django.test import Client

from campfire.notebooks.models import CellOutput, Notebook

IMPORT = "/api/notebooks/import"


def notebook_bytes(cells=(), **top) -> bytes:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells), **top}).encode()


def code(cell_id="c1", source="x = 1", outputs=(), count=None, **extra):
    return {"id": cell_id, "cell_type": "code", "source": source, "metadata": {}, "outputs": list(outputs), "execution_count": count, **extra}


def markdown(cell_id="m1", source="# Hi", **extra):
    return {"id": cell_id, "cell_type": "markdown", "source": source, "metadata": {}, **extra}


def refused_import(api, data, *words, filename="x.ipynb", **fields):
    response = api.upload(IMPORT, filename, data, **fields)
    assert response.status_code == 400, response.content[:500]
    detail = response.json()["detail"]
    for word in words:
        assert word in detail, detail
    assert not Notebook.objects.exists() and not CellOutput.objects.exists()
    return detail


V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"metadata": {}, "cells": [
    {"cell_type": "code", "input": "1", "language": "python", "outputs": [], "prompt_number": 2**40}]}]}


@pytest.mark.parametrize("data, words", [
    (b"", ["not valid JSON"]),
    (b"hello", ["not valid JSON", "line 1"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00", ["not UTF-8"]),
    (notebook_bytes().decode().encode("utf-16"), ["not UTF-8"]),
    (b"[]", ["not a Jupyter notebook"]),
    (b'{"cells": []}', ["not a Jupyter notebook"]),
    (notebook_bytes(nbformat=5), ["nbformat 5 is not supported"]),
    (notebook_bytes(nbformat=2), ["nbformat 2 is not supported"]),
    (notebook_bytes(nbformat=10**30), ["is not supported"]),
    (notebook_bytes(nbformat_minor=99), ["4.99 is not supported"]),
    (notebook_bytes(nbformat="4"), ["must be integers"]),
    (notebook_bytes(nbformat_minor=True), ["must be integers"]),
    (notebook_bytes(nbformat_minor=4.5), ["must be integers"]),
    (notebook_bytes(cells="nope"), ["not a valid nbformat"]),
    (notebook_bytes([code(count=-1)]), ["execution_count"]),
    (notebook_bytes([code(count=2**31)]), ["cells.0.execution_count", "too large"]),
    (notebook_bytes([code(count=2**63)]), ["cells.0.execution_count", "too large"]),
    (json.dumps(V3).encode(), ["cells.0.execution_count", "too large"]),
    (notebook_bytes([code(attachments={"a.png": {"image/png": "AAAA"}})]), ["attachments"]),
    (notebook_bytes([code(cell_id="bad id!")]), ["/cells/0/id"]),
    (notebook_bytes([code(cell_id="x" * 65)]), ["/cells/0/id"]),
    (notebook_bytes([code(source="a\u0000b")]), ["cells.0.source", "NUL"]),
    (notebook_bytes([code(outputs=[{"output_type": "stream", "name": "stdout", "text": "\u0000"}])]), ["cells.0.outputs.0.text", "NUL"]),
    (notebook_bytes(metadata={"\u0000": 1}), ["metadata", "NUL"]),
    (notebook_bytes(metadata={"a": "\ud800"}), ["metadata.a", "unpaired surrogate"]),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"a": NaN}, "cells": []}', ["NaN"]),
    (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {"a": 1e999}, "cells": []}', ["metadata.a", "Infinity"]),
    (notebook_bytes(metadata={"a": json.loads('{"a": ' * 200 + "1" + "}" * 200)}), ["nested more than 100 levels"]),
    (b'{"nbformat": 4, "nbformat_minor": 5, "cells": [], "metadata": ' + b"[" * 900 + b"]" * 900 + b"}", ["nested more than 100 levels"]),
    (b'{"nbformat": 4, "metadata": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}", ["nested too deeply"]),
])
def test_broken_and_hostile_files_are_400_saying_why(alice_api, data, words):
    """NUL, lone surrogates, NaN, deep nesting and execution counts over 2**31 used to be 500s."""
    refused_import(alice_api, data, *words)


def test_a_hundred_thousand_cells_are_refused(alice_api):
    cells = [{"id": f"c{i}", "cell_type": "raw", "source": "", "metadata": {}} for i in range(100_000)]
    refused_import(alice_api, notebook_bytes(cells), "at most")


def test_a_nul_in_the_title_field_is_400(alice_api):
    refused_import(alice_api, notebook_bytes(), "title", "NUL", title="a\x00b")


def test_no_file_or_a_json_body_instead_of_a_file_is_400(alice_api):
    assert alice_api.client.post(IMPORT, {}, headers=alice_api.headers).json()["detail"] == "file: Field required"
    response = alice_api.client.post(IMPORT, data=notebook_bytes(), content_type="application/json", headers=alice_api.headers)
    assert response.status_code == 400 and "file" in response.json()["detail"]
    assert not Notebook.objects.exists()


def test_a_long_file_name_becomes_a_shortened_title_not_a_refusal(alice_api):
    response = alice_api.upload(IMPORT, "n" * 300 + ".ipynb", notebook_bytes())
    assert response.status_code == 201, response.content
    assert response.json()["title"] == "n" * 200


@pytest.mark.parametrize("filename, title", [("../../etc/passwd.ipynb", "passwd"), ("..\\..\\lesson.ipynb", "lesson"), (".ipynb", "Untitled")])
def test_file_names_never_become_paths(alice_api, filename, title):
    assert alice_api.upload(IMPORT, filename, notebook_bytes()).json()["title"] == title


def test_duplicate_and_missing_ids_are_repaired(alice_api):
    cells = [code("same"), code("same"), {k: v for k, v in code().items() if k != "id"}]
    body = alice_api.upload(IMPORT, "x.ipynb", notebook_bytes(cells)).json()
    ids = [c["id"] for c in body["cells"]]
    assert ids[0] == "same" and len(set(ids)) == 3


def test_hostile_content_is_stored_verbatim_and_round_trips(alice_api, alice):
    """Scripts in outputs, prototype-pollution keys and big attachments are data: kept exactly
    (rendered only in the sandboxed output frame), never interpreted by the server."""
    script = {"output_type": "display_data", "metadata": {}, "data": {
        "text/html": "<script>fetch('/api/notebooks').then(r => r.text()).then(alert)</script>",
        "application/javascript": "document.cookie",
        "image/svg+xml": "<svg onload=alert(1)></svg>",
    }}
    image = base64.b64encode(bytes(range(256)) * 8192).decode()  # 2 MB of base64
    pollution = {"__proto__": {"isAdmin": True}, "constructor": {"prototype": {"polluted": 1}}, "toString": "x"}
    cells = [code(outputs=[script], count=3, metadata=pollution), markdown(source="![a](attachment:a.png)", attachments={"a.png": {"image/png": image}})]
    data = notebook_bytes(cells, metadata={"__proto__": {"x": 1}, "kernelspec": {"name": "python3", "display_name": "P", "language": "python"}})
    response = alice_api.upload(IMPORT, "x.ipynb", data)
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["cells"][0]["outputs"] == [script] and body["cells"][0]["metadata"] == pollution
    assert body["cells"][1]["attachments"]["a.png"]["image/png"] == image
    assert body["metadata"]["__proto__"] == {"x": 1}
    exported = alice_api.get(f"/api/notebooks/{body['id']}/ipynb").content
    again = alice_api.upload(IMPORT, "x.ipynb", exported).json()
    assert alice_api.get(f"/api/notebooks/{again['id']}/ipynb").content == exported
    # The editor page embeds it as data (json_script), never as markup.
    browser = Client()
    browser.force_login(alice)
    page = browser.get(f"/notebooks/{body['id']}/").content.decode()
    assert "<script>fetch(" not in page and "<svg onload" not in page
