"""The ASGI entry point: HTTP goes to Django, WebSockets pass the origin check first."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator, WebsocketCommunicator

from campfire.asgi import application


@pytest.mark.django_db(transaction=True)
def test_http_is_served_by_django():
    response = async_to_sync(HttpCommunicator(application, "GET", "/healthz", headers=[(b"host", b"localhost")]).get_response)()
    assert response["status"] == 200 and b'"ok"' in response["body"]


async def _connect(origin: bytes):
    """True/False from the handshake, or the error the app raised behind the origin check."""
    communicator = WebsocketCommunicator(application, "/ws/notebooks/x/", headers=[(b"origin", origin), (b"host", b"localhost")])
    try:
        connected, _ = await communicator.connect(timeout=3)
    except Exception:
        try:
            await communicator.wait(timeout=1)  # re-raises the application's own exception
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        raise
    await communicator.disconnect()
    return connected


@pytest.mark.django_db(transaction=True)
def test_websocket_from_a_foreign_origin_is_refused():
    assert async_to_sync(_connect)(b"http://evil.example") is False


@pytest.mark.django_db(transaction=True)
def test_websocket_from_our_origin_reaches_the_router():
    assert "No route found" in str(async_to_sync(_connect)(b"http://localhost:8000"))
