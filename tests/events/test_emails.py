"""Every registration email, delivered through the outbox to a real SMTP server."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import re
from datetime import timedelta

import pytest
from public_helpers import (  # noqa: F401
    _public_settings,
    attachments_of,
    event,
    make_event,
    smtp_server,
    text_of,
)

from sapa.events import services
from sapa.events.models import RegistrationStatus
from sapa.mail.models import Email, EmailState

pytestmark = pytest.mark.django_db

DATE_ID = re.compile(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ \d{4}, 09\.00–11\.30 WIB")


@pytest.fixture
def mailed(django_capture_on_commit_callbacks):
    """Run a callable and deliver the mail it queues (on_commit callbacks executed)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def register(event, email="siti@example.org", **extra):
    fields = {"name": "Siti Rahmawati", "email": email, "whatsapp": "+6281234567890",
              "category": event.categories.first(), "consent": True}
    fields.update(extra)
    return services.register(event, **fields).registration


def test_confirmation_with_ics_and_meeting_link(event, smtp_server, mailed):
    registration = mailed(register, event)
    [message] = smtp_server.messages
    assert message["To"] == "siti@example.org"
    assert message["Subject"] == f"Pendaftaran terkonfirmasi: {event.title}" or event.title in message["Subject"]
    body = text_of(message)
    assert "Siti Rahmawati" in body
    assert DATE_ID.search(body), body
    assert event.meeting_url in body
    assert services.manage_url(registration) in body
    ics = attachments_of(message)["undangan.ics"]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "BEGIN:VEVENT" in ics and "zoom.us" in ics
    assert Email.objects.get().state == EmailState.SENT


def test_confirmation_holds_the_meeting_link_back_when_asked(event, smtp_server, mailed):
    event.meeting_link_policy = "reminders"
    event.save()
    mailed(register, event)
    [message] = smtp_server.messages
    body = text_of(message)
    assert event.meeting_url not in body
    assert "pengingat" in body.lower() or "reminder" in body.lower()
    ics = attachments_of(message)["undangan.ics"]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "zoom.us" not in ics


def test_waiting_list_notice_then_promotion_after_a_cancellation(library, smtp_server, mailed):
    event = make_event(library, capacity=1)
    first = mailed(register, event, "a@example.org")
    mailed(register, event, "b@example.org")
    second = mailed(register, event, "c@example.org")
    assert second.status == RegistrationStatus.WAITLISTED
    [notice] = smtp_server.to("c@example.org")
    body = text_of(notice)
    assert "nomor 2" in body or "number 2" in body
    assert services.manage_url(second) in body
    assert not attachments_of(notice)

    mailed(services.cancel_registration, first, by="participant")
    [cancelled] = smtp_server.to("a@example.org")[1:]
    assert event.title in cancelled["Subject"]
    assert DATE_ID.search(text_of(cancelled))
    promoted = smtp_server.to("b@example.org")[1]
    assert "undangan.ics" in attachments_of(promoted)
    assert event.meeting_url in text_of(promoted)
    assert len(smtp_server.to("c@example.org")) == 1


def test_duplicate_sends_the_link_again(event, smtp_server, mailed):
    registration = mailed(register, event)
    again = mailed(services.register, event, name="X", email=" SITI@example.org ", consent=True)
    assert again.created is False
    assert len(smtp_server.messages) == 2
    link = smtp_server.messages[1]
    assert services.manage_url(registration) in text_of(link)
    assert "undangan.ics" not in attachments_of(link)


def test_event_cancelled(event, smtp_server, mailed):
    mailed(register, event, "a@example.org")
    mailed(register, event, "b@example.org")
    mailed(services.cancel_event, event)
    cancelled = [m for m in smtp_server.messages if "Dibatalkan" in m["Subject"] or "cancelled" in m["Subject"].lower()
                 or "batal" in m["Subject"].lower()]
    assert len(cancelled) == 2
    assert all(DATE_ID.search(text_of(m)) for m in cancelled)


def test_reminders_a_day_and_an_hour_before_each_once(event, smtp_server, mailed):
    event.meeting_link_policy = "reminders"
    event.save()
    registration = mailed(register, event)
    assert len(smtp_server.messages) == 1
    day_before = event.starts_at - timedelta(hours=20)
    assert mailed(services.send_due_reminders, now=day_before) == 1
    assert mailed(services.send_due_reminders, now=day_before + timedelta(minutes=5)) == 0
    hour_before = event.starts_at - timedelta(minutes=50)
    assert mailed(services.send_due_reminders, now=hour_before) == 1
    assert mailed(services.send_due_reminders, now=hour_before + timedelta(minutes=5)) == 0
    day, hour = smtp_server.messages[1:]
    assert len(smtp_server.messages) == 3
    for message in (day, hour):
        body = text_of(message)
        assert event.meeting_url in body  # the reminders carry the link the confirmation held back
        assert services.manage_url(registration) in body
        assert DATE_ID.search(body)
    assert "undangan.ics" in attachments_of(day)
    assert day["Subject"] != hour["Subject"]


def test_mail_in_the_participants_language(event, smtp_server, mailed):
    mailed(register, event, language="en")
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Registration confirmed")
    assert re.search(r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{1,2} \w+ \d{4}",
                     text_of(message))


def test_every_mail_kind_renders(event):
    """Each kind in MAIL_KINDS has its subject and body, in both languages."""
    assert set(services.MAIL_EXPECTS) == set(services.MAIL_KINDS)
    registration = register(event)
    for language in ("id", "en"):
        registration.language = language
        for kind in services.MAIL_KINDS:
            # Each kind is rendered for a registration in a status it applies to.
            registration.status = sorted(services.MAIL_EXPECTS[kind])[0]
            registration.waitlisted_at = registration.waitlisted_at or registration.created_at
            email = services.send_registration_mail(registration, kind, dedupe=f"t:{language}:{kind}")
            assert email.subject.strip() and "{%" not in email.body_text
            assert event.title in email.body_text
            assert "&amp;" not in email.body_text and "&#x27;" not in email.body_text


def test_a_notice_that_no_longer_applies_is_not_sent(event, django_capture_on_commit_callbacks):
    """A waiting-list notice rendered after the person got a seat is dropped, not sent."""
    from django.core import mail as django_mail

    from sapa.mail.models import Email, EmailState

    event.capacity = 1
    event.save()
    first = register(event)
    second = register(event, email="kedua@example.org")
    assert second.status == "waitlisted"
    # The worker has not run yet when the first person cancels and the second moves up.
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(first, by="participant")
    # Now the worker gets to the older notices too.
    from datetime import timedelta

    from django.utils import timezone

    from sapa.mail.tasks import sweep

    sweep(now=timezone.now() + timedelta(minutes=1))
    second_mails = {e.render_args.get("kind"): e for e in Email.objects.all()
                    if e.render_args.get("public_id") == str(second.public_id)
                    or e.render_args.get("registration_id") == second.pk}
    # The notice queued at registration (waiting list) is dropped; the promotion goes out.
    assert second_mails["registered"].state == EmailState.DROPPED
    assert second_mails["promoted"].state == EmailState.SENT
    sent_subjects = [m.subject for m in django_mail.outbox if "kedua@example.org" in m.to]
    assert len(sent_subjects) == 1
