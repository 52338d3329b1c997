"""Shared by the privacy tests of tests/security: an ended event with confirmed, attending
registrations (tests/prizes/prize_helpers is not importable from here)."""

from datetime import timedelta

import factories
from django.utils import timezone

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event


def make_event(library, *, ended=True, **fields) -> Event:
    """Ended an hour ago (or starts in three days), registration open from ten days ago to tomorrow."""
    defaults = {"starts_at": timedelta(hours=-3) if ended else timedelta(days=3), "categories": False,
                "registration_opens_at": timedelta(days=-10), "registration_closes_at": timedelta(days=1)}
    return factories.make_event(library, **defaults | fields)


def register(event, n, *, start=0, attended=False):
    out = []
    for i in range(start, start + n):
        result = event_services.register(
            event,
            name=f"Dewi Sartika {i}",
            email=f"p{i}@example.org",
            consent=True,
            whatsapp="+6281200000000",
            source="staff",
            language="id",
        )
        out.append(result.registration)
        if attended:
            record_attendance(result.registration, minutes=120, checked_in_at=timezone.now())
    return out
