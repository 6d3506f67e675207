"""Account writes: sign-up, roles, API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campfire.accounts.models import LEARNER, ROLES, ApiToken
from campfire.accounts.tokens import PREFIX_LENGTH, hash_token, new_raw_token

# last_used is a hint for the token list, not an audit log: write it at most this often.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def role_assign(*, user, role: str) -> None:
    if role not in ROLES:
        raise ValidationError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


@transaction.atomic
def user_create(*, username: str, password: str, email: str = ""):
    user = get_user_model().objects.create_user(username=username, email=email, password=password)
    role_assign(user=user, role=LEARNER)
    return user


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the raw token, which is never retrievable again."""
    name = name.strip()
    if not name:
        raise ValidationError("a token needs a name")
    if len(name) > 100:
        raise ValidationError("a token name has at most 100 characters")
    if ApiToken.objects.filter(user=user).count() >= settings.CAMPFIRE_MAX_TOKENS_PER_USER:
        raise ValidationError(
            f"you already have {settings.CAMPFIRE_MAX_TOKENS_PER_USER} tokens; revoke one first"
        )
    raw = new_raw_token()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:PREFIX_LENGTH], token_hash=hash_token(raw))
    return token, raw


def token_revoke(*, user, token_id: int) -> bool:
    """Delete one of the user's tokens; False when it is not theirs or already gone."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return deleted > 0


def token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used is None or now - token.last_used > TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
