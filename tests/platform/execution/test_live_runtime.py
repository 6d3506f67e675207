"""A notebook moves between runtimes with real workers: a GPU-device worker (its kernels run on this
machine's CPU; the GPU itself is scripts/gpu_check.sh's business) takes the notebook's runs after a
change to GPU, the CPU kernel is shut down, and back again."""

import time


def _owner_released(stack, session: str, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while stack.redis.get(stack.ns.session_owner(session)):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_a_notebook_moves_to_the_gpu_runtime_and_back(live, live_stack):
    gpu = live_stack.add_worker(wait=True, device="gpu")
    try:
        nb = live.notebook("x = 41", "x + 1")
        first = live.recorded(live.run(nb, 0))
        old = live.api("GET", f"/api/notebooks/{nb['id']}/kernel", expect=200)["session"]
        assert first["status"] == "ok" and "-cpu" in first["worker"]
        runtimes = {r["device"]: r for r in live.api("GET", "/api/runtimes", expect=200)}
        assert runtimes["gpu"]["available"] and runtimes["gpu"]["workers"] == 1
        kernel = live.api("PUT", f"/api/notebooks/{nb['id']}/runtime", {"device": "gpu"}, expect=200)
        assert kernel["device"] == "gpu" and kernel["session"] != old
        assert _owner_released(live_stack, old), "the CPU kernel was not shut down"
        second = live.recorded(live.run(nb, 1))
        assert second["worker"] == gpu
        assert second["status"] == "error" and second["outputs"][0]["ename"] == "NameError"   # a new kernel
        assert second["execution_count"] == 1
        assert live.api("GET", f"/api/notebooks/{nb['id']}/kernel", expect=200)["device"] == "gpu"
        live.api("PUT", f"/api/notebooks/{nb['id']}/runtime", {"device": "cpu"}, expect=200)
        third = live.recorded(live.run(nb, 0))
        assert third["status"] == "ok" and "-cpu" in third["worker"]
    finally:
        live_stack.stop_worker(gpu)
    refused = live.api("PUT", f"/api/notebooks/{nb['id']}/runtime", {"device": "gpu"}, expect=409)
    assert "No GPU runtime is available" in refused["detail"]
