"""The Redis scripts that keep workers consistent (real Redis)."""
from __future__ import annotations

import uuid

import pytest

from workers.coordination import Coordinator
from workers.protocol import Namespace, encode_event, make_event


@pytest.fixture
def coord(redis_client):
    ns = Namespace(f"cftc{uuid.uuid4().hex[:8]}")
    yield Coordinator(redis_client, ns, marker_ttl=60)
    keys = list(redis_client.scan_iter(match=f"{ns.redis_prefix}:*"))
    if keys:
        redis_client.delete(*keys)


def test_claims_are_exclusive_and_only_the_holder_refreshes_or_releases(coord):
    assert coord.claim("s", "a", ttl=5) == "a"
    assert coord.claim("s", "b", ttl=5) == "a"
    assert coord.refresh_claim("s", "b", ttl=5) is False
    assert coord.release_claim("s", "b") is False and coord.owner("s") == "a"
    assert coord.claim("s", "b", ttl=5, replacing="not-a") == "a"
    assert coord.claim("s", "b", ttl=5, replacing="a") == "b"  # a was found dead
    assert coord.release_claim("s", "b") is True and coord.owner("s") is None


def test_watermark_advances_only_over_a_contiguous_prefix(coord):
    assert coord.settle("s", 2) == 0 and coord.settle("s", 3) == 0
    assert coord.settle("s", 1) == 3
    assert coord.settle("s", 3) == 3  # settling twice changes nothing
    assert coord.skip_to("s", 6) == 6 and coord.settle("s", 7) == 7
    assert coord.gate("s") == (7, 0)
    assert coord.raise_cancel("s", 5) == 5 and coord.raise_cancel("s", 2) == 5
    assert coord.gate("s") == (7, 5)


def test_start_marker_admits_one_runner(coord):
    assert coord.mark_started("e", "a") is True
    assert coord.mark_started("e", "b") is False and coord.started_by("e") == "a"


def test_finalize_reports_once_with_its_event_and_settles(coord, redis_client):
    event = make_event("finished", execution="e", cell="c", data={"status": "ok"})
    args = dict(execution="e", session="s", seq=1, final_value="{}",
                event_fields=encode_event(event), maxlen=1000, stream_ttl=60)
    first = coord.finalize(**args)
    assert first is not None and coord.finalize(**args) is None
    assert redis_client.xlen(coord.ns.session_events("s")) == 1
    assert coord.is_final("e") and coord.watermark("s") == 1
