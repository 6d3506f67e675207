"""HTML pages: notebook list/search/create/import/settings/duplicate/fork/delete, the editor,
security headers and CSP."""

import re

import pytest
from django.test import Client

from campfire.notebooks import services
from campfire.notebooks.models import Notebook

from .ipynb_corpus import v4_minor
from .test_rendering import active_content


@pytest.fixture
def alice_browser(alice):
    client = Client()
    client.force_login(alice)
    return client


def test_list_search_and_create(alice_browser, alice):
    services.notebook_create(owner=alice, title="Backprop by hand")
    services.notebook_create(owner=alice, title="Attention")
    page = alice_browser.get("/notebooks/?q=back").content.decode()
    assert "Backprop by hand" in page and "Attention" not in page
    response = alice_browser.post("/notebooks/new/", {"title": "Fresh"})
    created = Notebook.objects.get(title="Fresh")
    assert response.status_code == 302 and response["Location"] == f"/notebooks/{created.id}/"
    assert created.cells[0]["cell_type"] == "code"


def test_list_needs_login():
    response = Client().get("/notebooks/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_import_page_imports_and_refuses_with_a_message(alice_browser, alice):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = alice_browser.post("/notebooks/import/", {"file": SimpleUploadedFile("x.ipynb", b"{oops")})
    assert bad.status_code == 400 and b"not valid JSON" in bad.content
    assert not Notebook.objects.exists()
    good = alice_browser.post("/notebooks/import/", {"file": SimpleUploadedFile("Lesson 1.ipynb", v4_minor(4))})
    notebook = Notebook.objects.get(owner=alice)
    assert good.status_code == 302 and notebook.title == "Lesson 1"


def test_settings_renames_and_shares_and_detects_conflicts(alice_browser, notebook):
    url = f"/notebooks/{notebook.id}/settings/"
    assert alice_browser.post(url, {"title": "Renamed", "visibility": "public", "version": 1}).status_code == 302
    notebook.refresh_from_db()
    assert (notebook.title, notebook.visibility, notebook.version) == ("Renamed", "public", 2)
    stale = alice_browser.post(url, {"title": "Stale", "visibility": "private", "version": 1})
    assert stale.status_code == 409
    notebook.refresh_from_db()
    assert notebook.title == "Renamed"


def test_duplicate_and_delete_with_confirmation(alice_browser, notebook):
    assert alice_browser.post(f"/notebooks/{notebook.id}/duplicate/").status_code == 302
    assert Notebook.objects.filter(title="Gradients (copy)").exists()
    confirm = alice_browser.get(f"/notebooks/{notebook.id}/delete/")
    assert confirm.status_code == 200 and b"cannot be undone" in confirm.content
    assert Notebook.objects.filter(pk=notebook.pk).exists()
    assert alice_browser.post(f"/notebooks/{notebook.id}/delete/").status_code == 302
    assert not Notebook.objects.filter(pk=notebook.pk).exists()


def test_fork_page_action(bob, notebook):
    services.notebook_update(notebook=notebook, version=1, visibility="unlisted")
    client = Client()
    client.force_login(bob)
    response = client.post(f"/notebooks/{notebook.id}/fork/")
    fork = Notebook.objects.get(owner=bob)
    assert response["Location"] == f"/notebooks/{fork.id}/" and fork.forked_from_id == notebook.id


def test_editor_embeds_notebook_json_and_rendered_markdown(alice_browser, notebook):
    response = alice_browser.get(f"/notebooks/{notebook.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script id="notebook-data" type="application/json">' in page
    assert response.context["can_edit"] is True
    assert "<math" in response.context["markdown_html"]["intro"]
    assert response.context["notebook_data"]["cells"][1]["outputs"][0]["text"] == "1\n"


def test_editor_escapes_hostile_content_in_the_embedded_json(alice, alice_browser):
    nb = services.notebook_create(owner=alice, title="</script><script>window.__xss=1</script>",
                                  cells=[{"cell_type": "markdown", "source": "<img src=x onerror=window.__xss=1>"}])
    response = alice_browser.get(f"/notebooks/{nb.id}/")
    page = response.content.decode()
    assert "<script>window.__xss" not in page and "</script><script>" not in page
    assert response.context["notebook_data"]["title"] in page.encode().decode("unicode_escape")
    assert active_content(response.context["markdown_html"][nb.cells[0]["id"]]) == []


def test_editor_is_read_only_for_a_visitor_of_an_unlisted_notebook(notebook):
    services.notebook_update(notebook=notebook, version=1, visibility="unlisted")
    response = Client().get(f"/notebooks/{notebook.id}/")
    assert response.status_code == 200 and response.context["can_edit"] is False


def test_private_editor_is_404_for_anonymous(notebook):
    assert Client().get(f"/notebooks/{notebook.id}/").status_code == 404


def test_security_headers_and_csp_on_pages(alice_browser, notebook):
    response = alice_browser.get(f"/notebooks/{notebook.id}/")
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "'unsafe-inline'" not in csp
    nonce = re.search(r"'nonce-([^']+)'", directives["style-src"])
    assert nonce and nonce.group(1) in response.content.decode()
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/accounts/signup/"])
def test_our_templates_have_no_inline_script_or_style(db, url):
    page = Client().get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", page)
    assert " style=" not in page and "<style" not in page and not re.search(r"\son\w+=", page)


def test_output_frame_has_its_own_sandboxed_csp(db):
    response = Client().get("/notebooks/output-frame/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "sandbox allow-scripts" in csp and "connect-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert "allow-same-origin" not in csp
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_healthz(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_admin_lists_and_searches_every_model(db, notebook):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x" * 20)
    client = Client()
    client.force_login(admin)
    for url in ["/admin/notebooks/notebook/?q=Grad", "/admin/notebooks/celloutput/?q=code-1", "/admin/accounts/apitoken/?q=x",
                f"/admin/notebooks/notebook/{notebook.pk}/change/"]:
        assert client.get(url).status_code == 200, url
    assert b"Gradients" in client.get("/admin/notebooks/notebook/?q=Grad").content


def test_healthz_reports_an_unreachable_redis(db, settings):
    from campfire import views

    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens there
    views._health_redis.cache_clear()
    views._healthy_at = -views.HEALTH_CACHE_SECONDS
    try:
        response = Client().get("/healthz")
        assert response.status_code == 503 and response.json()["status"] == "error" and "redis" in response.json()
    finally:
        views._health_redis.cache_clear()
