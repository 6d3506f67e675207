"""The worker registry in Redis: who is alive (a key with a TTL the heartbeat refreshes) and what
it runs (a JSON `info` the platform's staff page reads through protocol.list_workers)."""
from __future__ import annotations

import json
import time
from typing import Callable

from . import gpu, logs
from .protocol import Namespace

log = logs.get("registry")
GPU_REFRESH = 30.0


class Registry:
    def __init__(self, redis, ns: Namespace, name: str, config, info: Callable[[], dict]) -> None:
        self.redis = redis
        self.ns = ns
        self.name = name
        self.config = config
        self.info = info
        self.started = time.time()
        self._gpus: list[dict] = []
        self._gpus_at = 0.0

    def register(self) -> None:
        self.redis.sadd(self.ns.workers, self.name)
        self.redis.zrem(self.ns.workers_gone, self.name)
        self.beat()
        log.info("registry.registered", worker=self.name)

    def beat(self) -> None:
        if time.monotonic() - self._gpus_at > GPU_REFRESH:
            self._gpus, self._gpus_at = gpu.gpus(), time.monotonic()
        info = {**self.info(), "gpus": self._gpus, "started": self.started,
                "heartbeat": time.time()}
        pipe = self.redis.pipeline()
        pipe.set(self.ns.worker_alive(self.name), "1", px=int(self.config.heartbeat_ttl * 1000))
        pipe.hset(self.ns.worker_info(self.name), "info", json.dumps(info))
        pipe.execute()

    def deregister(self) -> None:
        """Clean exit: not alive any more; the tombstone lets sweepers drain late messages."""
        pipe = self.redis.pipeline()
        pipe.delete(self.ns.worker_alive(self.name))
        pipe.zadd(self.ns.workers_gone, {self.name: time.time()})
        pipe.srem(self.ns.workers, self.name)
        pipe.execute()
        log.info("registry.deregistered", worker=self.name)
