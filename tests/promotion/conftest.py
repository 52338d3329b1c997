"""Fixtures of the promotion tests: an open event with speakers, categories and a region question."""

from datetime import timedelta

import factories
import pytest

from sapa.events.models import Question, QuestionKind, Speaker
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
    """factories.make_event for `library` (or `lib`), in ten days, registration open since yesterday."""

    def make(lib=None, **fields):
        defaults = {"slug": "webinar-medsos", "title": "Sharing Session Pengelolaan Media Sosial Perpustakaan",
                    "starts_at": timedelta(days=10), "meeting_url": "https://us02web.zoom.us/j/81234567890",
                    "registration_opens_at": timedelta(days=-1)}
        return factories.make_event(lib or library, **defaults | fields)

    return make


@pytest.fixture
def event(make_event):
    event = make_event()
    Question.objects.create(event=event, label="Asal provinsi", kind=QuestionKind.REGION, required=False,
                            position=1)
    for position, name in enumerate(["Diar Sunyono", "Rina Kartikasari, S.IP.", "Dewindah"]):
        Speaker.objects.create(event=event, name=name, role="Narasumber", position=position)
    return event
