import time
from functools import lru_cache

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

# A good answer is reused for this long: probes every second cost nothing, and a failure is
# never cached (the next probe checks again).
HEALTH_CACHE_SECONDS = 2.0
_healthy_at = -HEALTH_CACHE_SECONDS


def landing(request):
    if request.user.is_authenticated:
        return redirect("notebooks:list")
    return render(request, "landing.html")


@lru_cache(maxsize=1)
def _health_redis():
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


def _problems() -> dict:
    problems = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure makes the instance unhealthy
        problems["database"] = str(exc)
    if settings.REDIS_URL:
        try:
            _health_redis().ping()
        except redis.RedisError as exc:
            problems["redis"] = str(exc)
    return problems


def healthz(request):
    """Database and Redis reachability, for load balancers, compose and `make run`.

    Fast path: within HEALTH_CACHE_SECONDS of a good check the answer is given without asking
    either again; `?full=1` always checks.
    """
    global _healthy_at
    if time.monotonic() - _healthy_at < HEALTH_CACHE_SECONDS and not request.GET.get("full"):
        return JsonResponse({"status": "ok"})
    problems = _problems()
    if problems:
        return JsonResponse({"status": "error", **problems}, status=503)
    _healthy_at = time.monotonic()
    return JsonResponse({"status": "ok"})
