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


def _post(body: bytes, headers=()):
    communicator = HttpCommunicator(application, "POST", "/api/markdown", body=body, headers=[(b"host", b"localhost"), *headers])
    return async_to_sync(communicator.get_response)(timeout=5)


@pytest.mark.django_db(transaction=True)
def test_a_body_over_the_limit_is_refused_while_it_is_received(settings):
    settings.CAMPFIRE_MAX_REQUEST_BYTES = 1000
    # No Content-Length (as with a chunked upload): only counting the received bytes can catch it.
    response = _post(b"x" * 5000)
    assert response["status"] == 400
    assert b"request body too large" in response["body"]
    small = _post(b"{}", headers=[(b"content-type", b"application/json")])
    assert small["status"] == 400 and b"source" in small["body"]  # reached the API's own validation


def test_chunked_upload_to_a_real_server_is_cut_off(tmp_path):
    """Through uvicorn, as deployed: a chunked body with no Content-Length."""
    import http.client
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from campfire.devredis import free_port

    port = free_port()
    env = {**os.environ, "SECRET_KEY": "test", "CAMPFIRE_MAX_REQUEST_BYTES": "100000", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "campfire.asgi:application", "--app-dir", "platform", "--port", str(port), "--lifespan", "off"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(__import__("pathlib").Path(__file__).resolve().parents[2]),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.2)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", "/api/notebooks/import")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.endheaders()
        chunk = b"y" * 10000
        try:
            for _ in range(50):  # 500 kB, five times the limit
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        except OSError:
            pass  # the server may close the connection before we finish
        response = conn.getresponse()
        assert response.status == 400
        assert b"request body too large" in response.read()
    finally:
        server.terminate()
        server.wait(10)
