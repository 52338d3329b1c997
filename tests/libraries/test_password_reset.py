"""Password reset by email: through the outbox, delivered once, the link works."""

import re

from django.core import mail
from django.test import Client, override_settings

from sapa.mail.models import Email, EmailState


def _request_reset(client, email, capture):
    with capture(execute=True):
        response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302
    return response


def _link(body):
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", body)
    assert match, body
    return match.group(1)


def test_reset_mail_goes_through_the_outbox_and_the_link_works(
    admin_user, library, django_capture_on_commit_callbacks
):
    client = Client()
    _request_reset(client, "Admin@Example.org", django_capture_on_commit_callbacks)
    row = Email.objects.get()
    assert row.to == [admin_user.email]
    assert row.state == EmailState.SENT and row.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [admin_user.email]
    link = _link(message.body)

    # The link leads to the form (Django swaps the token for a session marker).
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new = "a-brand-new-pass-2024"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"

    fresh = Client()
    assert fresh.post("/accounts/login/", {"email": admin_user.email, "password": new}).status_code == 302
    old = Client()
    response = old.post("/accounts/login/", {"email": admin_user.email,
                                             "password": "correct-horse-battery-staple"})
    assert response.status_code == 200

    # Used once, the link is no longer valid.
    response = Client().get(link, follow=True)
    assert b"new_password1" not in response.content


def test_unknown_email_sends_nothing_but_looks_the_same(db, django_capture_on_commit_callbacks):
    response = _request_reset(Client(), "nobody@example.org", django_capture_on_commit_callbacks)
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert Email.objects.count() == 0
    assert mail.outbox == []


@override_settings(LOGIN_THROTTLE_ATTEMPTS=2)
def test_reset_lifts_the_login_throttle(admin_user, library, django_capture_on_commit_callbacks):
    """The throttle message says "or reset your password": that must work."""
    client = Client()
    for _ in range(2):
        client.post("/accounts/login/", {"email": admin_user.email, "password": "wrong"})
    assert client.post("/accounts/login/", {"email": admin_user.email,
                                            "password": "x"}).status_code == 429
    _request_reset(client, admin_user.email, django_capture_on_commit_callbacks)
    response = client.get(_link(mail.outbox[0].body), follow=True)
    new = "a-brand-new-pass-2024"
    client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    response = Client().post("/accounts/login/", {"email": admin_user.email, "password": new})
    assert response.status_code == 302
