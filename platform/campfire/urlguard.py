"""Refuse URLs that carry a NUL character (`%00`) in the path or the query string.

PostgreSQL cannot compare text with NUL in it, so a search (`?q=%00`) or a slug in a path
(`/api/tutorials/%00`) would otherwise be a 500; no stored title, slug or id can contain one.
Form bodies need no such check (Django's form fields refuse NUL; the API's parser does too).
"""

from django.http import HttpResponseBadRequest, JsonResponse

MESSAGE = "the URL contains a NUL character (%00)"


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists())


class NulInUrlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MESSAGE}, status=400)
            return HttpResponseBadRequest(MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
