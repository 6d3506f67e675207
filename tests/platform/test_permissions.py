"""Who may do what to alice's notebook: bob (the outsider) and an anonymous visitor.

Another user's private notebook is a 404 for every method, as if it did not exist; unlisted
and public notebooks are readable (and forkable when signed in) but never writable.
"""

import pytest
from django.test import Client

from campfire.notebooks import services
from campfire.notebooks.models import Notebook

# (method, suffix, body) for every endpoint that takes a notebook id.
ENDPOINTS = [
    ("get", "", None),
    ("patch", "", {"version": 1, "title": "bob was here"}),
    ("delete", "", None),
    ("get", "/ipynb", None),
    ("post", "/duplicate", None),
    ("post", "/fork", None),
]
READS = {("get", ""), ("get", "/ipynb")}


def call(api, notebook, method, suffix, body):
    path = f"/api/notebooks/{notebook.id}{suffix}"
    return getattr(api, method)(path, body) if body is not None else getattr(api, method)(path)


def set_visibility(notebook, visibility):
    return services.notebook_update(notebook=notebook, version=notebook.version, visibility=visibility)


@pytest.mark.parametrize("method, suffix, body", ENDPOINTS)
def test_bob_gets_404_for_every_endpoint_of_alices_private_notebook(bob_api, notebook, method, suffix, body):
    response = call(bob_api, notebook, method, suffix, body)
    assert response.status_code == 404
    assert response.json()["detail"]
    assert Notebook.objects.get(pk=notebook.pk).title == "Gradients"
    assert Notebook.objects.count() == 1


@pytest.mark.parametrize("method, suffix, body", ENDPOINTS)
def test_anonymous_gets_401_or_404_for_alices_private_notebook(anon_api, notebook, method, suffix, body):
    response = call(anon_api, notebook, method, suffix, body)
    assert response.status_code == (404 if (method, suffix) in READS else 401)
    assert response.json()["detail"]


@pytest.mark.parametrize("visibility", ["unlisted", "public"])
@pytest.mark.parametrize("method, suffix, body", ENDPOINTS)
def test_bob_reads_and_forks_but_never_writes_a_shared_notebook(bob_api, notebook, visibility, method, suffix, body):
    notebook = set_visibility(notebook, visibility)
    if body and "version" in body:
        body = {**body, "version": notebook.version}
    response = call(bob_api, notebook, method, suffix, body)
    expected = {("get", ""): 200, ("get", "/ipynb"): 200, ("post", "/fork"): 201}.get((method, suffix), 403)
    assert response.status_code == expected, response.content
    stored = Notebook.objects.get(pk=notebook.pk)
    assert stored.title == "Gradients" and stored.version == notebook.version


@pytest.mark.parametrize("visibility", ["unlisted", "public"])
def test_anonymous_reads_a_shared_notebook_but_cannot_fork_it(anon_api, notebook, visibility):
    notebook = set_visibility(notebook, visibility)
    assert anon_api.get(f"/api/notebooks/{notebook.id}").json()["title"] == "Gradients"
    assert anon_api.post(f"/api/notebooks/{notebook.id}/fork").status_code == 401
    assert anon_api.patch(f"/api/notebooks/{notebook.id}", {"version": notebook.version, "title": "x"}).status_code == 401


def test_fork_is_bobs_private_copy_remembering_its_origin(bob_api, bob, notebook):
    notebook = set_visibility(notebook, "public")
    body = bob_api.post(f"/api/notebooks/{notebook.id}/fork").json()
    assert body["owner"] == "bob" and body["visibility"] == "private"
    assert body["forked_from"] == str(notebook.id)
    assert body["cells"][1]["outputs"][0]["text"] == "1\n"
    assert [n["id"] for n in bob_api.get("/api/notebooks").json()] == [body["id"]]


def test_listing_never_shows_other_peoples_notebooks(bob_api, notebook):
    set_visibility(notebook, "public")
    assert bob_api.get("/api/notebooks").json() == []


@pytest.mark.parametrize("page", ["", "settings/", "delete/"])
def test_bob_gets_404_for_alices_private_notebook_pages(bob, notebook, page):
    client = Client()
    client.force_login(bob)
    assert client.get(f"/notebooks/{notebook.id}/{page}").status_code == 404


@pytest.mark.parametrize("action", ["duplicate/", "fork/", "delete/", "settings/"])
def test_bob_cannot_post_to_alices_private_notebook_pages(bob, notebook, action):
    client = Client()
    client.force_login(bob)
    response = client.post(f"/notebooks/{notebook.id}/{action}", {"title": "x", "visibility": "public", "version": 1})
    assert response.status_code == 404
    assert Notebook.objects.count() == 1 and Notebook.objects.get().title == "Gradients"


def test_bob_gets_403_on_the_settings_page_of_a_public_notebook(bob, notebook):
    set_visibility(notebook, "public")
    client = Client()
    client.force_login(bob)
    assert client.get(f"/notebooks/{notebook.id}/settings/").status_code == 403
    assert client.post(f"/notebooks/{notebook.id}/delete/").status_code == 403
    assert Notebook.objects.filter(pk=notebook.pk).exists()


def test_session_writes_need_the_csrf_header(alice, notebook):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = f"/api/notebooks/{notebook.id}"
    refused = client.patch(url, data='{"version": 1, "title": "no csrf"}', content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    client.get("/notebooks/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    allowed = client.patch(url, data='{"version": 1, "title": "with csrf"}', content_type="application/json", headers={"X-CSRFToken": token})
    assert allowed.status_code == 200, allowed.content
    assert client.get(url).status_code == 200  # reads need no token


def test_bearer_requests_need_no_csrf(alice_api, notebook):
    alice_api.client = Client(enforce_csrf_checks=True)
    assert alice_api.patch(f"/api/notebooks/{notebook.id}", {"version": 1, "title": "token"}).status_code == 200


def test_an_invalid_bearer_token_is_401_even_with_a_session(alice, notebook):
    client = Client()
    client.force_login(alice)
    response = client.get(f"/api/notebooks/{notebook.id}", headers={"Authorization": "Bearer cf_not-a-real-token"})
    assert response.status_code == 401 and "token" in response.json()["detail"]
