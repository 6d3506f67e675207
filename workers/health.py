"""Health check of a worker: `python -m workers.health [--worker NAME] [--timeout S]`.

Exit 0 when the worker's registry heartbeat is fresh *and* it answers a `workers.ping` sent to its
own `kernels.<name>` queue (so its consumer and task threads work), else 1 with the reason.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import uuid

import redis as redis_lib


def check(worker: str, timeout: float) -> tuple[bool, str]:
    from .celery_app import app, config
    from .protocol import TASK_PING, worker_is_alive

    ns = config.namespace
    # the BLPOP below waits `timeout`: the socket must wait longer (redis-py 8 defaults to 5 s)
    client = redis_lib.Redis.from_url(config.redis_url, decode_responses=True, socket_timeout=timeout + 5)
    if not worker_is_alive(client, worker, ns):
        return False, f"{worker}: no fresh heartbeat in the registry"
    token = uuid.uuid4().hex
    app.send_task(TASK_PING, kwargs={"reply_to": token}, queue=ns.worker_queue(worker))
    reply = client.blpop([f"{ns.redis_prefix}:ping:{token}"], timeout=max(1, int(timeout)))
    if reply is None:
        return False, f"{worker}: heartbeat fresh but no answer to ping within {timeout:g} s"
    return True, json.dumps(json.loads(reply[1]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", default=f"celery@{socket.gethostname()}",
                        help="the worker's node name (celery -n); default celery@<host>")
    parser.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args(argv)
    ok, detail = check(args.worker, args.timeout)
    print(("ok " if ok else "unhealthy ") + detail)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
