"""Helpers of the attendance tests: the article's sharing session on Tuesday
21 July 2020, 09.00–11.30 WIB (150 minutes), and its registrations."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test import Client

from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus, Registration, RegistrationStatus
from sapa.libraries.models import Membership

FILES = Path(__file__).resolve().parent / "files"
JAKARTA = ZoneInfo("Asia/Jakarta")

PEOPLE = [
    # name, email, status
    ("Siti Rahmawati", "siti.rahmawati@example.org", RegistrationStatus.CONFIRMED),
    ("Ni Luh Putu Wéndi", "niluh.wendi@example.org", RegistrationStatus.CONFIRMED),
    ("Budi Santoso", "budi.santoso@example.org", RegistrationStatus.CONFIRMED),
    ("Dewi Lestari", "dewi.lestari@example.org", RegistrationStatus.CONFIRMED),
    ("Hendra Wijaya", "hendra.wijaya@example.org", RegistrationStatus.CONFIRMED),
    ("Agus Kurniawan", "agus.kurniawan@example.org", RegistrationStatus.CONFIRMED),
    ("Joko Susilo", "joko.susilo@example.org", RegistrationStatus.CONFIRMED),
    ("Rudi Hartono", "rudi.hartono@example.org", RegistrationStatus.CANCELLED),
    ("Wulan Sari", "wulan.sari@example.org", RegistrationStatus.WAITLISTED),
]


def make_session(library, slug="sharing-session", **extra) -> Event:
    starts = datetime(2020, 7, 21, 9, 0, tzinfo=JAKARTA)
    fields = {
        "library": library, "slug": slug, "capacity": 100,
        "title": "Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        "starts_at": starts, "ends_at": datetime(2020, 7, 21, 11, 30, tzinfo=JAKARTA),
        "status": EventStatus.PUBLISHED, "meeting_url": "https://us02web.zoom.us/j/81234567890",
    }
    fields.update(extra)
    event = Event.objects.create(**fields)
    event_services.create_default_categories(event)
    return event


def add_people(event, people=PEOPLE) -> dict[str, Registration]:
    out = {}
    for name, email, status in people:
        out[name] = Registration.objects.create(
            event=event, status=status, name=name, email=email, email_normalized=email.lower(),
            institution="Perpustakaan Daerah",
        )
    return out


def member_client(make_user, library, role, email=None) -> Client:
    user = make_user(email or f"{role}-{library.slug}@example.org", name=f"{role} {library.slug}")
    Membership.objects.create(user=user, library=library, role=role)
    client = Client()
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    client.user = user
    return client


def t(msgid: str) -> str:
    """A message as the pages show it (Indonesian, the default language)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()
