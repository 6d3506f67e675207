"""Idle culling: the decision is a plain function with an injectable clock and a replaceable
`keep` arbiter (workshops keep their kernels); every decision is logged and one failure does not
stop the sweep (after jupyterhub-idle-culler)."""
from __future__ import annotations

import time
from typing import Callable, Iterable, Protocol

from . import logs

log = logs.get("culler")


class Cullable(Protocol):
    id: str
    last_activity: float   # epoch seconds

    @property
    def busy(self) -> bool: ...


def cull_idle(sessions: Iterable[Cullable], *, idle_after: float,
              cull: Callable[[Cullable], None], keep: Callable[[Cullable], bool] = lambda s: False,
              clock: Callable[[], float] = time.time) -> list[str]:
    """Cull every session idle for `idle_after` seconds that is not busy and not kept; returns
    the ids culled."""
    now = clock()
    culled = []
    for session in sessions:
        try:
            idle = now - session.last_activity
            if session.busy:
                decision = "busy"
            elif idle < idle_after:
                decision = "active"
            elif keep(session):
                decision = "kept"
            else:
                cull(session)
                culled.append(session.id)
                decision = "culled"
            log.info("cull.decision", session=session.id, decision=decision, idle=round(idle, 1))
        except Exception:
            log.exception("cull.failed", session=getattr(session, "id", "?"))
    return culled
