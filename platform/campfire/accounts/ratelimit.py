"""Rate limiting in the shared cache: failed logins (per username+IP and per IP) and
anonymous use of endpoints that cost CPU (per IP).

A small limiter instead of django-axes: axes hooks every `authenticate()` call, including
the API's bearer-token path, and keeps its own tables; this only needs two counters with a
window, in the shared cache (Redis when REDIS_URL is set) so every web process sees them.
The per-IP counter has a higher allowance and catches spraying across usernames.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache

PER_IP_FACTOR = 4


def _keys(username: str, ip: str) -> tuple[str, str]:
    digest = hashlib.sha256(f"{username.lower()}\0{ip}".encode()).hexdigest()[:32]
    return f"login-fail:user-ip:{digest}", f"login-fail:ip:{ip}"


def client_ip(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def login_blocked(*, username: str, ip: str) -> bool:
    pair_key, ip_key = _keys(username, ip)
    limit = settings.LOGIN_RATE_LIMIT
    return cache.get(pair_key, 0) >= limit or cache.get(ip_key, 0) >= limit * PER_IP_FACTOR


def _count(key: str, window: int) -> int:
    """Increment a counter that expires `window` seconds after its first hit."""
    # add() sets the window once; incr() keeps its expiry.
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return 1


def login_failed(*, username: str, ip: str) -> None:
    for key in _keys(username, ip):
        _count(key, settings.LOGIN_RATE_WINDOW)


def anonymous_allowed(*, action: str, ip: str) -> bool:
    """Count one anonymous `action` from `ip`; False once over CAMPFIRE_ANON_RATE_LIMIT a minute."""
    return _count(f"anon:{action}:{ip}", 60) <= settings.CAMPFIRE_ANON_RATE_LIMIT


def login_succeeded(*, username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])
