"""Picking a notebook's runtime (CPU or GPU) in-process: what the API says is available (from the
worker registry in Redis), what a change does to the session and where the next run goes. The
same with real workers is in test_live_runtime.py."""

import json

import pytest

from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import KernelSession
from campfire.notebooks import services as notebook_services
from workers import protocol

pytestmark = pytest.mark.django_db(transaction=True)


def register(name: str, device: str, gpus=()):
    """A live worker in the registry, as workers/registry.py writes it."""
    ns, client = namespace(), redis_client()
    client.sadd(ns.workers, name)
    info = {"name": name, "device": device, "gpus": [{"name": g, "memory_total_mib": 1, "memory_used_mib": 0} for g in gpus]}
    client.hset(ns.worker_info(name), "info", json.dumps(info))
    client.set(ns.worker_alive(name), "1", ex=60)


@pytest.fixture
def nb(alice):
    return notebook_services.notebook_create(owner=alice, title="Runtime", cells=[
        {"id": "a", "cell_type": "code", "source": "x = 1"}, {"id": "b", "cell_type": "code", "source": "x"}])


def runtime(api, nb, device):
    return api.client.put(f"/api/notebooks/{nb.id}/runtime", data=json.dumps({"device": device}),
                          content_type="application/json", headers=api.headers)


def test_runtimes_follow_the_live_workers(alice_api):
    assert [(r["device"], r["available"]) for r in alice_api.get("/api/runtimes").json()] == [("cpu", False), ("gpu", False)]
    register("cpu@a", "cpu")
    register("gpu@b", "gpu", gpus=["NVIDIA H200"])
    register("gpu@c", "gpu", gpus=["NVIDIA H200"])
    redis_client().delete(namespace().worker_alive("gpu@c"))           # registered, but its heartbeat stopped
    assert alice_api.get("/api/runtimes").json() == [
        {"device": "cpu", "available": True, "workers": 1, "gpus": []},
        {"device": "gpu", "available": True, "workers": 1, "gpus": ["NVIDIA H200"]}]


def test_no_gpu_worker_means_a_409_and_nothing_changes(alice_api, nb):
    register("cpu@a", "cpu")
    response = runtime(alice_api, nb, "gpu")
    assert response.status_code == 409 and response.json()["detail"].startswith("No GPU runtime is available right now")
    assert alice_api.get(f"/api/notebooks/{nb.id}/kernel").json()["device"] == "cpu"


def test_moving_to_the_gpu_retires_the_cpu_kernel_and_sends_the_next_run_to_the_gpu_queue(alice, alice_api, nb, sent):
    register("gpu@b", "gpu")
    first = alice_api.post(f"/api/notebooks/{nb.id}/cells/a/run", {}).json()
    old = first["session"]
    response = runtime(alice_api, nb, "gpu")
    assert response.status_code == 200, response.content
    kernel = response.json()
    assert (kernel["device"], kernel["state"]) == ("gpu", "dead") and kernel["session"] == f"{old}.g1"
    assert [(task, p["session"]) for task, p in sent("cpu")] == [(protocol.TASK_EXECUTE, old), (protocol.TASK_SHUTDOWN, old)]
    assert sent("cpu")[1][1]["upto_seq"] == 1                               # the cpu run, if still waiting, does not run
    moved = protocol.read_events(redis_client(), old, ns=namespace())[-1]   # for pages still on the old stream
    assert (moved["type"], moved["data"]["state"], moved["data"]["device"]) == ("kernel", "moved", "gpu")
    second = alice_api.post(f"/api/notebooks/{nb.id}/cells/b/run", {}).json()
    [(task, payload)] = sent("gpu")
    assert (task, payload["session"], payload["device"], payload["seq"]) == (protocol.TASK_EXECUTE, kernel["session"], "gpu", 2)
    assert second["session"] == kernel["session"] != first["session"]       # where its events go: the new stream
    assert alice_api.get(f"/api/notebooks/{nb.id}/kernel").json()["device"] == "gpu"
    assert runtime(alice_api, nb, "gpu").json()["session"] == kernel["session"]   # the same device: no change
    assert KernelSession.objects.get(notebook=nb, user=alice).generation == 1


def test_a_notebook_that_asks_for_a_gpu_shows_it_before_its_first_run_and_bad_devices_are_refused(alice, alice_api):
    nb = notebook_services.notebook_create(owner=alice, title="GPU tutorial", metadata={"campfire": {"device": "gpu"}},
                                           cells=[{"cell_type": "code", "source": "1"}])
    assert alice_api.get(f"/api/notebooks/{nb.id}/kernel").json()["device"] == "gpu"
    response = runtime(alice_api, nb, "tpu")
    assert response.status_code == 400 and response.json()["detail"].startswith("device:")


def test_only_the_owner_changes_the_runtime(bob_api, nb):
    register("gpu@b", "gpu")
    assert runtime(bob_api, nb, "gpu").status_code == 404


def test_one_gpu_kernel_per_user_by_default(alice, alice_api, settings):
    settings.CAMPFIRE_MAX_KERNELS_PER_USER = 3
    register("gpu@b", "gpu")
    books = [notebook_services.notebook_create(owner=alice, title=f"Book {i}", cells=[{"id": "a", "cell_type": "code", "source": "1"}])
             for i in range(3)]
    assert runtime(alice_api, books[0], "gpu").status_code == 200
    assert alice_api.post(f"/api/notebooks/{books[0].id}/cells/a/run", {}).status_code == 202   # queued: holds a GPU kernel
    moved = runtime(alice_api, books[1], "gpu")
    assert moved.status_code == 429 and moved.json()["detail"].startswith("You already have 1 GPU kernel (notebooks “Book 0”)")
    assert [k["title"] for k in moved.json()["kernels"]] == ["Book 0"]
    assert alice_api.post(f"/api/notebooks/{books[1].id}/cells/a/run", {}).status_code == 202   # CPU kernels are not capped by it
    gpu_tutorial = notebook_services.notebook_create(owner=alice, title="GPU tutorial", metadata={"campfire": {"device": "gpu"}},
                                                     cells=[{"id": "a", "cell_type": "code", "source": "1"}])
    refused = alice_api.post(f"/api/notebooks/{gpu_tutorial.id}/cells/a/run", {})
    assert refused.status_code == 429 and "GPU kernel" in refused.json()["detail"]
    settings.CAMPFIRE_MAX_GPU_KERNELS_PER_USER = 2
    assert alice_api.post(f"/api/notebooks/{gpu_tutorial.id}/cells/a/run", {}).status_code == 202


def test_a_clean_run_on_the_gpu_counts_against_the_gpu_cap(alice, alice_api, settings):
    register("gpu@b", "gpu")
    books = [notebook_services.notebook_create(owner=alice, title=f"GPU {i}", metadata={"campfire": {"device": "gpu"}},
                                               cells=[{"id": "a", "cell_type": "code", "source": "1"}]) for i in range(2)]
    assert alice_api.post(f"/api/notebooks/{books[0].id}/clean-runs", {}).status_code == 202
    refused = alice_api.post(f"/api/notebooks/{books[1].id}/clean-runs", {})
    assert refused.status_code == 429 and "takes a GPU kernel of its own" in refused.json()["detail"]
    settings.CAMPFIRE_MAX_GPU_KERNELS_PER_USER = 2
    assert alice_api.post(f"/api/notebooks/{books[1].id}/clean-runs", {}).status_code == 202


def test_a_clean_run_does_not_make_its_notebook_hold_a_live_kernel(alice, alice_api, settings):
    settings.CAMPFIRE_MAX_KERNELS_PER_USER = 1
    first, second = (notebook_services.notebook_create(owner=alice, title=t, cells=[{"id": "a", "cell_type": "code", "source": "1"}])
                     for t in ("Checked", "Live"))
    assert alice_api.post(f"/api/notebooks/{first.id}/clean-runs", {}).status_code == 202   # its own kernel
    assert alice_api.get("/api/kernels").json() == []
    assert alice_api.post(f"/api/notebooks/{second.id}/cells/a/run", {}).status_code == 202
