"""The staff page reads the live stack's worker registry and broker queues (real processes),
and the database's recent failures."""

import pytest
from celery import Celery
from django.utils import timezone

from campfire.execution import broker
from campfire.execution.models import Execution
from campfire.execution.services import kernel_session_get_or_create
from campfire.notebooks import services as notebook_services


@pytest.fixture
def stack_namespace(live_stack, settings):
    """This process reads the stack's Redis names (its database stays the test database)."""
    settings.REDIS_KEY_PREFIX = live_stack.prefix
    settings.CAMPFIRE_QUEUE_PREFIX = f"{live_stack.prefix}."
    settings.CAMPFIRE_BROKER_KEYPREFIX = f"{live_stack.prefix}:"
    broker.namespace.cache_clear()
    yield live_stack
    broker.namespace.cache_clear()


def test_staff_see_workers_queues_and_failures(stack_namespace, admin_client, alice):
    stack = stack_namespace
    app = Celery("staff-test", broker=stack.redis_url)
    app.conf.update(task_serializer="json", broker_transport_options={"global_keyprefix": f"{stack.prefix}:"})
    for _ in range(3):  # no GPU worker in the stack: these wait in the gpu queue
        app.send_task("workers.ping", queue=stack.ns.pool_queue("gpu"))
    nb = notebook_services.notebook_create(owner=alice, title="Crashy", cells=[])
    session = kernel_session_get_or_create(notebook=nb, user=alice)
    Execution.objects.create(notebook=nb, session=session, user=alice, cell_id="c1", status="lost",
                             message="kernel lost: its worker stopped while the cell ran", worker="cpu9@x",
                             finished=timezone.now())
    try:
        page = admin_client.get("/staff/execution/").content.decode()
    finally:
        stack.redis.delete(f"{stack.prefix}:{stack.ns.pool_queue('gpu')}")
    for worker in stack.workers:
        assert f'data-worker="{worker}"' in page
    assert "alive" in page and f"{stack.prefix}.kernels.{stack.workers[0]}" in page
    assert f"<td>{stack.ns.pool_queue('gpu')}</td><td>3</td>" in page
    assert "kernel lost: its worker stopped while the cell ran" in page and "Crashy / c1" in page


@pytest.mark.django_db
def test_the_staff_page_is_for_staff_only(client, alice):
    client.force_login(alice)
    response = client.get("/staff/execution/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "reported, shown, warning",
    [
        (None, "not reported", True),
        ({"enabled": False}, "OFF: kernels run unconfined", True),
        ({"enabled": True, "network": "none", "memory_mb": 2048, "cpus": 1.0, "uids": "2000000-2000255"}, "on (none network, 2048 MB, 1.0 CPU)", False),
        (True, "on", False),
    ],
)
def test_the_sandbox_column_says_what_the_worker_reports(reported, shown, warning):
    from campfire.execution.monitoring import sandbox_summary

    assert sandbox_summary(reported) == (shown, warning)
