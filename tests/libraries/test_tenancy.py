"""Staff of one library never see another library's pages; roles gate the rest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sapa.libraries.models import Invitation, Membership, Role
from sapa.mail.models import Email, EmailState

STAFF_PAGES = ["", "settings/", "staff/", "audit/", "outbox/"]


@pytest.fixture
def b_objects(other_library):
    """Objects of library B whose ids A's admin might try."""
    membership = other_library.memberships.get()
    invitation = Invitation.objects.create(
        library=other_library, email="new@example.org", role=Role.STAFF, token_hash="x" * 64,
        expires_at=timezone.now() + timedelta(days=7),
    )
    email = Email.objects.create(library=other_library, to=["p@example.org"], from_email="a@b.c",
                                 subject="B's mail", body_text="hi", state=EmailState.FAILED)
    return {"membership": membership, "invitation": invitation, "email": email}


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_own_library_pages_answer(admin_client, library, page):
    assert admin_client.get(f"/staff/{library.slug}/{page}").status_code == 200


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_other_library_pages_are_404(admin_client, other_library, page):
    assert admin_client.get(f"/staff/{other_library.slug}/{page}").status_code == 404


def test_other_library_post_urls_are_404(admin_client, library, other_library, b_objects):
    b = other_library.slug
    m, inv, em = b_objects["membership"], b_objects["invitation"], b_objects["email"]
    urls = [
        f"/staff/{b}/staff/{m.pk}/",
        f"/staff/{b}/invitations/{inv.pk}/revoke/",
        f"/staff/{b}/outbox/{em.pk}/retry/",
        # B's objects under A's own address: still not found.
        f"/staff/{library.slug}/staff/{m.pk}/",
        f"/staff/{library.slug}/invitations/{inv.pk}/revoke/",
        f"/staff/{library.slug}/outbox/{em.pk}/retry/",
    ]
    for url in urls:
        response = admin_client.post(url, {"role": Role.STAFF, "action": "remove"})
        assert response.status_code == 404, url
    # Nothing of B's changed.
    m.refresh_from_db()
    inv.refresh_from_db()
    em.refresh_from_db()
    assert m.role == Role.ADMIN and Membership.objects.filter(pk=m.pk).exists()
    assert inv.revoked_at is None
    assert em.state == EmailState.FAILED


def test_other_library_is_not_in_the_switcher(admin_client, library, other_library):
    page = admin_client.get(f"/staff/{library.slug}/").content.decode()
    assert library.name in page
    assert other_library.name not in page


@pytest.mark.parametrize(
    "role, page, status",
    [
        (Role.STAFF, "", 200),
        (Role.STAFF, "settings/", 404),
        (Role.STAFF, "staff/", 404),
        (Role.STAFF, "audit/", 404),
        (Role.STAFF, "outbox/", 404),
        (Role.EDITOR, "outbox/", 200),
        (Role.EDITOR, "settings/", 404),
        (Role.EDITOR, "staff/", 404),
        (Role.EDITOR, "audit/", 404),
    ],
)
def test_roles_gate_pages(member_client, library, role, page, status):
    client = member_client(role)
    assert client.get(f"/staff/{library.slug}/{page}").status_code == status


def test_navigation_shows_only_what_the_role_allows(member_client, library):
    page = member_client(Role.STAFF).get(f"/staff/{library.slug}/").content.decode()
    assert f"/staff/{library.slug}/outbox/" not in page
    assert f"/staff/{library.slug}/settings/" not in page
    page = member_client(Role.EDITOR, email="ed@example.org").get(f"/staff/{library.slug}/").content.decode()
    assert f"/staff/{library.slug}/outbox/" in page
    assert f"/staff/{library.slug}/settings/" not in page


def test_staff_member_cannot_change_roles(member_client, library, admin_user):
    client = member_client(Role.EDITOR)
    admin_membership = Membership.objects.get(user=admin_user, library=library)
    response = client.post(f"/staff/{library.slug}/staff/{admin_membership.pk}/", {"role": Role.STAFF})
    assert response.status_code == 404
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.ADMIN


def test_anonymous_is_sent_to_login(client, library):
    response = client.get(f"/staff/{library.slug}/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_api_other_library_is_404_with_error_body(client, library, other_library, admin_user):
    from sapa.libraries.services import create_api_token

    _token, raw = create_api_token(admin_user, "test")
    auth = {"Authorization": f"Bearer {raw}"}
    own = client.get(f"/api/v1/libraries/{library.slug}", headers=auth)
    assert own.status_code == 200
    assert own.json()["slug"] == library.slug
    response = client.get(f"/api/v1/libraries/{other_library.slug}", headers=auth)
    assert response.status_code == 404
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == "not_found"
    listed = client.get("/api/v1/libraries", headers=auth).json()
    assert [item["slug"] for item in listed] == [library.slug]
