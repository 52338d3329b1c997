"""An admin invites staff by email; the link lets them join with the invited role."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from factories import PASSWORD

from sapa.libraries.models import AuditEntry, Invitation, Membership, Role, User
from sapa.mail.models import Email, EmailState


def invite(client, library, capture, email="baru@example.org", role=Role.EDITOR):
    with capture(execute=True):
        response = client.post(f"/staff/{library.slug}/staff/", {"email": email, "role": role},
                               REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 302, response.content.decode()[:2000]
    return _link(mail.outbox[-1].body)


def _link(body):
    match = re.search(r"https?://[^/\s]+(/accounts/invite/[^\s/]+/)", body)
    assert match, body
    return match.group(1)


def test_invited_newcomer_signs_up_and_lands_in_the_library(
    admin_client, admin_user, library, django_capture_on_commit_callbacks
):
    link = invite(admin_client, library, django_capture_on_commit_callbacks)
    email = Email.objects.get()
    assert email.library == library and email.state == EmailState.SENT
    assert mail.outbox[0].to == ["baru@example.org"]
    assert library.name in mail.outbox[0].subject
    created = AuditEntry.objects.get(action="invitation.created")
    assert created.actor == admin_user and created.ip == "192.0.2.7" and created.library == library
    # The raw token is not stored.
    raw = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token_hash=raw).exists()

    newcomer = Client()
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "baru@example.org" in page.content.decode()
    response = newcomer.post(link, {"name": "Budi", "password1": PASSWORD, "password2": PASSWORD},
                             REMOTE_ADDR="198.51.100.3")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/{library.slug}/"
    user = User.objects.get(email="baru@example.org")
    assert user.name == "Budi"
    assert Membership.objects.get(user=user, library=library).role == Role.EDITOR
    # Logged in, and an editor sees the outbox.
    assert newcomer.get(f"/staff/{library.slug}/outbox/").status_code == 200
    accepted = AuditEntry.objects.get(action="invitation.accepted")
    assert accepted.actor == user and accepted.ip == "198.51.100.3"
    # Used: the link is now invalid.
    assert Client().get(link).status_code == 404


def test_signup_checks_the_passwords(admin_client, library, django_capture_on_commit_callbacks):
    link = invite(admin_client, library, django_capture_on_commit_callbacks)
    newcomer = Client()
    newcomer.cookies["django_language"] = "en"
    response = newcomer.post(link, {"name": "Budi", "password1": PASSWORD, "password2": "other"})
    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    response = newcomer.post(link, {"name": "Budi", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert not User.objects.filter(email="baru@example.org").exists()


def test_existing_user_must_log_in_first(
    admin_client, library, make_user, django_capture_on_commit_callbacks
):
    person = make_user("ada@example.org")
    link = invite(admin_client, library, django_capture_on_commit_callbacks, email="ADA@example.org",
                  role=Role.STAFF)
    client = Client()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Membership.objects.filter(user=person).exists()
    # Logging in brings them back to the invitation.
    response = client.post(response["Location"], {"email": person.email, "password": PASSWORD,
                                                  "next": link})
    assert response["Location"] == link
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response["Location"] == f"/staff/{library.slug}/"
    assert Membership.objects.get(user=person, library=library).role == Role.STAFF


def test_someone_else_logged_in_cannot_take_the_invitation(
    admin_client, library, make_user, django_capture_on_commit_callbacks
):
    link = invite(admin_client, library, django_capture_on_commit_callbacks)
    intruder = make_user("intruder@example.org")
    client = Client()
    client.force_login(intruder, backend="sapa.libraries.auth.EmailBackend")
    assert client.post(link).status_code == 403
    assert not Membership.objects.filter(user=intruder).exists()


def test_expired_link_is_invalid(admin_client, library, django_capture_on_commit_callbacks):
    link = invite(admin_client, library, django_capture_on_commit_callbacks)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = Client().get(link)
    assert response.status_code == 404
    assert b"new_password" not in response.content and b"password1" not in response.content


def test_withdrawn_link_is_invalid(admin_client, library, django_capture_on_commit_callbacks):
    link = invite(admin_client, library, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    response = admin_client.post(f"/staff/{library.slug}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    assert Client().get(link).status_code == 404
    assert Client().post(link, {"name": "X", "password1": PASSWORD, "password2": PASSWORD}).status_code == 404
    assert not User.objects.filter(email="baru@example.org").exists()
    assert AuditEntry.objects.filter(action="invitation.revoked").exists()


def test_a_second_invitation_replaces_the_first(admin_client, library, django_capture_on_commit_callbacks):
    first = invite(admin_client, library, django_capture_on_commit_callbacks)
    second = invite(admin_client, library, django_capture_on_commit_callbacks)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200


def test_garbage_link_is_invalid(db):
    assert Client().get("/accounts/invite/not-a-real-token/").status_code == 404


@pytest.mark.parametrize("role", [Role.STAFF, Role.EDITOR])
def test_non_admin_cannot_invite(member_client, library, role):
    client = member_client(role)
    response = client.post(f"/staff/{library.slug}/staff/", {"email": "x@example.org", "role": Role.ADMIN})
    assert response.status_code == 404
    assert not Invitation.objects.exists()
    assert not Email.objects.exists()


def test_existing_member_is_not_invited_again(admin_client, admin_user, library):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(f"/staff/{library.slug}/staff/",
                                 {"email": admin_user.email.upper(), "role": Role.STAFF})
    assert response.status_code == 200
    assert "already on the staff" in response.content.decode()
    assert not Invitation.objects.exists()
