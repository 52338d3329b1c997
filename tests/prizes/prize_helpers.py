"""Helpers of the prizes tests: an event that has ended, attendees, prizes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus
from sapa.libraries.models import Membership
from sapa.prizes.models import Prize, PrizeVariant


def t(msgid: str) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def make_event(library, *, slug="sharing-session", **extra) -> Event:
    """An event that ended an hour ago (registration was open before it)."""
    now = timezone.now()
    fields = {"library": library, "slug": slug, "title": "Sharing Session Media Sosial", "capacity": 100,
              "starts_at": now - timedelta(hours=3), "ends_at": now - timedelta(hours=1),
              "status": EventStatus.PUBLISHED, "registration_opens_at": now - timedelta(days=10),
              "registration_closes_at": now + timedelta(days=1)}
    fields.update(extra)
    event = Event.objects.create(**fields)
    return event


def register(event, n, *, start=0, name=None, language="id"):
    """n confirmed registrations (staff source: allowed after the start)."""
    out = []
    for i in range(start, start + n):
        result = event_services.register(
            event, name=name or f"Dewi Sartika {i}", email=f"p{i}@example.org", consent=True,
            whatsapp="+6281200000000", source="staff", language=language)
        out.append(result.registration)
    return out


def attend(registrations, minutes=120):
    for r in registrations:
        record_attendance(r, minutes=minutes, checked_in_at=timezone.now())


def add_prize(event, name="Mug", quantity=1, variants=(), position=0) -> Prize:
    total = sum(s for _n, s in variants) or quantity
    prize = Prize.objects.create(event=event, name=name, quantity=total, position=position)
    for i, (variant, stock) in enumerate(variants):
        PrizeVariant.objects.create(prize=prize, name=variant, stock=stock, position=i)
    return prize


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    return client


def member(make_user, library, role, email=None) -> Client:
    user = make_user(email or f"{role}-{library.slug}@example.org")
    Membership.objects.create(user=user, library=library, role=role)
    client = client_for(user)
    client.user = user
    return client


@pytest.fixture(name="ended_event")
def ended_event_fixture(library):
    return make_event(library)


class SmtpInbox:
    """An aiosmtpd handler keeping every message (as in tests/events/public_helpers.py)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A real SMTP server (aiosmtpd) on a free port; the outbox delivers to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
