"""Settings come from the environment through typed helpers that explain bad values."""

import os
import re
import subprocess
import tempfile
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from campfire.env import env_bool, env_int, env_list, env_str, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_env_str():
    assert env_str("X", environ={"X": " v "}) == "v"
    assert env_str("X", "d", environ={}) == "d"
    with pytest.raises(ImproperlyConfigured, match="X must be set"):
        env_str("X", environ={"X": ""})


@pytest.mark.parametrize("raw, value", [("1", True), ("TRUE", True), ("yes", True), ("on", True), ("0", False), ("off", False), ("", False)])
def test_env_bool(raw, value):
    assert env_bool("B", environ={"B": raw}) is value


def test_env_bool_refuses_anything_else():
    with pytest.raises(ImproperlyConfigured, match=r"B must be a boolean .* got 'maybe'"):
        env_bool("B", environ={"B": "maybe"})


def test_env_int():
    assert env_int("N", 3, environ={}) == 3
    assert env_int("N", environ={"N": "42"}) == 42
    with pytest.raises(ImproperlyConfigured, match="N must be an integer, got '4k'"):
        env_int("N", environ={"N": "4k"})
    with pytest.raises(ImproperlyConfigured, match="N must be >= 1, got 0"):
        env_int("N", minimum=1, environ={"N": "0"})
    with pytest.raises(ImproperlyConfigured, match="N must be <= 9"):
        env_int("N", maximum=9, environ={"N": "10"})


def test_env_list():
    assert env_list("L", ["a"], environ={}) == ["a"]
    assert env_list("L", environ={"L": "a.example, b.example,,"}) == ["a.example", "b.example"]


def test_env_url():
    assert env_url("U", schemes={"redis"}, environ={"U": "redis://h:1/0"}) == "redis://h:1/0"
    assert env_url("U", None, schemes={"redis"}, environ={}) is None
    with pytest.raises(ImproperlyConfigured, match="U must be a URL with scheme one of redis"):
        env_url("U", schemes={"redis"}, environ={"U": "http://h"})
    with pytest.raises(ImproperlyConfigured, match="must name a host"):
        env_url("U", schemes={"redis"}, environ={"U": "redis://"})


def _load_settings(**env):
    """Settings imported in a fresh process with `env`; the var dir is an empty one unless given."""
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    base.update({"PYTHONPATH": str(ROOT / "platform"), "CAMPFIRE_VAR_DIR": tempfile.mkdtemp(prefix="campfire-var-"), **env})
    code = "import campfire.settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CAMPFIRE_IMPORT_MAX_BYTES, s.SECRET_KEY)"
    return subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True, cwd=ROOT)


def test_settings_defaults_are_safe():
    result = _load_settings(SECRET_KEY="k")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", str(20 * 1024 * 1024), "k"]


def test_https_turns_on_secure_cookies():
    assert _load_settings(SECRET_KEY="k", CAMPFIRE_HTTPS="1").stdout.split()[1] == "True"


@pytest.mark.parametrize(
    "env, message",
    [
        ({}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "k", "DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"SECRET_KEY": "k", "DATABASE_URL": "mysql://db/x"}, "DATABASE_URL must be a URL with scheme one of"),
        ({"SECRET_KEY": "k", "REDIS_URL": "localhost:6379"}, "REDIS_URL must be a URL"),
        ({"SECRET_KEY": "k", "CAMPFIRE_IMPORT_MAX_BYTES": "20MB"}, "CAMPFIRE_IMPORT_MAX_BYTES must be an integer"),
        ({"SECRET_KEY": "k", "CAMPFIRE_MAX_KERNELS_PER_USER": "0"}, "CAMPFIRE_MAX_KERNELS_PER_USER must be >= 1"),
    ],
)
def test_bad_environment_fails_at_start_with_a_clear_message(env, message):
    result = _load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_the_key_make_run_stored_is_used_when_none_is_set(tmp_path):
    """So that `python manage.py ...` works in a checkout that `make run` set up."""
    (tmp_path / "secret_key").write_text("stored-key\n")
    assert _load_settings(CAMPFIRE_VAR_DIR=str(tmp_path)).stdout.split()[3] == "stored-key"
    assert _load_settings(CAMPFIRE_VAR_DIR=str(tmp_path), SECRET_KEY="set").stdout.split()[3] == "set"


def test_debug_without_a_secret_key_is_allowed_for_development():
    assert _load_settings(DEBUG="1").stdout.split()[0] == "True"


def test_every_setting_read_from_the_environment_is_documented():
    names = set(re.findall(r'env_(?:str|int|bool|list|url)\(\s*"([A-Z_]+)"', (ROOT / "platform/campfire/settings.py").read_text()))
    names |= set(re.findall(r'"(CAMPFIRE_[A-Z_]+)"', (ROOT / "scripts/run.py").read_text()))
    assert len(names) > 20
    for doc in ("README.md", "docs/OPERATIONS.md"):
        text = (ROOT / doc).read_text()
        missing = sorted(name for name in names if f"`{name}`" not in text)
        assert not missing, f"{doc} does not document {missing}"
