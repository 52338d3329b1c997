"""Fixtures of the promotion tests: an open event with speakers, categories and a region question."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sapa.events import services
from sapa.events.models import Event, EventStatus, Question, QuestionKind, Speaker, Visibility
from sapa.promotion import clicks, links


@pytest.fixture(autouse=True)
def _promotion_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    settings.SAPA_REGISTRATION_RATE = "1000/600"
    settings.SAPA_REGISTRATION_MIN_SECONDS = 0
    settings.BASE_URL = "https://sapa.example.id"
    links._CACHE.clear()
    clicks._SEEN.clear()
    yield
    links._CACHE.clear()
    clicks._SEEN.clear()


@pytest.fixture
def make_event(library):
    def make(slug="webinar-medsos", capacity=100, lib=None, **extra):
        now = timezone.now()
        fields = {
            "title": "Sharing Session Pengelolaan Media Sosial Perpustakaan",
            "starts_at": now + timedelta(days=10), "ends_at": now + timedelta(days=10, hours=2),
            "meeting_url": "https://us02web.zoom.us/j/81234567890", "capacity": capacity,
            "status": EventStatus.PUBLISHED, "visibility": Visibility.PUBLIC,
            "registration_opens_at": now - timedelta(days=1),
        }
        fields.update(extra)
        event = Event.objects.create(library=lib or library, slug=slug, **fields)
        services.create_default_categories(event)
        return event

    return make


@pytest.fixture
def event(make_event):
    event = make_event()
    Question.objects.create(event=event, label="Asal provinsi", kind=QuestionKind.REGION, required=False,
                            position=1)
    for position, name in enumerate(["Diar Sunyono", "Rina Kartikasari, S.IP.", "Dewindah"]):
        Speaker.objects.create(event=event, name=name, role="Narasumber", position=position)
    return event
