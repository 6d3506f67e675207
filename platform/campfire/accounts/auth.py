"""API authentication: `Authorization: Bearer <token>` or the session cookie (+CSRF)."""

from django.contrib.auth.models import AnonymousUser
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from campfire.accounts import selectors, services
from campfire.accounts.models import TOKEN_PREFIX


class BearerTokenAuth(HttpBearer):
    """A personal API token. A wrong token is a 401, not a fall-through to the session; so is a
    header meant as one but malformed ("Bearer\t…", a bare "cf_…"). Other schemes (a proxy's
    Basic auth) are left alone."""

    def __call__(self, request):
        value = request.headers.get(self.header) or ""
        words = value.split()
        meant_as_token = bool(words) and (words[0].lower() == "bearer" or words[0].startswith(TOKEN_PREFIX))
        if meant_as_token and not value.lower().startswith("bearer "):
            raise AuthenticationError(401, "malformed Authorization header: send Authorization: Bearer <token>")
        return super().__call__(request)

    def authenticate(self, request, token):
        api_token = selectors.token_from_bearer(raw_token=token)
        if api_token is None:
            raise AuthenticationError(401, "invalid or revoked API token")
        services.token_touch(token=api_token)
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """Django's session; unsafe methods must carry the CSRF token (X-CSRFToken header).

    Unlike ninja's own SessionAuth, an anonymous request is simply not authenticated here
    (401 from the API), rather than first failing the CSRF check (403).
    """

    param_name = "sessionid"

    def _get_key(self, request):
        return None

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header")
        return request.user


def anonymous(request):
    """Last in the chain for endpoints that anyone with the link may read."""
    return AnonymousUser()


bearer_auth = BearerTokenAuth()
session_auth = SessionAuth()
SIGNED_IN = [bearer_auth, session_auth]
ANYONE = [bearer_auth, session_auth, anonymous]
