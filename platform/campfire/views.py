from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render


def landing(request):
    if request.user.is_authenticated:
        return redirect("notebooks:list")
    return render(request, "landing.html")


def healthz(request):
    """Liveness and database reachability, for load balancers and compose health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure makes the instance unhealthy
        return JsonResponse({"status": "error", "database": str(exc)}, status=503)
    return JsonResponse({"status": "ok"})
