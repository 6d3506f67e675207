"""Typed readers for settings that come from the environment.

Each helper raises ImproperlyConfigured naming the variable and the bad value, so a
typo in a deployment fails at start-up instead of as a strange runtime error.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


def _raw(name, environ):
    environ = os.environ if environ is None else environ
    value = environ.get(name)
    return None if value is None else value.strip()


def env_str(name, default=_UNSET, *, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name, default=False, *, environ=None):
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), got {value!r}")


def env_int(name, default=_UNSET, *, minimum=None, maximum=None, environ=None):
    value = _raw(name, environ)
    if value is None or value == "":
        if default is _UNSET:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be <= {maximum}, got {number}")
    return number


def env_list(name, default=(), *, environ=None):
    """Comma-separated list; blanks are dropped."""
    value = _raw(name, environ)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name, default=_UNSET, *, schemes, environ=None):
    """A URL whose scheme is one of `schemes` and which names a host or a path."""
    value = env_str(name, default, environ=environ)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name} must be a URL with scheme one of {allowed}, got {value!r}")
    if not (parts.netloc or parts.path.strip("/")):
        raise ImproperlyConfigured(f"{name} must name a host or a path, got {value!r}")
    return value
