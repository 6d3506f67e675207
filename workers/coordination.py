"""Shared state between workers, kept in Redis and changed only by atomic scripts.

- session claims: which worker owns a session's kernel (SET NX with a TTL the heartbeat refreshes);
- execution markers: `start` (who runs it; SET NX, so nobody runs it twice) and `final` (who
  reported its end; SET NX, so it is reported once, together with its `finished` event);
- per-session ordering: a watermark = the highest seq such that every run up to it is settled
  (finished anywhere, lost or skipped). Run `seq` may start when watermark >= seq - 1.
"""
from __future__ import annotations

from .protocol import SEQ_TTL, Namespace

_SETTLE = """
local function settle(wkey, skey, seq, ttl)
  local w = tonumber(redis.call('GET', wkey) or '0')
  if seq > w then redis.call('SADD', skey, seq) end
  while redis.call('SISMEMBER', skey, w + 1) == 1 do
    redis.call('SREM', skey, w + 1)
    w = w + 1
  end
  redis.call('SET', wkey, w, 'EX', ttl)
  redis.call('EXPIRE', skey, ttl)
  return w
end
"""

_CLAIM = """
local cur = redis.call('GET', KEYS[1])
if not cur or cur == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return cur
"""

_REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_SETTLE_ONE = _SETTLE + "return settle(KEYS[1], KEYS[2], tonumber(ARGV[1]), ARGV[2])"

_SKIP_TO = _SETTLE + """
local w = tonumber(redis.call('GET', KEYS[1]) or '0')
local upto = tonumber(ARGV[1])
if upto > w then
  redis.call('SET', KEYS[1], upto, 'EX', ARGV[2])
  for _, m in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if tonumber(m) <= upto then redis.call('SREM', KEYS[2], m) end
  end
end
return settle(KEYS[1], KEYS[2], upto, ARGV[2])
"""

_RAISE = """
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > cur then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return math.max(cur, tonumber(ARGV[1]))
"""

# Report a run's end exactly once: the final marker, its `finished` event and its ordering slot
# change together or not at all.
_FINALIZE = _SETTLE + """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return false end
local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 7))
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[5] ~= '' then settle(KEYS[3], KEYS[4], tonumber(ARGV[5]), ARGV[6]) end
return id
"""


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


class Coordinator:
    def __init__(self, redis, ns: Namespace, marker_ttl: int) -> None:
        self.redis = redis
        self.ns = ns
        self.marker_ttl = marker_ttl
        self._claim = redis.register_script(_CLAIM)
        self._refresh = redis.register_script(_REFRESH)
        self._release = redis.register_script(_RELEASE)
        self._settle = redis.register_script(_SETTLE_ONE)
        self._skip_to = redis.register_script(_SKIP_TO)
        self._raise = redis.register_script(_RAISE)
        self._finalize = redis.register_script(_FINALIZE)

    # ---------------------------------------------------------------------------- session claims
    def claim(self, session: str, worker: str, ttl: float, replacing: str = "") -> str:
        """Claim the session unless another worker holds it; `replacing` takes it over from a
        dead owner (only if that is still the holder). Returns the owner after the call."""
        return _text(self._claim(keys=[self.ns.session_owner(session)],
                                 args=[worker, int(ttl * 1000), replacing or "\x00"]))

    def refresh_claim(self, session: str, worker: str, ttl: float) -> bool:
        return bool(self._refresh(keys=[self.ns.session_owner(session)],
                                  args=[worker, int(ttl * 1000)]))

    def release_claim(self, session: str, worker: str) -> bool:
        return bool(self._release(keys=[self.ns.session_owner(session)], args=[worker]))

    def owner(self, session: str) -> str | None:
        return _text(self.redis.get(self.ns.session_owner(session)))

    # ------------------------------------------------------------------------ execution markers
    def mark_started(self, execution: str, by: str) -> bool:
        """True for the one caller allowed to run (or to declare lost) this execution."""
        return bool(self.redis.set(self.ns.execution_start(execution), by, nx=True,
                                   ex=self.marker_ttl))

    def started_by(self, execution: str) -> str | None:
        return _text(self.redis.get(self.ns.execution_start(execution)))

    def is_final(self, execution: str) -> bool:
        return bool(self.redis.exists(self.ns.execution_final(execution)))

    def finalize(self, *, execution: str, session: str, seq: int | None, final_value: str,
                 event_fields: dict, maxlen: int, stream_ttl: int) -> str | None:
        """Set the final marker, append the `finished` event and settle `seq`, atomically.
        Returns the event's stream id, or None when the run had already been reported."""
        flat = [item for pair in event_fields.items() for item in pair]
        result = self._finalize(
            keys=[self.ns.execution_final(execution), self.ns.session_events(session),
                  self.ns.session_settled(session), self.ns.session_settled_above(session)],
            args=[final_value, self.marker_ttl, maxlen, stream_ttl,
                  "" if seq is None else seq, SEQ_TTL, *flat])
        return _text(result) if result else None

    # --------------------------------------------------------------------------------- ordering
    def watermark(self, session: str) -> int:
        return int(_text(self.redis.get(self.ns.session_settled(session))) or 0)

    def settle(self, session: str, seq: int) -> int:
        return int(self._settle(keys=[self.ns.session_settled(session),
                                      self.ns.session_settled_above(session)],
                                args=[seq, SEQ_TTL]))

    def skip_to(self, session: str, upto: int) -> int:
        """Give up waiting for runs up to `upto` (they never arrived): later runs may go."""
        return int(self._skip_to(keys=[self.ns.session_settled(session),
                                       self.ns.session_settled_above(session)],
                                 args=[upto, SEQ_TTL]))

    def raise_cancel(self, session: str, upto: int) -> int:
        """Runs of the session with seq <= upto that have not started will not run."""
        return int(self._raise(keys=[self.ns.session_cancel(session)], args=[upto, SEQ_TTL]))

    def cancel_upto(self, session: str) -> int:
        return int(_text(self.redis.get(self.ns.session_cancel(session))) or 0)

    def gate(self, session: str) -> tuple[int, int]:
        """(watermark, cancel_upto) in one round trip: what a session checks before each run."""
        settled, cancel = self.redis.mget([self.ns.session_settled(session),
                                           self.ns.session_cancel(session)])
        return int(_text(settled) or 0), int(_text(cancel) or 0)
