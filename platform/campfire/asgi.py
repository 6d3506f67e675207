"""ASGI entry point: Django for HTTP, Channels for WebSockets.

WebSockets: the live-execution consumers (`ws/notebooks/<id>/`, and `ws/runs/<id>/` for a clean run;
campfire/execution/consumers.py);
the origin validator refuses handshakes from pages on other hosts (and without an Origin).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campfire.settings")
# Django must be set up before anything imports models (Channels' auth middleware does).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from campfire.execution.routing import websocket_urlpatterns  # noqa: E402
from campfire.limits import BodySizeLimitASGI  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": BodySizeLimitASGI(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
