"""Notebook services and selectors against the real database."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from campfire.notebooks import selectors, services
from campfire.notebooks.exceptions import VersionConflict
from campfire.notebooks.models import CellOutput, Notebook


def outputs_of(notebook):
    return dict(CellOutput.objects.filter(notebook=notebook).values_list("cell_id", "outputs"))


def test_update_drops_outputs_of_removed_cells_and_cells_that_stop_being_code(notebook):
    services.notebook_update(notebook=notebook, version=1, cells=[{"id": "code-1", "cell_type": "markdown", "source": "now prose"}])
    assert outputs_of(notebook) == {}
    assert selectors.notebook_cells(notebook=notebook) == [{"id": "code-1", "cell_type": "markdown", "source": "now prose", "metadata": {}}]


def test_update_keeps_attachments_the_client_did_not_send(alice):
    nb = services.notebook_create(owner=alice, cells=[{"id": "m", "cell_type": "markdown", "source": "![a](attachment:a.png)", "attachments": {"a.png": {"image/png": "AAAA"}}}])
    services.notebook_update(notebook=nb, version=1, cells=[{"id": "m", "cell_type": "markdown", "source": "edited ![a](attachment:a.png)"}])
    assert nb.cells[0]["attachments"] == {"a.png": {"image/png": "AAAA"}}


def test_update_of_metadata_and_visibility_validates(notebook):
    with pytest.raises(ValidationError):
        services.notebook_update(notebook=notebook, version=1, visibility="everyone")
    with pytest.raises(ValidationError):
        services.notebook_update(notebook=notebook, version=1, metadata=["not", "a", "dict"])
    with pytest.raises(ValidationError):
        services.notebook_update(notebook=notebook, version=True, title="x")
    assert Notebook.objects.get(pk=notebook.pk).version == 1


def test_a_conflict_changes_nothing(notebook):
    services.notebook_update(notebook=notebook, version=1, title="new")
    with pytest.raises(VersionConflict) as caught:
        services.notebook_update(notebook=Notebook.objects.get(pk=notebook.pk), version=1, cells=[])
    assert caught.value.current.version == 2
    stored = Notebook.objects.get(pk=notebook.pk)
    assert len(stored.cells) == 2 and outputs_of(stored)


def test_cell_outputs_store_only_for_existing_code_cells(notebook):
    assert services.cell_outputs_store(notebook_id=notebook.id, cell_id="intro", outputs=[], execution_count=1) is False
    assert services.cell_outputs_store(notebook_id=notebook.id, cell_id="ghost", outputs=[], execution_count=1) is False
    assert services.cell_outputs_store(notebook_id=notebook.id, cell_id="code-1", outputs=[{"output_type": "stream", "name": "stdout", "text": "2\n"}], execution_count=2)
    stored = CellOutput.objects.get(notebook=notebook, cell_id="code-1")
    assert stored.execution_count == 2 and stored.outputs[0]["text"] == "2\n"
    assert Notebook.objects.get(pk=notebook.pk).version == 1


def test_titles_are_normalised_and_bounded(alice):
    assert services.notebook_create(owner=alice, title="  a \n b  ").title == "a b"
    assert services.notebook_create(owner=alice, title="   ").title == "Untitled"
    with pytest.raises(ValidationError):
        services.notebook_create(owner=alice, title="x" * 201)
    long = services.notebook_create(owner=alice, title="y" * 200)
    assert len(services.notebook_duplicate(notebook=long, owner=alice).title) == 200


def test_quotas(alice, settings):
    settings.CAMPFIRE_MAX_NOTEBOOKS_PER_USER = 1
    services.notebook_create(owner=alice)
    with pytest.raises(ValidationError, match="limit of 1 notebooks"):
        services.notebook_create(owner=alice)
    settings.CAMPFIRE_MAX_CELLS = 2
    with pytest.raises(ValidationError, match="at most 2 cells"):
        services.notebook_update(notebook=Notebook.objects.get(), version=1, cells=[{"cell_type": "code"}] * 3)


def test_selectors_enforce_visibility(alice, bob, notebook):
    from django.contrib.auth.models import AnonymousUser

    assert selectors.notebook_get_owned(notebook_id=notebook.id, user=alice) == notebook
    for user in (bob, AnonymousUser()):
        with pytest.raises(Http404):
            selectors.notebook_get_readable(notebook_id=notebook.id, user=user)
    services.notebook_update(notebook=notebook, version=1, visibility="public")
    assert selectors.notebook_get_readable(notebook_id=notebook.id, user=AnonymousUser()) == notebook
    with pytest.raises(PermissionDenied):
        selectors.notebook_get_owned(notebook_id=notebook.id, user=bob)
    with pytest.raises(PermissionDenied):
        selectors.notebook_get_forkable(notebook_id=notebook.id, user=AnonymousUser())


def test_rendered_cells_have_html_only_for_markdown(notebook):
    rendered = selectors.notebook_rendered_cells(cells=selectors.notebook_cells(notebook=notebook))
    assert "<h1>" in rendered[0]["html"] and rendered[1]["html"] is None


def test_deleting_a_user_deletes_their_notebooks_and_outputs(alice, notebook):
    alice.delete()
    assert not Notebook.objects.exists() and not CellOutput.objects.exists()
