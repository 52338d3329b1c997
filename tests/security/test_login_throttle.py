"""Login throttle, password reset throttle, turning two-factor login off (issue 11, item 9).

The throttle test races real requests from threads against the real server
(tests/serverproc.py: granian as `sapa run` starts it) on the suite's database
(SQLite, or a fresh PostgreSQL database when DATABASE_URL is postgres://...).
"""

import re
import threading
import time
from collections import Counter

import httpx
import pyotp
import pytest
from django.test import Client, override_settings
from serverproc import sapa_server

from sapa.libraries import services
from sapa.mail.models import Email

PASSWORD = "correct-horse-battery-staple"  # tests/conftest.py
ATTEMPTS = 5
GUESSES = 24


def _csrf(client: httpx.Client) -> str:
    page = client.get("/accounts/login/")
    page.raise_for_status()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


@pytest.mark.slow
def test_parallel_password_guesses_cannot_pass_the_limit():
    env = {
        "SAPA_LOGIN_ATTEMPTS": str(ATTEMPTS),
        "SAPA_LOGIN_WINDOW": "900",
        "SAPA_WEB_WORKERS": "2",
    }
    with sapa_server(env=env) as server:
        server.python(
            "from sapa.libraries.models import User; "
            f"User.objects.create_user('target@example.org', {PASSWORD!r})"
        )
        clients = [
            httpx.Client(base_url=server.url, timeout=60, follow_redirects=False)
            for _ in range(GUESSES)
        ]
        tokens = [_csrf(c) for c in clients]
        barrier = threading.Barrier(GUESSES, timeout=60)
        statuses: list[int | None] = [None] * GUESSES

        def guess(n: int) -> None:
            barrier.wait()
            answer = clients[n].post(
                "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": tokens[n],
                    "email": "target@example.org",
                    "password": f"guess-number-{n}",
                },
            )
            statuses[n] = answer.status_code

        threads = [threading.Thread(target=guess, args=(n,), daemon=True) for n in range(GUESSES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        # The right password after the rush: still throttled.
        last = clients[0].post(
            "/accounts/login/",
            data={
                "csrfmiddlewaretoken": tokens[0],
                "email": "target@example.org",
                "password": PASSWORD,
            },
        )
        for c in clients:
            c.close()
    counted = Counter(statuses)
    # A 200 is a password that was checked ("wrong"); 429 was refused before any check.
    assert set(counted) <= {200, 429}, counted
    assert counted[200] == ATTEMPTS, counted
    assert last.status_code == 429


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_password_reset_is_throttled_per_email(admin_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    for _ in range(3):
        assert (
            client.post("/accounts/password/reset/", {"email": admin_user.email}).status_code == 302
        )
    response = client.post("/accounts/password/reset/", {"email": admin_user.email})
    assert response.status_code == 429
    assert "Too many requests. Wait" in response.content.decode()
    assert Email.objects.count() == 3  # one reset email per allowed request, none after
    # From another address the same account stays limited; another account is not.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post("/accounts/password/reset/", {"email": admin_user.email}).status_code == 429
    assert (
        other.post("/accounts/password/reset/", {"email": "someone@example.org"}).status_code == 302
    )


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_ATTEMPTS=2)
def test_password_reset_is_throttled_per_address(db):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for n in range(8):  # 4x the per-email number, spread over addresses
        assert (
            client.post("/accounts/password/reset/", {"email": f"p{n % 4}@example.org"}).status_code
            == 302
        )
    assert client.post("/accounts/password/reset/", {"email": "new@example.org"}).status_code == 429


@pytest.fixture
def with_2fa(admin_user, library):
    secret = services.new_totp_secret()
    assert services.enable_totp(admin_user, secret, pyotp.TOTP(secret).at(time.time() - 30))
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(admin_user, backend="sapa.libraries.auth.EmailBackend")
    return admin_user, secret, client


@pytest.mark.django_db
def test_two_factor_cannot_be_turned_off_without_a_code(with_2fa):
    user, secret, client = with_2fa
    client.post("/accounts/me/", {"action": "totp-off"})
    user.refresh_from_db()
    assert user.totp_enabled
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    response = client.post("/accounts/me/", {"action": "totp-off", "code": wrong})
    assert "That code is not right" in response.content.decode()
    user.refresh_from_db()
    assert user.totp_enabled and user.totp_secret == secret
    response = client.post(
        "/accounts/me/", {"action": "totp-off", "code": pyotp.TOTP(secret).now()}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.totp_enabled


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_ATTEMPTS=3)
def test_guessing_the_code_to_turn_two_factor_off_is_throttled(with_2fa):
    user, secret, client = with_2fa
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    for _ in range(3):
        client.post("/accounts/me/", {"action": "totp-off", "code": wrong})
    response = client.post(
        "/accounts/me/", {"action": "totp-off", "code": pyotp.TOTP(secret).now()}
    )
    assert "Too many failed attempts" in response.content.decode()
    user.refresh_from_db()
    assert user.totp_enabled


@pytest.mark.django_db
@override_settings(LOGIN_THROTTLE_ATTEMPTS=2)
def test_successful_logins_give_their_count_back(admin_user):
    """Counting before the check must not lock out a shared library network that logs in often."""
    from sapa.core import ratelimit

    for _ in range(12):  # more than the address's 8 attempts
        client = Client(REMOTE_ADDR="10.5.5.5")
        response = client.post(
            "/accounts/login/", {"email": admin_user.email, "password": PASSWORD}
        )
        assert response.status_code == 302
    by_email, by_ip = services._login_limits()
    assert ratelimit.peek(by_ip, "10.5.5.5") == 0
    assert ratelimit.peek(by_email, admin_user.email) == 0
    # Never below zero, and no counter made out of nothing.
    ratelimit.undo(by_ip, "10.6.6.6")
    assert ratelimit.peek(by_ip, "10.6.6.6") == 0
