"""Django's admin: off by default; when on, only behind Sapa's login (throttle, two-factor code).

Issue 11, item 2: /admin/ had its own login form, which skipped the login
throttle and the TOTP step.
"""

import time

import pyotp
import pytest
from django.test import Client, override_settings

from sapa.libraries import services

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests/conftest.py
ADMIN_PAGES = ["/admin/", "/admin/login/", "/admin/libraries/user/", "/admin/events/registration/"]


@pytest.fixture
def root(make_user):
    return make_user("root@example.org", is_superuser=True, is_staff=True)


def sapa_login(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"email": email, "password": password})


def test_admin_is_off_by_default_even_for_a_logged_in_superuser(root):
    client = Client()
    assert sapa_login(client, root.email).status_code == 302
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 404, url
    # Its own login form takes no password either.
    response = Client().post("/admin/login/", {"username": root.email, "password": PASSWORD})
    assert response.status_code == 404


@override_settings(SAPA_ADMIN=True)
def test_admin_login_form_is_sapas_login(root):
    client = Client()
    response = client.get("/admin/login/?next=/admin/libraries/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "/admin/libraries/user/" in response["Location"]
    # A password posted to the admin's form logs nobody in.
    client.post("/admin/login/", {"username": root.email, "password": PASSWORD, "next": "/admin/"})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    # Through Sapa's login the superuser gets in.
    assert sapa_login(client, root.email).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/libraries/user/").status_code == 200


@override_settings(SAPA_ADMIN=True, LOGIN_THROTTLE_ATTEMPTS=3)
def test_admin_cannot_be_used_to_pass_the_login_throttle(root):
    for _ in range(3):
        sapa_login(Client(), root.email, "wrong-password")
    client = Client()
    assert sapa_login(client, root.email).status_code == 429
    client.post("/admin/login/", {"username": root.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert "_auth_user_id" not in client.session


@override_settings(SAPA_ADMIN=True)
def test_admin_needs_the_two_factor_code_when_the_account_has_it(root):
    secret = services.new_totp_secret()
    assert services.enable_totp(root, secret, pyotp.TOTP(secret).now())
    # A session that did not come through Sapa's login (or skipped the code) does not count.
    forced = Client()
    forced.force_login(root, backend="sapa.libraries.auth.EmailBackend")
    assert forced.get("/admin/").status_code == 302
    assert forced.get("/admin/libraries/user/").status_code == 302
    client = Client()
    assert sapa_login(client, root.email)["Location"] == "/accounts/login/code/"
    assert client.get("/admin/").status_code == 302
    response = client.post(
        "/accounts/login/code/", {"code": pyotp.TOTP(secret).at(time.time() + 30)}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


@override_settings(SAPA_ADMIN=True)
def test_password_session_stops_counting_once_2fa_is_turned_on(root):
    client = Client()
    sapa_login(client, root.email)
    assert client.get("/admin/").status_code == 200
    secret = services.new_totp_secret()
    services.enable_totp(root, secret, pyotp.TOTP(secret).now())
    assert client.get("/admin/").status_code == 302


@override_settings(SAPA_ADMIN=True)
def test_library_admins_who_are_not_superusers_stay_out(admin_user, library):
    client = Client()
    sapa_login(client, admin_user.email)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/libraries/library/").status_code == 302
