"""Fixtures of the live board tests: an event, its participants and their board clients.

`board_client(registration)` is a Django test client that entered the board
through the personal link (so it holds the board's signed cookie).
"""

from datetime import timedelta

import factories
import pytest
from django.test import Client
from live_helpers import enter_url

from sapa.events.models import RegistrationStatus
from sapa.live import hub as hub_module


@pytest.fixture(autouse=True)
def _hosts(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]


@pytest.fixture
def event(library):
    """Began half an hour ago, ends in two hours."""
    return factories.make_event(library, title="Sharing session", starts_at=-timedelta(minutes=30),
                                ends_at=timedelta(hours=2), categories=False)


@pytest.fixture
def other_event(library):
    return factories.make_event(library, slug="lain", title="Acara lain", starts_at=timedelta(0), categories=False)


@pytest.fixture
def make_registration(event):
    """factories.make_registration, for `event` unless `target` is given, emails at contoh.id."""

    def make(name="Budi Santoso", email=None, target=None, status=RegistrationStatus.CONFIRMED):
        email = email or f"{name.split()[0].lower()}@contoh.id"
        return factories.make_registration(target or event, name, email, status=status)

    return make


@pytest.fixture
def board_client():
    def make(registration):
        client = Client()
        response = client.get(enter_url(registration))
        assert response.status_code == 302
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_hub():
    """Each test starts with no open stream in this process, and no listener holding a connection."""
    yield
    hub_module.hub.stop()
    with hub_module.hub._lock:
        hub_module.hub._subs.clear()
        hub_module.hub._known.clear()
        hub_module.hub._count = 0
