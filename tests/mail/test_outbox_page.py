"""Staff see each email's state on the outbox page and can send failed ones again."""

from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from sapa.libraries.models import AuditEntry, Role
from sapa.mail import services
from sapa.mail.models import Email, EmailState


def _email(library, subject, state, **extra):
    return Email.objects.create(library=library, to=["p@example.org"], from_email="sapa@localhost",
                                subject=subject, body_text="isi", state=state, **extra)


def test_editor_sees_states_and_errors(member_client, library, other_library):
    _email(library, "Terkirim", EmailState.SENT, sent_at=timezone.now(), attempts=1)
    _email(library, "Gagal", EmailState.FAILED, attempts=12, last_error="SMTPDataError: mailbox full")
    _email(library, "Ragu", EmailState.UNCERTAIN, attempts=1)
    _email(library, "Menunggu", EmailState.QUEUED, attempts=2, last_error="ConnectionRefusedError")
    _email(other_library, "Milik B", EmailState.SENT)
    client = member_client(Role.EDITOR)
    client.cookies["django_language"] = "en"
    page = client.get(f"/staff/{library.slug}/outbox/").content.decode()
    for text in ("Terkirim", "Gagal", "Ragu", "Menunggu", "Sent", "Failed", "Check by hand",
                 "Waiting to be sent", "mailbox full", "next try"):
        assert text in page, text
    assert "Milik B" not in page
    # Send again is offered for failed and uncertain emails only.
    assert page.count("Send again") == 2
    filtered = client.get(f"/staff/{library.slug}/outbox/?state=failed").content.decode()
    assert "Gagal" in filtered and "Terkirim" not in filtered


def test_send_again_requeues_and_delivers(member_client, library, django_capture_on_commit_callbacks):
    failed = _email(library, "Gagal", EmailState.FAILED, attempts=12, last_error="boom")
    client = member_client(Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/staff/{library.slug}/outbox/{failed.pk}/retry/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == EmailState.SENT
    assert [m.subject for m in mail.outbox] == ["Gagal"]
    assert AuditEntry.objects.get(action="email.retried").actor == client.user


def test_sent_email_cannot_be_sent_again(member_client, library):
    sent = _email(library, "Terkirim", EmailState.SENT)
    client = member_client(Role.EDITOR)
    assert client.post(f"/staff/{library.slug}/outbox/{sent.pk}/retry/").status_code == 404
    assert client.get(f"/staff/{library.slug}/outbox/{sent.pk}/retry/").status_code == 405


def test_password_reset_mail_is_not_on_any_library_outbox(admin_client, library, admin_user,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_message(EmailMessage("Pribadi", "x", to=[admin_user.email]))
    page = admin_client.get(f"/staff/{library.slug}/outbox/").content.decode()
    assert "Pribadi" not in page
