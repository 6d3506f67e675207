"""Token generation and hashing, shared by the services and the bearer selector."""

import hashlib
import secrets

from campfire.accounts.models import TOKEN_PREFIX

PREFIX_LENGTH = len(TOKEN_PREFIX) + 8


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
