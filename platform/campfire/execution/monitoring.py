"""Reads for the staff page: live workers (the registry), queue lengths, recent failures."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from workers import protocol

from campfire.execution.broker import namespace, redis_client
from campfire.execution.models import FAILED_STATUSES, Execution

# kombu's Redis transport keeps a queue's messages of priority p > 0 under "<queue>\x06\x16<p>"
# (its default priority steps are 0, 3, 6, 9); a queue's length is the sum.
_PRIORITY_SEP = "\x06\x16"
_PRIORITIES = ("3", "6", "9")


def queue_lengths(names: list[str], client=None) -> dict[str, int]:
    client = client or redis_client()
    prefix = settings.CAMPFIRE_BROKER_KEYPREFIX
    pipe = client.pipeline(transaction=False)
    for name in names:
        for key in [name, *(f"{name}{_PRIORITY_SEP}{p}" for p in _PRIORITIES)]:
            pipe.llen(f"{prefix}{key}")
    counts = pipe.execute()
    step = 1 + len(_PRIORITIES)
    return {name: sum(counts[i * step : (i + 1) * step]) for i, name in enumerate(names)}


def sandbox_summary(reported) -> tuple[str, bool]:
    """(what to show, whether it is a warning) for a registry entry's `sandbox` (a dict
    {"enabled", "network", "memory_mb", ...}; absent from workers that predate the sandbox)."""
    if reported is None:
        return "not reported", True
    enabled = reported.get("enabled") if isinstance(reported, dict) else bool(reported)
    if not enabled:
        return "OFF: kernels run unconfined", True
    if not isinstance(reported, dict):
        return "on", False
    details = [f"{reported[key]}{unit}" for key, unit in (("network", " network"), ("memory_mb", " MB"), ("cpus", " CPU")) if key in reported]
    return "on" + (f" ({', '.join(details)})" if details else ""), False


def workers_overview(client=None) -> dict:
    client, ns = client or redis_client(), namespace()
    workers = protocol.list_workers(client, ns)
    for worker in workers:
        worker["sandbox_text"], worker["sandbox_warning"] = sandbox_summary(worker.get("sandbox"))
    queues = [ns.pool_queue("cpu"), ns.pool_queue("cpu", live=True), ns.pool_queue("gpu"), ns.platform_queue]
    queues += [ns.worker_queue(w["name"]) for w in workers if isinstance(w.get("name"), str)]
    return {"workers": workers, "queues": queue_lengths(queues, client)}


def recent_failures(*, hours: int = 1, limit: int = 100):
    since = timezone.now() - timedelta(hours=hours)
    return (
        Execution.objects.filter(status__in=FAILED_STATUSES, finished__gte=since)
        .select_related("notebook", "user")
        .order_by("-finished")[:limit]
    )
