"""Helpers of the attendance tests: the article's sharing session on Tuesday
21 July 2020, 09.00–11.30 WIB (150 minutes), and its registrations."""

from datetime import timedelta
from functools import partial
from pathlib import Path

import factories
from django.test import Client
from factories import ARTICLE_SESSION, JAKARTA  # noqa: F401  (the tests import JAKARTA from here)
from testkit import client_for

from sapa.events.models import Registration, RegistrationStatus

FILES = Path(__file__).resolve().parent / "files"

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


# The article's sharing session, 09.00–11.30 WIB.
make_session = partial(
    factories.make_event, title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
    starts_at=ARTICLE_SESSION, ends_at=ARTICLE_SESSION + timedelta(hours=2, minutes=30),
    meeting_url="https://us02web.zoom.us/j/81234567890",
)


def add_people(event, people=PEOPLE) -> dict[str, Registration]:
    return {name: factories.make_registration(event, name, email, status=status, institution="Perpustakaan Daerah")
            for name, email, status in people}


def member_client(make_user, library, role, email=None) -> Client:
    """testkit.member, with a name (`make_user`, the fixture, is there for the database)."""
    return client_for(factories.make_member(library, role, email, name=f"{role} {library.slug}"))


def t(msgid: str) -> str:
    """A message as the pages show it (Indonesian, the default language)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()
