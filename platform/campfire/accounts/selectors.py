"""Account reads."""

import hmac

from campfire.accounts.models import TOKEN_PREFIX, ApiToken
from campfire.accounts.tokens import hash_token


def token_list(*, user):
    return ApiToken.objects.filter(user=user).order_by("-created")


def token_from_bearer(*, raw_token: str | None) -> ApiToken | None:
    """The live token for a raw bearer string, with its active user; None for anything else.

    Reused by the API and the WebSocket consumer. The row is found by its hash (indexed); the
    final compare is constant-time so no timing difference depends on the stored value.
    """
    if not raw_token or not raw_token.startswith(TOKEN_PREFIX) or len(raw_token) > 200:
        return None
    digest = hash_token(raw_token)
    token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    if not token.user.is_active:
        return None
    return token


def user_roles(*, user) -> list[str]:
    return sorted(user.groups.values_list("name", flat=True))
