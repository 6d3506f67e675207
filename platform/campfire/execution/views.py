"""The staff page: what the execution side is doing now."""

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render
from redis.exceptions import RedisError

from campfire.execution import monitoring


@staff_member_required
def staff_overview(request):
    try:
        overview, redis_error = monitoring.workers_overview(), None
    except RedisError as exc:  # the page still shows the database's view
        overview, redis_error = {"workers": [], "queues": {}}, str(exc)
    context = {**overview, "redis_error": redis_error, "failures": monitoring.recent_failures()}
    return render(request, "execution/staff.html", context)
