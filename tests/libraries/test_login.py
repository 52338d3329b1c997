"""Logging in by email, throttling, logging out, two-factor login."""

import time

import pyotp
import pytest
from django.test import Client, override_settings
from factories import PASSWORD

from sapa.libraries.models import AuditEntry

LOGIN = "/accounts/login/"


def english_client(**kwargs):
    client = Client(**kwargs)
    client.cookies["django_language"] = "en"
    return client


def login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


@pytest.fixture
def user(make_user, library, admin_user):
    return admin_user


def test_login_by_email_any_case(user):
    client = english_client()
    response = login(client, "ADMIN@Example.ORG")
    assert response.status_code == 302
    # One library: straight to its dashboard.
    assert client.get(response["Location"], follow=True).status_code == 200
    assert client.get("/staff/perpus-a/").status_code == 200
    entry = AuditEntry.objects.get(action="login.succeeded")
    assert entry.actor == user and entry.ip == "127.0.0.1"


def test_wrong_password_says_so(user):
    client = english_client()
    response = login(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert "The email or the password is wrong." in response.content.decode()
    assert client.get("/staff/perpus-a/").status_code == 302  # still logged out


def test_unknown_email_gets_the_same_message(db):
    response = login(english_client(), "nobody@example.org", "whatever-password")
    assert "The email or the password is wrong." in response.content.decode()


def test_next_is_followed_only_on_this_site(user):
    client = english_client()
    response = client.post(LOGIN + "?next=/accounts/me/",
                           {"email": user.email, "password": PASSWORD, "next": "/accounts/me/"})
    assert response["Location"] == "/accounts/me/"
    client = english_client()
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD,
                                   "next": "https://evil.example/"})
    assert "evil.example" not in response["Location"]


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3, LOGIN_THROTTLE_WINDOW=600)
def test_throttled_after_the_limit_even_with_the_right_password(user):
    client = english_client()
    for _ in range(3):
        assert login(client, user.email, "wrong-password").status_code == 200
    response = login(client, user.email)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 10 minutes" in response.content.decode()
    assert client.get("/staff/perpus-a/").status_code == 302
    # The limit is per email: from another address the account is still locked...
    other = english_client(REMOTE_ADDR="10.0.0.9")
    assert login(other, user.email).status_code == 429
    # ...while another account is not.
    assert login(other, "someone@example.org", "x").status_code == 200
    assert AuditEntry.objects.filter(action="login.throttled").count() == 2


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2)
def test_throttled_per_address(make_user, user):
    client = english_client(REMOTE_ADDR="10.1.1.1")
    # The address may fail a few times more than one account may (4x), spread over accounts.
    for i in range(8):
        assert login(client, f"guess{i % 4}@example.org", "wrong").status_code == 200
    response = login(client, user.email)
    assert response.status_code == 429
    # The account itself is fine from elsewhere.
    assert login(english_client(REMOTE_ADDR="10.2.2.2"), user.email).status_code == 302


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_success_before_the_limit_starts_counting_again(user):
    client = english_client()
    for _ in range(2):
        login(client, user.email, "wrong")
    assert login(client, user.email).status_code == 302
    client = english_client()
    for _ in range(2):
        assert login(client, user.email, "wrong").status_code == 200
    assert login(client, user.email).status_code == 302


def test_logout_is_post_only(admin_client, library):
    assert admin_client.get("/accounts/logout/").status_code == 405
    assert admin_client.get(f"/staff/{library.slug}/").status_code == 200
    response = admin_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert admin_client.get(f"/staff/{library.slug}/").status_code == 302


# --- Two-factor login -------------------------------------------------------------


def _code(secret, offset=0):
    return pyotp.TOTP(secret).at(time.time() + offset)


def enable_2fa(client):
    client.post("/accounts/me/", {"action": "totp-start"})
    secret = client.session["sapa_totp_secret"]
    return secret


def test_enabling_2fa_needs_a_valid_code(admin_client, admin_user):
    admin_client.cookies["django_language"] = "en"
    page = admin_client.post("/accounts/me/", {"action": "totp-start"}).content.decode()
    secret = admin_client.session["sapa_totp_secret"]
    assert secret in page  # shown for typing into the app
    response = admin_client.post("/accounts/me/", {"action": "totp-confirm", "code": "000000"})
    assert "That code is not right" in response.content.decode()
    admin_user.refresh_from_db()
    assert not admin_user.totp_enabled
    response = admin_client.post("/accounts/me/", {"action": "totp-confirm", "code": _code(secret)})
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.totp_enabled and admin_user.totp_secret == secret


@pytest.fixture
def user_2fa(admin_client, admin_user):
    secret = enable_2fa(admin_client)
    admin_client.post("/accounts/me/", {"action": "totp-confirm", "code": _code(secret)})
    admin_user.refresh_from_db()
    assert admin_user.totp_enabled
    return admin_user, secret


def test_login_asks_for_the_code(user_2fa):
    user, secret = user_2fa
    client = english_client()
    response = login(client, user.email)
    assert response["Location"] == "/accounts/login/code/"
    # Not logged in yet.
    assert client.get("/staff/perpus-a/").status_code == 302
    # Wrong code: refused.
    response = client.post("/accounts/login/code/", {"code": "123456" if _code(secret) != "123456" else "654321"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get("/staff/perpus-a/").status_code == 302
    # The next step's code (the app's clock may run ahead) works once.
    code = _code(secret, 30)
    response = client.post("/accounts/login/code/", {"code": code})
    assert response.status_code == 302
    assert client.get("/staff/perpus-a/").status_code == 200
    # Replayed in another login: refused.
    other = english_client()
    login(other, user.email)
    response = other.post("/accounts/login/code/", {"code": code})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert other.get("/staff/perpus-a/").status_code == 302


def test_code_page_without_password_goes_back_to_login(db):
    response = Client().post("/accounts/login/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == LOGIN


@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_guessing_codes_is_throttled_even_after_the_password_again(user_2fa):
    user, secret = user_2fa
    wrong = "000000" if _code(secret) != "000000" else "111111"
    client = english_client()
    for _round in range(2):
        # The right password must not wipe out the count of wrong codes.
        assert login(client, user.email).status_code == 302
        for _ in range(2):
            client.post("/accounts/login/code/", {"code": wrong})
    response = client.post("/accounts/login/code/", {"code": _code(secret, 30)})
    assert response.status_code == 429
    assert client.get("/staff/perpus-a/").status_code == 302


def test_turning_2fa_off(user_2fa, admin_client):
    user, secret = user_2fa
    # A code from the app is needed (tests/security/test_login.py: not without one).
    admin_client.post("/accounts/me/", {"action": "totp-off", "code": _code(secret, 30)})
    user.refresh_from_db()
    assert not user.totp_enabled
    assert login(english_client(), user.email)["Location"] != "/accounts/login/code/"
