"""Request-level guards that must run before any body is read."""

from django.conf import settings
from django.http import JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse bodies larger than CAMPFIRE_MAX_REQUEST_BYTES from their Content-Length.

    Django caps non-file bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file uploads to disk
    without a limit; this stops an oversized upload before it is parsed. The answer is a 400
    with a JSON detail, like every other refused import.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.CAMPFIRE_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "invalid Content-Length header"}, status=400)
        if length > limit:
            return JsonResponse(
                {"detail": f"request body too large: {length} bytes (limit {limit} bytes)"},
                status=400,
            )
        return self.get_response(request)
