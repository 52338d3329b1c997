from datetime import timedelta

from django.utils import timezone

from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus


def make_event(library, slug="literasi-digital", capacity=100, **extra) -> Event:
    starts = (timezone.now() + timedelta(days=7)).replace(microsecond=0, second=0)
    fields = {
        "library": library,
        "slug": slug,
        "capacity": capacity,
        "title": "Literasi Digital untuk Pustakawan",
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=120),
        "status": EventStatus.PUBLISHED,
    }
    fields.update(extra)
    event = Event.objects.create(**fields)
    event_services.create_default_categories(event)
    return event


def register(event, n, prefix="peserta", capture=None):
    """n registrations through the events service, each with its on_commit jobs run."""
    out = []
    for i in range(n):
        with capture(execute=True):
            out.append(
                event_services.register(
                    event,
                    name=f"Peserta {prefix} {i:03d}",
                    email=f"{prefix}{i:03d}@example.org",
                    consent=True,
                ).registration
            )
    return out
