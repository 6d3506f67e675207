"""Who may call what, probed as an attacker: malformed Authorization headers, session writes
without CSRF, another user's ids on every endpoint (404, no existence oracle), rate limits,
and the HTML pages with the same hostile input."""

import pytest
from django.test import Client

from campfire.execution.models import Execution
from campfire.notebooks import services
from campfire.notebooks.models import Notebook
from campfire.tutorials import services as tutorial_services
from campfire.tutorials.models import ExerciseState, TutorialCopy
from tests.platform.tutorials.conftest import sample, sample_dir  # noqa: F401 (fixtures)
from tests.platform.tutorials.samples import SLUG


def assert_detail(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def unchanged(notebook):
    stored = Notebook.objects.get(pk=notebook.pk)
    assert (stored.version, stored.title, stored.visibility, stored.cells) == (notebook.version, notebook.title, notebook.visibility, notebook.cells)


# ---------------------------------------------------------------------- Authorization
@pytest.mark.parametrize("header", [
    "Bearer ", "Bearer", "Bearer nope", "Bearer cf_" + "A" * 43, "Bearer cf_\u00e9\u00e9", "Bearer " + "a" * 100_000,
    "Bearer  {token}", "Bearer {token} extra", "Bearer {token}x", "Bearer\t{token}", "{token}", "bearer\t{token}",
    "Bearer {token},Bearer {token}",
])
def test_malformed_authorization_headers_are_401_and_never_fall_back_to_the_session(alice, alice_api, notebook, header):
    """A bare token or "Bearer<TAB>token" used to be ignored: the session answered instead."""
    token = alice_api.headers["Authorization"].split(" ", 1)[1]
    browser = Client()
    browser.force_login(alice)  # a valid session must not rescue a bad header
    for call in (lambda h: browser.get("/api/notebooks", headers=h),
                 lambda h: browser.get(f"/api/notebooks/{notebook.id}", headers=h),
                 lambda h: browser.patch(f"/api/notebooks/{notebook.id}", data={"version": 1, "title": "x"}, content_type="application/json", headers=h)):
        assert_detail(call({"Authorization": header.format(token=token)}), 401)
    unchanged(notebook)


def test_other_schemes_are_left_to_the_session_as_behind_a_basic_auth_proxy(alice, alice_api):
    token = alice_api.headers["Authorization"].split(" ", 1)[1]
    for header in ("Basic YWxpY2U6cGFzc3dvcmQ=", f"Token {token}"):
        assert_detail(Client().get("/api/notebooks", headers={"Authorization": header}), 401)
        browser = Client()
        browser.force_login(alice)
        assert browser.get("/api/notebooks", headers={"Authorization": header}).status_code == 200


def test_the_scheme_is_case_insensitive_as_http_says(alice_api):
    token = alice_api.headers["Authorization"].split(" ", 1)[1]
    assert Client().get("/api/notebooks", headers={"Authorization": f"bearer {token}"}).status_code == 200


def test_a_revoked_token_is_401(alice, alice_api):
    alice.api_tokens.all().delete()
    assert_detail(alice_api.get("/api/notebooks"), 401)


# ------------------------------------------------------------------------------ CSRF
@pytest.fixture
def copy(sample, alice):  # noqa: F811
    return tutorial_services.copy_start(tutorial=sample, user=alice)[0]


def unsafe_endpoints(notebook, copy):
    base = f"/api/notebooks/{notebook.id}"
    exercise = f"/api/notebooks/{copy.notebook_id}/exercises/triple"
    return [
        ("post", "/api/notebooks", {"title": "csrf"}), ("patch", base, {"version": 1, "title": "csrf"}), ("delete", base, None),
        ("post", f"{base}/duplicate", None), ("post", f"{base}/fork", None), ("post", "/api/notebooks/import", None),
        ("post", "/api/markdown", {"source": "x"}), ("post", f"{base}/cells/code-1/run", {}), ("post", f"{base}/run-all", {}),
        ("post", f"{base}/interrupt", None), ("post", f"{base}/restart", None), ("post", f"{base}/shutdown", None),
        ("put", f"{base}/runtime", {"device": "cpu"}), ("post", f"{base}/clean-runs", None),
        ("post", f"/api/tutorials/{SLUG}/start", None), ("post", f"{exercise}/check", {}), ("post", f"{exercise}/hint", None),
    ]


@pytest.mark.parametrize("csrf_header", [None, "wrong-token", ""])
def test_session_writes_without_the_csrf_header_are_403_and_change_nothing(alice, notebook, copy, csrf_header):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/notebooks/")  # sets the csrftoken cookie
    headers = {} if csrf_header is None else {"X-CSRFToken": csrf_header}
    before = (Notebook.objects.count(), Execution.objects.count())
    for method, path, body in unsafe_endpoints(notebook, copy):
        kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
        assert_detail(getattr(browser, method)(path, headers=headers, **kwargs), 403)
    assert (Notebook.objects.count(), Execution.objects.count()) == before
    assert not ExerciseState.objects.exists() and TutorialCopy.objects.count() == 1
    unchanged(notebook)


def test_session_writes_with_the_csrf_header_work(alice, notebook):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    browser.get("/notebooks/")
    token = browser.cookies["csrftoken"].value
    response = browser.patch(f"/api/notebooks/{notebook.id}", data={"version": 1, "title": "ok"}, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json()["title"] == "ok"


# ------------------------------------------------------------------------------ IDOR
def bob_endpoints(notebook, copy, execution_id):
    base = f"/api/notebooks/{notebook.id}"
    exercise = f"/api/notebooks/{copy.notebook_id}/exercises/triple"
    return [
        ("get", base, None), ("patch", base, {"version": 1, "title": "bob"}), ("delete", base, None), ("get", f"{base}/ipynb", None),
        ("post", f"{base}/duplicate", None), ("post", f"{base}/fork", None),
        ("post", f"{base}/cells/code-1/run", {}), ("post", f"{base}/cells/nope/run", {}), ("post", f"{base}/run-all", {}),
        ("post", f"{base}/interrupt", None), ("post", f"{base}/restart", None), ("post", f"{base}/shutdown", None),
        ("get", f"{base}/kernel", None), ("put", f"{base}/runtime", {"device": "cpu"}), ("post", f"{base}/clean-runs", None),
        ("get", f"{base}/clean-runs", None), ("get", f"/api/executions/{execution_id}", None),
        ("post", f"/api/executions/{execution_id}/cancel", None),
        ("get", exercise, None), ("post", f"{exercise}/check", {}), ("post", f"{exercise}/hint", None), ("get", f"{exercise}/solution", None),
    ]


def test_every_endpoint_is_404_for_another_users_private_objects(alice_api, bob_api, notebook, copy):
    """Bob learns nothing: the same 404 as for an id that does not exist."""
    ran = alice_api.post(f"/api/notebooks/{notebook.id}/cells/code-1/run", {})
    assert ran.status_code == 202, ran.content
    execution_id = ran.json()["execution"]
    before = (Notebook.objects.count(), Execution.objects.count())
    for method, path, body in bob_endpoints(notebook, copy, execution_id):
        response = bob_api._call(method, path, body)
        assert_detail(response, 404)
        missing = path.replace(str(notebook.id), "00000000-0000-4000-8000-000000000000").replace(str(copy.notebook_id), "00000000-0000-4000-8000-000000000000")
        missing = missing.replace(execution_id, "00000000-0000-4000-8000-000000000001")
        other = bob_api._call(method, missing, body)
        assert (other.status_code, other.json()["detail"]) == (response.status_code, response.json()["detail"]), path
    assert (Notebook.objects.count(), Execution.objects.count()) == before
    unchanged(notebook)
    assert Execution.objects.get(pk=execution_id).status == "queued"


def test_pages_are_404_for_another_users_private_notebook(bob, notebook, copy):
    browser = Client()
    browser.force_login(bob)
    for method, suffix in [("get", "/"), ("get", "/settings/"), ("post", "/settings/"), ("get", "/delete/"), ("post", "/delete/"),
                           ("post", "/duplicate/"), ("post", "/fork/"), ("post", "/kernel/shutdown/")]:
        assert getattr(browser, method)(f"/notebooks/{notebook.id}{suffix}").status_code == 404, suffix
    assert browser.post(f"/tutorials/copies/{copy.notebook_id}/reset/").status_code == 404
    unchanged(notebook)


def test_another_users_token_cannot_be_revoked(alice, bob):
    from campfire.accounts import services as account_services

    token, _ = account_services.token_create(user=bob, name="bob's")
    browser = Client()
    browser.force_login(alice)
    for token_id in (token.pk, 99999999999999999999, 0):
        assert browser.post(f"/accounts/tokens/{token_id}/revoke/").status_code == 302
    assert bob.api_tokens.filter(pk=token.pk).exists()


# ------------------------------------------------------------------------- rate limits
def test_anonymous_markdown_rate_limit_is_per_address_json_and_ignores_forwarded_for(anon_api, settings):
    settings.CAMPFIRE_ANON_RATE_LIMIT = 2
    answers = [anon_api.post("/api/markdown", {"source": "x"}, REMOTE_ADDR="192.0.2.90", headers={"X-Forwarded-For": f"10.0.0.{i}"}) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert_detail(answers[-1], 429)


# ------------------------------------------------------------------------------- pages
@pytest.mark.parametrize("path", ["/notebooks/?q=%00", "/tutorials/?q=%00", "/tutorials/?level=%00&tag=x", "/healthz?full=%00"])
def test_pages_answer_a_nul_in_the_query_with_400(alice, path, sample):  # noqa: F811
    browser = Client()
    browser.force_login(alice)
    response = browser.get(path)
    assert response.status_code == 400 and b"NUL" in response.content


def test_page_forms_refuse_nul_and_oversized_fields_without_storing(alice, notebook):
    browser = Client()
    browser.force_login(alice)
    browser.post("/notebooks/new/", {"title": "a\x00b"})
    browser.post("/notebooks/new/", {"title": "a" * 1000})
    assert browser.post(f"/notebooks/{notebook.id}/settings/", {"title": "x\x00", "visibility": "public", "version": "1"}).status_code == 400
    assert browser.post(f"/notebooks/{notebook.id}/settings/", {"title": "x", "visibility": "world", "version": "1"}).status_code == 400
    assert browser.post(f"/notebooks/{notebook.id}/settings/", {"title": "x", "visibility": "public", "version": "9" * 30}).status_code == 409
    assert browser.post("/accounts/tokens/", {"name": "a\x00"}).status_code == 400
    assert Notebook.objects.count() == 1 and not alice.api_tokens.exists()
    unchanged(notebook)


def test_the_import_page_explains_a_hostile_file(alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    browser = Client()
    browser.force_login(alice)
    data = b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"id": "a", "cell_type": "raw", "source": "\\u0000", "metadata": {}}]}'
    response = browser.post("/notebooks/import/", {"file": SimpleUploadedFile("a.ipynb", data)})
    assert response.status_code == 400 and "NUL" in response.content.decode()
    assert not Notebook.objects.exists()


def test_markdown_attachments_of_the_wrong_shape_render_without_an_image(anon_api):
    """A bundle whose data is a list of non-strings used to be a 500 (str.join)."""
    for bundle in ({"image/png": [1, 2]}, {"image/png": None}, ["x"], "x", {"image/png": '"><script>alert(1)</script>'}):
        response = anon_api.post("/api/markdown", {"source": "![a](attachment:a.png)", "attachments": {"a.png": bundle}})
        assert response.status_code == 200, response.content
        assert "<script" not in response.json()["html"] and "src=" not in response.json()["html"]


def test_a_shared_notebook_with_odd_attachments_still_renders_for_its_readers(alice_api, anon_api):
    """Stored through the API, such a markdown cell used to make the editor page a 500 for
    everyone who opened the notebook (the server renders markdown cells)."""
    cell = {"cell_type": "markdown", "source": "![a](attachment:a.png) ![b](attachment:b.png)",
            "attachments": {"a.png": {"image/png": [1, {"x": 2}]}, "b.png": {"image/png": ["iVBORw0KGgo="]}}}
    created = alice_api.post("/api/notebooks", {"title": "odd", "visibility": "public", "cells": [cell]})
    assert created.status_code == 201, created.content
    page = Client().get(f"/notebooks/{created.json()['id']}/")
    assert page.status_code == 200 and 'src="data:image/png;base64,iVBORw0KGgo="' in page.content.decode()


def test_services_refuse_duplicate_ids_directly_too(alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.notebook_create(owner=alice, cells=[{"id": "a", "cell_type": "code"}, {"id": "a", "cell_type": "code"}])
    assert not Notebook.objects.exists()
