"""Helpers of the prizes tests: an event that has ended, attendees, prizes."""

from datetime import timedelta
from functools import partial

import factories
import pytest
from django.utils import timezone
from testkit import SmtpInbox, client_for, member, smtp_server, text_of  # noqa: F401

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.prizes.models import Prize, PrizeVariant


def t(msgid: str) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


# An event that ended an hour ago (registration was open before it).
make_event = partial(factories.make_event, starts_at=timedelta(hours=-3), categories=False,
                     registration_opens_at=timedelta(days=-10), registration_closes_at=timedelta(days=1))


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


@pytest.fixture(name="ended_event")
def ended_event_fixture(library):
    return make_event(library)


