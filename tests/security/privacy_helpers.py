"""Shared by the privacy tests of tests/security: an ended event with confirmed, attending
registrations (tests/prizes/prize_helpers is not importable from here)."""

from datetime import timedelta

from django.utils import timezone

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus


def make_event(library, *, slug="sharing-session", ended=True, **extra) -> Event:
    now = timezone.now()
    start = now - timedelta(hours=3) if ended else now + timedelta(days=3)
    fields = {
        "library": library,
        "slug": slug,
        "title": "Sharing Session Media Sosial",
        "capacity": 100,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "status": EventStatus.PUBLISHED,
        "registration_opens_at": now - timedelta(days=10),
        "registration_closes_at": now + timedelta(days=1),
    }
    fields.update(extra)
    return Event.objects.create(**fields)


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
