"""Helpers of the staff event tests (test_staff_*, test_exports, test_api_staff)."""

from functools import partial

import factories
import pytest
from testkit import client_for, member  # noqa: F401

from sapa.events import services
from sapa.events.models import Registration, RegistrationStatus
from sapa.libraries.models import Role

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def t(msgid: str) -> str:
    """A message as the pages show it (Indonesian unless the visitor chose otherwise)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


make_event = partial(factories.make_event, slug="diskusi", capacity=3, title="Diskusi Media Sosial",
                     meeting_url="https://zoom.us/j/123")


def add(event, n, *, start=0, category=None, **extra) -> list[Registration]:
    """n registrations through the rules (confirmed while seats last, then waitlisted)."""
    out = []
    for i in range(start, start + n):
        result = services.register(
            event, name=extra.get("name", f"Peserta {i}"), email=f"p{i}@example.org",
            whatsapp=extra.get("whatsapp", f"+62812000{i:05d}"), institution=extra.get("institution", "SMA 1"),
            category=category, consent=True,
        )
        out.append(result.registration)
    return out


def statuses(event) -> dict:
    return {s: event.registrations.filter(status=s).count() for s in RegistrationStatus.values}


# Registered under their names when imported; the function names differ so that
# test parameters of the same name do not shadow an import (ruff F811).
@pytest.fixture(name="event")
def event_fixture(library):
    return make_event(library)


@pytest.fixture(name="other_event")
def other_event_fixture(other_library):
    return make_event(other_library, slug="acara-b")


ROLES = [Role.STAFF, Role.EDITOR, Role.ADMIN]
