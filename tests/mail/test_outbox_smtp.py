"""The outbox against a real SMTP server (aiosmtpd): down, then up; every mail once."""

import email as email_lib
import smtplib
import socket
import threading
from datetime import timedelta
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import EmailMessage
from django.utils import timezone

from sapa.mail import services, tasks
from sapa.mail.models import Email, EmailState


class Recorder:
    """An aiosmtpd handler that keeps every message and refuses some recipients."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos),
                                  email_lib.message_from_bytes(envelope.original_content)))
        return "250 Message accepted"

    def subjects(self):
        return sorted(str(m["Subject"]) for _, m in self.messages)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, port):
        self.port = port
        self.handler = Recorder()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """An SMTP server on a free port, not started: the test starts it."""
    server = SmtpServer(free_port())
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def queue(n, library=None, **kwargs):
    return [
        services.enqueue_message(EmailMessage(f"Pesan {i}", f"Isi {i}", to=[f"orang{i}@example.org"],
                                              **kwargs), library=library)
        for i in range(n)
    ]


def make_due(*emails):
    Email.objects.filter(pk__in=[e.pk for e in emails]).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5))


def test_down_then_up_every_mail_sent_once(smtp, db, django_capture_on_commit_callbacks):
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        emails = queue(3)
    for row in Email.objects.all():
        assert row.state == EmailState.QUEUED
        assert row.attempts == 1
        assert "Connection refused" in row.last_error or "Errno" in row.last_error
        assert row.next_attempt_at > before + timedelta(seconds=20)
    first_delay = Email.objects.get(pk=emails[0].pk).next_attempt_at - timezone.now()

    # Still down: the next attempt waits longer.
    make_due(emails[0])
    assert tasks.deliver(emails[0].pk) == EmailState.QUEUED
    row = Email.objects.get(pk=emails[0].pk)
    assert row.attempts == 2
    assert row.next_attempt_at - timezone.now() > first_delay + timedelta(seconds=20)

    # Not due yet: a delivery attempt does nothing.
    assert tasks.deliver(emails[1].pk) == "skipped"

    smtp.start()
    make_due(*emails)
    result = tasks.sweep()
    assert result["queued"] == 3
    assert smtp.handler.subjects() == ["Pesan 0", "Pesan 1", "Pesan 2"]
    for row in Email.objects.all():
        assert row.state == EmailState.SENT and row.sent_at is not None and row.last_error == ""

    # Again: nothing more goes out.
    tasks.sweep()
    tasks.sweep(now=timezone.now() + timedelta(days=1))
    for e in emails:
        assert tasks.deliver(e.pk) == "skipped"
    assert len(smtp.handler.messages) == 3


def test_sent_at_once_when_the_server_is_up(smtp, db, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        queue(2)
    assert smtp.handler.subjects() == ["Pesan 0", "Pesan 1"]
    assert set(Email.objects.values_list("state", flat=True)) == {EmailState.SENT}


def test_gives_up_after_the_last_attempt(smtp, db, settings, django_capture_on_commit_callbacks):
    settings.MAIL_MAX_ATTEMPTS = 2
    with django_capture_on_commit_callbacks(execute=True):
        (email,) = queue(1)
    make_due(email)
    assert tasks.deliver(email.pk) == EmailState.FAILED
    row = Email.objects.get(pk=email.pk)
    assert row.attempts == 2 and row.state == EmailState.FAILED and row.last_error


def test_send_abandoned_by_a_dead_worker_is_sent_again_with_the_same_message_id(
        smtp, db, django_capture_on_commit_callbacks):
    """Transactional email: a duplicate is harmless, a missing one is not (issue 12 item 3)."""
    smtp.start()
    (email,) = queue(1)
    # The first attempt reached the mail server; then its worker died before writing it down.
    assert tasks.deliver(email.pk) == EmailState.SENT
    Email.objects.filter(pk=email.pk).update(state=EmailState.SENDING, claimed_by="elsewhere:1:gone",
                                             claimed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["resent"] == 1
    row = Email.objects.get(pk=email.pk)
    assert row.state == EmailState.SENT and row.attempts == 2
    first, second = (m for _, m in smtp.handler.messages)
    assert first["Message-ID"] == second["Message-ID"] == tasks.message_id(row)
    assert first["Message-ID"].startswith(f"<sapa.{row.pk}.")


def test_send_claimed_before_workers_had_names_is_sent_again_once_stale(
        smtp, db, django_capture_on_commit_callbacks):
    smtp.start()
    (email,) = queue(1)
    Email.objects.filter(pk=email.pk).update(
        state=EmailState.SENDING, attempts=1,
        claimed_at=timezone.now() - tasks.STALE_SENDING - timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep()["resent"] == 1
    assert Email.objects.get(pk=email.pk).state == EmailState.SENT
    assert len(smtp.handler.messages) == 1


def test_recent_send_is_left_alone_by_the_sweep(smtp, db):
    (email,) = queue(1)
    from sapa.core import workers

    Email.objects.filter(pk=email.pk).update(state=EmailState.SENDING, claimed_at=timezone.now(),
                                             claimed_by=workers.NAME)  # this process: alive
    assert tasks.sweep()["resent"] == 0
    assert Email.objects.get(pk=email.pk).state == EmailState.SENDING


def test_refused_recipient_fails_for_good(smtp, db, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        email = services.enqueue_message(EmailMessage("Ditolak", "x", to=["refused@example.org"]))
    row = Email.objects.get(pk=email.pk)
    assert row.state == EmailState.FAILED
    assert "refused" in row.last_error
    make_due(row)
    tasks.sweep()
    assert Email.objects.get(pk=email.pk).state == EmailState.FAILED
    assert smtp.handler.messages == []


def test_error_after_the_server_took_the_message_does_not_resend(
    smtp, db, django_capture_on_commit_callbacks
):
    smtp.start()
    with mock.patch.object(smtplib.SMTP, "quit", side_effect=smtplib.SMTPResponseException(421, b"bye")):
        with django_capture_on_commit_callbacks(execute=True):
            (email,) = queue(1)
    assert Email.objects.get(pk=email.pk).state == EmailState.SENT
    tasks.sweep(now=timezone.now() + timedelta(days=1))
    assert len(smtp.handler.messages) == 1


def test_blind_copies_stay_blind(smtp, db, django_capture_on_commit_callbacks):
    smtp.start()
    with django_capture_on_commit_callbacks(execute=True):
        services.enqueue_message(EmailMessage("Rahasia", "x", to=["a@example.org"],
                                              cc=["c@example.org"], bcc=["b@example.org"]))
    ((rcpts, message),) = smtp.handler.messages
    assert sorted(rcpts) == ["a@example.org", "b@example.org", "c@example.org"]
    assert "b@example.org" not in str(message)
    assert message["To"] == "a@example.org" and message["Cc"] == "c@example.org"
