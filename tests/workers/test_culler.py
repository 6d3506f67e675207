"""The cull decision: injectable clock, replaceable arbiter, failures contained."""
from __future__ import annotations

from dataclasses import dataclass

from workers.culler import cull_idle


@dataclass
class FakeSession:
    id: str
    last_activity: float
    busy: bool = False


def test_only_idle_unkept_sessions_are_culled_and_one_failure_does_not_stop_the_sweep():
    sessions = [FakeSession("active", 950), FakeSession("busy", 0, busy=True),
                FakeSession("kept", 0), FakeSession("broken", 0), FakeSession("idle", 99)]
    culled = []

    def cull(session):
        if session.id == "broken":
            raise RuntimeError("kernel would not stop")
        culled.append(session.id)

    result = cull_idle(sessions, idle_after=900, cull=cull, keep=lambda s: s.id == "kept",
                       clock=lambda: 1000.0)
    assert result == ["idle"] and culled == ["idle"]


def test_boundary_uses_the_injected_clock():
    session = FakeSession("s", last_activity=100.0)
    assert cull_idle([session], idle_after=60, cull=lambda s: None, clock=lambda: 159.9) == []
    assert cull_idle([session], idle_after=60, cull=lambda s: None, clock=lambda: 160.0) == ["s"]
