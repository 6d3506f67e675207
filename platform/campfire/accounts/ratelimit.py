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


def _count(key: str, window: int, amount: int = 1) -> int:
    """Add `amount` to a counter that expires `window` seconds after its first hit; the new total."""
    # add() sets the window once; incr() keeps its expiry.
    if cache.add(key, amount, timeout=window):
        return amount
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add() and incr()
        cache.add(key, amount, timeout=window)
        return amount


def login_failed(*, username: str, ip: str) -> None:
    for key in _keys(username, ip):
        _count(key, settings.LOGIN_RATE_WINDOW)


def anonymous_allowed(*, action: str, ip: str) -> bool:
    """Count one anonymous `action` from `ip`; False once over CAMPFIRE_ANON_RATE_LIMIT a minute."""
    return _count(f"anon:{action}:{ip}", 60) <= settings.CAMPFIRE_ANON_RATE_LIMIT


def login_succeeded(*, username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])


# Markdown rendering costs up to ~11 us of web-process CPU per character of hostile source (e.g. a million
# "["), so besides counting requests, the characters rendered are budgeted per minute.
ANON_MARKDOWN_CHARS = 500_000      # per IP: a few seconds of CPU a minute at worst
USER_MARKDOWN_CHARS = 2_000_000    # per user: ~400 typical markdown cells re-rendered a minute


def markdown_allowed(*, user, ip: str, chars: int) -> bool:
    """Spend `chars` of the minute's markdown budget (the user's, or the IP's when anonymous)."""
    if user.is_authenticated:
        return _count(f"markdown-chars:user:{user.pk}", 60, max(chars, 1)) <= USER_MARKDOWN_CHARS
    return _count(f"markdown-chars:ip:{ip}", 60, max(chars, 1)) <= ANON_MARKDOWN_CHARS
