"""Everything a worker tells the outside world: stream events and record tasks.

Events go to the session's Redis stream the moment they happen (XADD, length capped, TTL
refreshed). A run's end goes through `finish`: the final marker, the `finished` event and the
ordering slot change atomically (once per execution, whoever reports it), then the record task is
sent to the platform queue and the run leaves this worker's list of runs.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any, Callable

from . import logs
from .coordination import Coordinator
from .outputs import replay
from .protocol import (EV_FINISHED, EV_STARTED, LOST, TASK_RECORD_EXECUTION, TASK_RECORD_NOTEBOOK,
                       ExecutionRecord, Namespace, NotebookRecord, decode_event, encode_event,
                       make_event)

log = logs.get("reporting")


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat()


def iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, timezone.utc).isoformat()


class Reporter:
    def __init__(self, redis, coord: Coordinator, ns: Namespace, send_task: Callable[..., Any],
                 worker: str, stream_maxlen: int, stream_ttl: int) -> None:
        self.redis = redis
        self.coord = coord
        self.ns = ns
        self.send_task = send_task
        self.worker = worker
        self.maxlen = stream_maxlen
        self.ttl = stream_ttl

    def event(self, session: str, type: str, *, execution: str | None = None,
              cell: str | None = None, data: dict) -> str:
        key = self.ns.session_events(session)
        pipe = self.redis.pipeline(transaction=False)
        pipe.xadd(key, encode_event(make_event(type, execution=execution, cell=cell, data=data)),
                  maxlen=self.maxlen, approximate=True)
        pipe.expire(key, self.ttl)
        return pipe.execute()[0]

    # ------------------------------------------------------------------------------ run endings
    def finish(self, record: ExecutionRecord, *, seq: int | None = None) -> bool:
        """Report the end of a cell run; False when someone already reported it."""
        record.validate()
        data = {"status": record.status, "execution_count": record.execution_count,
                "duration": record.duration, "message": record.message,
                "truncated": record.truncated, "worker": record.worker}
        return self._finish(record.to_dict(), TASK_RECORD_EXECUTION, session=record.session,
                            execution=record.execution, cell=record.cell, seq=seq, data=data)

    def finish_lost(self, *, execution: str, session: str, cell: str, seq: int | None,
                    worker: str, message: str) -> bool:
        """Report a run whose kernel went away with its worker. The outputs it streamed before
        are rebuilt from the session stream, so the stored cell shows what the user saw."""
        key = self.ns.session_events(session)
        events = [decode_event(eid, entry) for eid, entry in self.redis.xrange(key)]
        mine = [event for event in events if event["execution"] == execution]
        started = next((event for event in mine if event["type"] == EV_STARTED), None)
        return self.finish(ExecutionRecord(
            execution=execution, session=session, cell=cell, seq=seq or 0, status=LOST,
            outputs=replay(mine), finished=utc_now(), duration=None, worker=worker,
            execution_count=started["data"].get("execution_count") if started else None,
            started=iso(int(started["id"].split("-")[0]) / 1000) if started else None,
            message=message), seq=seq)

    def finish_notebook(self, record: NotebookRecord) -> bool:
        record.validate()
        data = {"status": record.status, "duration": record.duration, "scope": "notebook",
                "message": record.message, "worker": record.worker}
        return self._finish(record.to_dict(), TASK_RECORD_NOTEBOOK, session=record.session,
                            execution=record.execution, cell=None, seq=None, data=data)

    def _finish(self, payload: dict, task: str, *, session: str, execution: str,
                cell: str | None, seq: int | None, data: dict) -> bool:
        final = json.dumps({"task": task, "payload": payload}, separators=(",", ":"))
        event = make_event(EV_FINISHED, execution=execution, cell=cell, data=data)
        stream_id = self.coord.finalize(execution=execution, session=session, seq=seq,
                                        final_value=final, event_fields=encode_event(event),
                                        maxlen=self.maxlen, stream_ttl=self.ttl)
        if stream_id is None:
            log.info("run.already_reported", execution=execution, session=session)
            return False
        self.send_record(task, payload)
        self.redis.hdel(self.ns.worker_runs(self.worker), execution)
        log.info("run.finished", execution=execution, session=session, cell=cell,
                 status=data["status"], duration=data.get("duration"), stream_id=stream_id)
        return True

    def send_record(self, task: str, payload: dict) -> None:
        self.send_task(task, args=[payload], queue=self.ns.platform_queue,
                       task_id=f"record-{payload['execution']}-{int(time.time() * 1000)}")

    def resend_final(self, execution: str) -> bool:
        """Send the record of an already-finalized run again (its sender died before sending;
        the platform's record task is idempotent by execution id)."""
        raw = self.redis.get(self.ns.execution_final(execution))
        if not raw:
            return False
        final = json.loads(raw)
        self.send_record(final["task"], final["payload"])
        return True
