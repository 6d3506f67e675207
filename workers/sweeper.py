"""Cleaning up after workers that died (their heartbeat key expired).

Every live worker runs `sweep` periodically; a SET NX lock makes one sweep at a time happen, and
each step is safe to repeat (claims are released only if still held by the dead worker, runs are
reported through the once-only final marker). For a dead worker:

- each session it owned gets a `kernel` event "kernel lost: its worker stopped" and is released;
- each run it had accepted ends `lost` (the kernel state it needed is gone), unless it is already
  reported (then its record is sent again: it may have died before sending it) or another live
  worker is running it;
- the messages still waiting in its `kernels.<name>` queue were never accepted by anyone: they are
  sent on (to the pool queue, now that the session is free), so they run exactly once elsewhere.
A tombstone keeps draining a gone worker's queue for a while (a run routed to it just before its
death arrives late).
"""
from __future__ import annotations

import json
import time

import kombu

from . import logs
from .protocol import (EV_KERNEL, TASK_EXECUTE, TASK_RUN_NOTEBOOK, ExecuteRequest,
                       NotebookRequest, route_for_session, worker_is_alive)

log = logs.get("sweeper")
TOMBSTONE = 600.0


def drain_queue(app, queue: str, handle) -> int:
    """Take every message off `queue`, hand (task name, task id, body) to `handle`, ack it."""
    count = 0
    with app.connection_for_write() as conn:
        bound = kombu.Queue(queue, kombu.Exchange(queue, "direct"), routing_key=queue)(
            conn.default_channel)
        while True:
            message = bound.get(no_ack=False, accept=["json"])
            if message is None:
                return count
            try:
                handle(message.headers.get("task"), message.headers.get("id"), message.decode())
            except Exception:  # a malformed message must not block the queue forever
                log.exception("sweep.drain_failed", queue=queue)
            message.ack()
            count += 1


class Sweeper:
    def __init__(self, runtime) -> None:
        self.rt = runtime

    def sweep(self) -> list[str]:
        rt, redis, ns = self.rt, self.rt.redis, self.rt.ns
        if not redis.set(ns.sweep_lock, rt.worker, nx=True,
                         px=max(100, int(rt.config.sweep_interval * 900))):
            return []
        swept = []
        for name in sorted(redis.smembers(ns.workers)):
            if name != rt.worker and not worker_is_alive(redis, name, ns):
                self.sweep_worker(name)
                swept.append(name)
        now = time.time()
        for name, since in redis.zrange(ns.workers_gone, 0, -1, withscores=True):
            if now - since > TOMBSTONE:
                redis.zrem(ns.workers_gone, name)
                redis.delete(ns.worker_info(name))
            elif name != rt.worker:
                drain_queue(rt.app, ns.worker_queue(name), self.reroute)
        return swept

    def sweep_worker(self, dead: str) -> None:
        rt, redis, ns = self.rt, self.rt.redis, self.rt.ns
        if not redis.set(f"{ns.sweep_lock}:{dead}", rt.worker, nx=True, ex=60):
            return  # another worker is sweeping it right now
        sessions = sorted(redis.smembers(ns.worker_sessions(dead)))
        runs = redis.hgetall(ns.worker_runs(dead))
        log.warning("sweep.worker_dead", worker=dead, sessions=len(sessions), runs=len(runs))
        for session in sessions:
            rt.coord.release_claim(session, dead)
            rt.reporter.event(session, EV_KERNEL, data={
                "state": "lost", "message": "kernel lost: its worker stopped", "worker": dead,
                "kernel": None})
        for execution, raw in sorted(runs.items(), key=lambda item: json.loads(item[1])["seq"]):
            try:
                self._lose(execution, json.loads(raw), dead)
            except Exception:
                log.exception("sweep.run_failed", execution=execution, worker=dead)
        moved = drain_queue(rt.app, ns.worker_queue(dead), self.reroute)
        pipe = redis.pipeline()
        pipe.delete(ns.worker_runs(dead), ns.worker_sessions(dead))
        pipe.srem(ns.workers, dead)
        pipe.zadd(ns.workers_gone, {dead: time.time()})
        pipe.delete(f"{ns.sweep_lock}:{dead}")
        pipe.execute()
        log.warning("sweep.worker_swept", worker=dead, rerouted=moved)

    def _lose(self, execution: str, info: dict, dead: str) -> None:
        rt = self.rt
        if rt.coord.is_final(execution):
            rt.reporter.resend_final(execution)
            return
        if rt.coord.mark_started(execution, f"lost:{dead}"):
            message = "kernel lost: its worker stopped before the cell ran"
        else:
            starter = rt.coord.started_by(execution)
            if starter not in (dead, f"lost:{dead}") and worker_is_alive(rt.redis, starter, rt.ns):
                return  # a live worker took it over and runs it
            message = "kernel lost: its worker stopped while the cell ran"
        if info.get("kind") == "notebook":
            rt.notebooks.report_lost(execution, info["session"], dead, message)
            return
        rt.reporter.finish_lost(execution=execution, session=info["session"], cell=info["cell"],
                                seq=info.get("seq"), worker=dead, message=message)

    def reroute(self, task: str | None, task_id: str | None, body) -> None:
        """Send a drained message on to where it can run now."""
        rt = self.rt
        payload = body[0][0] if body and body[0] else None
        if task == TASK_EXECUTE:
            request = ExecuteRequest.from_dict(payload)
            queue = route_for_session(rt.redis, request.session, request.device,
                                      live=request.live, ns=rt.ns)
        elif task == TASK_RUN_NOTEBOOK:
            queue = rt.ns.pool_queue(NotebookRequest.from_dict(payload).device)
        else:  # interrupt/restart/shutdown/ping of a kernel that no longer exists
            log.info("sweep.dropped", task=task, id=task_id)
            return
        rt.app.send_task(task, args=[payload], queue=queue, task_id=task_id)
        log.info("sweep.rerouted", task=task, id=task_id, queue=queue)
