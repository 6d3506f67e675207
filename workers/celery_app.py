"""The workers' Celery app: `celery -A workers.celery_app worker -n NAME@%h`.

Configured from the environment (workers/config.py), JSON only, no Django. Concurrency model: the
*threads* pool, so every kernel, kernel client and session thread lives in this one long-lived
process (a prefork child would take its kernels down with it on every recycle). Each worker also
consumes its own `kernels.<name>` queue, where the runs of the sessions it owns are routed.
"""
from __future__ import annotations

import redis as redis_lib
from celery import Celery, signals
from kombu import Exchange, Queue

from . import logs
from .config import WorkerConfig

config = WorkerConfig.from_env()
logs.configure(config.log_format)

# fixups=[]: Celery's Django fixup would run django.setup() whenever DJANGO_SETTINGS_MODULE is in
# the environment (a developer shell, the test suite); workers never touch Django or the database.
app = Celery("campfire_workers", include=["workers.tasks"], fixups=[])
app.conf.update(
    broker_url=config.broker_url,
    broker_connection_retry_on_startup=True,
    broker_transport_options={
        # Longer than any task holds its message (tasks accept, cells run after the ack) and
        # than the cell limit; kombu redelivers an unacked message only after this much time.
        "visibility_timeout": config.visibility_timeout,
        # kombu's defaults scan every 10 s but restore on every 10th scan (~100 s); restore on
        # every scan so a dead worker's unacked messages come back soon after the timeout.
        "unacked_restore_interval": config.restore_interval,
        "unacked_restore_throttle": 1,
        **({"global_keyprefix": config.broker_keyprefix} if config.broker_keyprefix else {}),
    },
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    worker_pool="threads",
    worker_concurrency=config.concurrency,
    # Advisory under the threads pool (Celery enforces limits only in prefork): every wait in a
    # task is bounded by kernel_wait, and cells run under the runtime's own wall-clock limit.
    task_time_limit=config.task_time_limit,
    task_default_queue=config.pool_queues[0],
    task_create_missing_queues=True,
    worker_hijack_root_logger=False,
    worker_redirect_stdouts=False,
    worker_cancel_long_running_tasks_on_connection_loss=False,
)

_runtime = None


def current_runtime():
    if _runtime is None:
        raise RuntimeError("the worker runtime is not running: tasks run inside "
                           "`celery -A workers.celery_app worker`")
    return _runtime


def _fatal(step: str):
    """Celery logs and swallows exceptions of signal handlers; a worker that could not set up
    its runtime must not consume (it would accept runs it cannot run), so it exits instead."""
    def wrap(handler):
        def run(*args, **kwargs):
            try:
                return handler(*args, **kwargs)
            except Exception as exc:
                logs.get("celery_app").exception("worker.setup_failed", step=step)
                raise SystemExit(f"campfire worker could not {step}: {exc}") from exc
        return run
    return wrap


@signals.celeryd_after_setup.connect(weak=False)
@_fatal("set up")
def _setup(sender, instance, **_):
    """Consume the pool queues (`-Q`, else CAMPFIRE_WORKER_QUEUES) and this worker's own
    queue; build its runtime."""
    global _runtime
    from .runtime import WorkerRuntime

    pool = getattr(instance, "pool_cls", None)
    if "thread" not in f"{getattr(pool, '__module__', '')}.{getattr(pool, '__name__', pool)}":
        raise RuntimeError(f"workers need the threads pool (kernels live in the worker "
                           f"process); got {pool!r}")
    selected = instance.app.amqp.queues._consume_from  # set when `-Q` was given
    pool_queues = list(selected) if selected else list(config.pool_queues)
    queues = [*pool_queues, config.namespace.worker_queue(sender)]
    for queue in queues:  # each bound to its own direct exchange, as send_task(queue=) declares
        instance.app.amqp.queues.select_add(Queue(queue, Exchange(queue, "direct"), queue))
    client = redis_lib.Redis.from_url(config.redis_url, decode_responses=True)
    runtime = WorkerRuntime(config, sender, app, client, queues)
    runtime.recover()
    _runtime = runtime


@signals.worker_ready.connect(weak=False)
@_fatal("start")
def _ready(**_):
    current_runtime().start()


@signals.worker_shutdown.connect(weak=False)
def _shutdown(**_):
    if _runtime is not None:
        _runtime.stop()
