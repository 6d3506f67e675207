"""Request body size limits, enforced while the body is received.

`BodySizeLimitASGI` wraps the ASGI app: it counts the bytes of every `http.request` message
and answers 400 as soon as a body passes CAMPFIRE_MAX_REQUEST_BYTES, so an oversized upload
is never read to the end or spooled to disk — chunked bodies without a Content-Length
included. `RequestSizeLimitMiddleware` does the Content-Length check under WSGI too.
"""

import json

from django.conf import settings
from django.http import JsonResponse


def _too_large(length: int | None, limit: int) -> dict:
    size = f"{length} bytes" if length is not None else f"more than {limit} bytes"
    return {"detail": f"request body too large: {size} (limit {limit} bytes)"}


class _BodyTooLarge(Exception):
    pass


class BodySizeLimitASGI:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.CAMPFIRE_MAX_REQUEST_BYTES
        received = 0
        started = False

        async def counting_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            body = json.dumps(_too_large(None, limit)).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
            await send({"type": "http.response.start", "status": 400, "headers": headers})
            await send({"type": "http.response.body", "body": body})


class RequestSizeLimitMiddleware:
    """Refuse bodies whose Content-Length is over the limit before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.CAMPFIRE_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "invalid Content-Length header"}, status=400)
        if length > limit:
            return JsonResponse(_too_large(length, limit), status=400)
        return self.get_response(request)
