"""Personal API tokens: made on the account page, shown once, kept hashed, revocable."""

import hashlib
import re

import pytest
from django.test import Client

from sapa.libraries.models import ApiToken, AuditEntry


def _error(response, status):
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    return body["error"]


@pytest.fixture
def token(admin_client):
    """Create a token the way a user does; return the raw value shown."""
    response = admin_client.post("/accounts/me/", {"action": "token", "name": "kiosk display"})
    assert response.status_code == 200
    match = re.search(r'<code class="token">(sapa_[A-Za-z0-9_-]+)</code>', response.content.decode())
    assert match
    return match.group(1)


def test_token_is_shown_once_and_stored_hashed(admin_client, admin_user, token):
    stored = ApiToken.objects.get()
    assert stored.user == admin_user and stored.name == "kiosk display"
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.token_hash and token != stored.prefix
    assert not ApiToken.objects.filter(token_hash=token).exists()
    # The account page lists it by name and prefix, never the whole token again.
    page = admin_client.get("/accounts/me/").content.decode()
    assert "kiosk display" in page and stored.prefix in page
    assert token not in page
    assert AuditEntry.objects.filter(action="api_token.created", actor=admin_user).exists()


def test_bearer_token_reads_me_and_libraries(token, admin_user, library, other_library):
    auth = {"Authorization": f"Bearer {token}"}
    client = Client()
    me = client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200
    body = me.json()
    assert body["email"] == admin_user.email
    assert [lib["slug"] for lib in body["libraries"]] == [library.slug]
    assert body["libraries"][0]["role"] == "admin"
    libraries = client.get("/api/v1/libraries", headers=auth)
    assert libraries.status_code == 200
    assert [lib["slug"] for lib in libraries.json()] == [library.slug]
    assert ApiToken.objects.get().last_used_at is not None


def test_revoked_token_is_refused(admin_client, token):
    stored = ApiToken.objects.get()
    auth = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/v1/me", headers=auth).status_code == 200
    response = admin_client.post(f"/accounts/me/tokens/{stored.pk}/revoke/")
    assert response.status_code == 302
    error = _error(Client().get("/api/v1/me", headers=auth), 401)
    assert error["code"] == "unauthorized"
    assert "kiosk display" not in admin_client.get("/accounts/me/").content.decode()


def test_someone_elses_token_cannot_be_revoked(token, make_user):
    stored = ApiToken.objects.get()
    other = Client()
    other.force_login(make_user("other@example.org"), backend="sapa.libraries.auth.EmailBackend")
    assert other.post(f"/accounts/me/tokens/{stored.pk}/revoke/").status_code == 404
    stored.refresh_from_db()
    assert stored.revoked_at is None


@pytest.mark.parametrize("header", [
    "Bearer sapa_not-a-real-token",
    "Bearer garbage",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    None,
])
def test_bad_tokens_get_401_with_the_error_body(db, header):
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/api/v1/me", "/api/v1/libraries"):
        error = _error(Client().get(path, headers=headers), 401)
        assert error["code"] == "unauthorized"
        assert error["message"]


def test_inactive_user_token_is_refused(token, admin_user):
    admin_user.is_active = False
    admin_user.save()
    _error(Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_session_login_is_not_enough_for_the_api(admin_client):
    _error(admin_client.get("/api/v1/me"), 401)


def test_unknown_api_path_uses_the_error_body(token):
    error = _error(Client().get("/api/v1/libraries/no-such-library",
                                headers={"Authorization": f"Bearer {token}"}), 404)
    assert error["code"] == "not_found"
