"""The notebook list shows which notebooks hold a kernel now, and shuts one down without opening it
(what a learner does when the kernel cap says no)."""

import pytest
from django.test import Client

from campfire.notebooks import services as notebook_services
from workers import protocol

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_list_shows_running_kernels_and_shuts_one_down(alice, alice_api, sent):
    running, idle = (notebook_services.notebook_create(owner=alice, title=t, cells=[{"id": "a", "cell_type": "code", "source": "1"}])
                     for t in ("Running book", "Idle book"))
    session = alice_api.post(f"/api/notebooks/{running.id}/cells/a/run", {}).json()["session"]   # queued: holds a kernel
    browser = Client()
    browser.force_login(alice)
    page = browser.get("/notebooks/").content.decode()
    assert page.count('class="kernel-badge"') == 1 and "Starting · CPU" in page
    assert "Shut down the kernel of Running book" in page and "Shut down the kernel of Idle book" not in page
    response = browser.post(f"/notebooks/{running.id}/kernel/shutdown/", follow=True)
    assert "The kernel of “Running book” is shutting down." in response.content.decode()
    assert [(task, payload["session"]) for task, payload in sent("cpu")][-1] == (protocol.TASK_SHUTDOWN, session)


def test_only_the_owner_shuts_a_kernel_down_and_only_by_post(alice, bob):
    nb = notebook_services.notebook_create(owner=alice, title="Mine", cells=[])
    browser = Client()
    browser.force_login(bob)
    assert browser.post(f"/notebooks/{nb.id}/kernel/shutdown/").status_code == 404
    browser.force_login(alice)
    assert browser.get(f"/notebooks/{nb.id}/kernel/shutdown/").status_code == 405
