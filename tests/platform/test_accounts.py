"""Sign-up, log in/out, password change, roles, login rate limiting and API tokens."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client

from campfire.accounts import ratelimit, selectors, services
from campfire.accounts.models import ApiToken
from campfire.accounts.tokens import hash_token

from .conftest import PASSWORD


def test_roles_exist_after_migrations(db):
    assert set(Group.objects.values_list("name", flat=True)) >= {"learner", "instructor", "moderator"}


def test_signup_form_creates_a_learner_and_signs_in(db):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/signup/")
    assert page.status_code == 200 and b'name="csrfmiddlewaretoken"' in page.content
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/signup/", {"username": "carol", "email": "", "password1": PASSWORD, "password2": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/notebooks/"
    carol = get_user_model().objects.get(username="carol")
    assert selectors.user_roles(user=carol) == ["learner"]
    assert client.get("/notebooks/").status_code == 200


def test_signup_without_csrf_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/signup/", {"username": "mallory", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="mallory").exists()


@pytest.mark.parametrize(
    "data",
    [
        {"username": "dave", "password1": "short", "password2": "short"},
        {"username": "dave", "password1": PASSWORD, "password2": PASSWORD + "x"},
        {"username": "alice", "password1": PASSWORD, "password2": PASSWORD},
        {"username": "bad name!", "password1": PASSWORD, "password2": PASSWORD},
    ],
)
def test_signup_errors_rerender_the_form_with_400(alice, data):
    response = Client().post("/accounts/signup/", data)
    assert response.status_code == 400
    assert b'class="errorlist"' in response.content
    assert not get_user_model().objects.filter(username="dave").exists()


def test_login_logout_and_landing_redirect(alice):
    client = Client()
    assert client.get("/").status_code == 200
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/")["Location"] == "/notebooks/"
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/notebooks/").status_code == 302  # back to the login page


def test_wrong_password_is_400(alice):
    response = Client().post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 400


def test_login_is_rate_limited_per_username_and_ip(alice, settings):
    settings.LOGIN_RATE_LIMIT = 3
    attacker = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert attacker.post("/accounts/login/", {"username": "alice", "password": "guess"}).status_code == 400
    blocked = attacker.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429 and b"Too many failed sign-in attempts" in blocked.content
    assert "_auth_user_id" not in attacker.session
    # Alice from her own address is not locked out by the attacker.
    assert Client(REMOTE_ADDR="198.51.100.7").post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302


def test_rate_limit_counts_expire_with_the_window(alice, settings):
    settings.LOGIN_RATE_LIMIT = 1
    settings.LOGIN_RATE_WINDOW = 1
    ratelimit.login_failed(username="alice", ip="192.0.2.1")
    assert ratelimit.login_blocked(username="alice", ip="192.0.2.1")
    import time

    time.sleep(1.2)
    assert not ratelimit.login_blocked(username="alice", ip="192.0.2.1")


def test_password_change(alice):
    client = Client()
    client.force_login(alice)
    response = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "an0ther long passphrase", "new_password2": "an0ther long passphrase"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("an0ther long passphrase")


def test_token_is_shown_once_stored_hashed_and_listed_by_prefix(alice):
    client = Client()
    client.force_login(alice)
    response = client.post("/accounts/tokens/", {"name": "laptop"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=alice)
    raw = response.context["created"]["raw"]
    assert raw.startswith("cf_") and len(raw) > 40 and raw.encode() in response.content
    assert token.token_hash == hash_token(raw) and raw not in token.token_hash
    listing = client.get("/accounts/tokens/")
    assert raw.encode() not in listing.content
    assert token.prefix.encode() in listing.content and b"laptop" in listing.content and b"never" in listing.content


def test_token_authenticates_and_records_last_use_then_revoke_stops_it(alice, bob):
    token, raw = services.token_create(user=alice, name="script")
    client = Client()
    assert client.get("/api/notebooks", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    browser = Client()
    browser.force_login(bob)
    assert browser.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.filter(pk=token.pk).exists()  # bob cannot revoke alice's token
    browser.force_login(alice)
    assert browser.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert client.get("/api/notebooks", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_revoke_needs_post(alice):
    token, _ = services.token_create(user=alice, name="x")
    client = Client()
    client.force_login(alice)
    assert client.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405


def test_inactive_users_tokens_do_not_work(alice):
    _, raw = services.token_create(user=alice, name="x")
    alice.is_active = False
    alice.save()
    assert selectors.token_from_bearer(raw_token=raw) is None


@pytest.mark.parametrize("raw", [None, "", "Bearer", "cf_", "cf_" + "a" * 500, "not-prefixed-token"])
def test_bearer_selector_refuses_junk(db, raw):
    assert selectors.token_from_bearer(raw_token=raw) is None


def test_token_name_and_quota_are_enforced(alice, settings):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.token_create(user=alice, name="   ")
    settings.CAMPFIRE_MAX_TOKENS_PER_USER = 1
    services.token_create(user=alice, name="one")
    with pytest.raises(ValidationError, match="revoke one"):
        services.token_create(user=alice, name="two")


def test_create_token_command_prints_only_a_working_token(alice):
    out = io.StringIO()
    call_command("create_token", "alice", "--name", "ci", stdout=out)
    raw = out.getvalue().strip()
    assert selectors.token_from_bearer(raw_token=raw).user == alice
    assert ApiToken.objects.get(user=alice).name == "ci"


def test_create_token_command_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="no user named"):
        call_command("create_token", "nobody")


def test_ensure_admin_creates_one_superuser_with_a_random_password(db):
    first, second = io.StringIO(), io.StringIO()
    call_command("ensure_admin", stdout=first)
    password = first.getvalue().split("one-time password '")[1].split("'")[0]
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password) and len(password) >= 16
    call_command("ensure_admin", stdout=second)
    assert second.getvalue() == "" and get_user_model().objects.filter(is_superuser=True).count() == 1


def test_role_assign_refuses_unknown_roles(alice):
    from django.core.exceptions import ValidationError

    services.role_assign(user=alice, role="instructor")
    assert selectors.user_roles(user=alice) == ["instructor", "learner"]
    with pytest.raises(ValidationError):
        services.role_assign(user=alice, role="overlord")
