"""Security headers, cookies under HTTPS, password hashing."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client


def test_headers_on_a_page(db):
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # Without SAPA_HTTPS there is no HSTS, and cookies work over plain HTTP.
    assert "Strict-Transport-Security" not in response
    assert not response.cookies["csrftoken"]["secure"]


def test_headers_on_the_api_and_staff_pages(admin_client, library):
    for url in (f"/staff/{library.slug}/", "/api/v1/openapi.json"):
        response = admin_client.get(url)
        assert response["X-Frame-Options"] == "DENY", url
        assert "Content-Security-Policy" in response, url


HTTPS_PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "sapa.settings"
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/accounts/login/", secure=True)
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security"),
    "csrf_secure": bool(response.cookies["csrftoken"]["secure"]),
    "session_secure": settings.SESSION_COOKIE_SECURE,
    "proxy_header": list(settings.SECURE_PROXY_SSL_HEADER or []),
    "hasher": settings.PASSWORD_HASHERS[0],
}))
"""


@pytest.mark.slow
def test_https_mode_sends_hsts_and_secure_cookies(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"SAPA_HTTPS": "1", "SAPA_DATA_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "-c", HTTPS_PROBE], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["hsts"].startswith("max-age=31536000")
    assert probe["csrf_secure"] and probe["session_secure"]
    assert probe["proxy_header"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert probe["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_passwords_are_hashed_with_argon2():
    from django.contrib.auth.hashers import Argon2PasswordHasher

    import sapa.settings

    # The tests use a fast hasher (tests/conftest.py); the product uses argon2.
    assert sapa.settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    encoded = Argon2PasswordHasher().encode("rahasia-sekali", Argon2PasswordHasher().salt())
    assert encoded.startswith("argon2$") and Argon2PasswordHasher().verify("rahasia-sekali", encoded)
