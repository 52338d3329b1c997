"""Shared fixtures and helpers of the public event tests (import what you use).

`smtp_server` is a real SMTP server (aiosmtpd) on a free port, with the
outbox delivering to it; `event` is an open event with the five categories,
a required question and a region question.
"""

import time
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import factories
import pytest
from django.utils import timezone
from testkit import SmtpInbox, attachments_of, smtp_server, text_of  # noqa: F401

from sapa.events.forms import form_timestamp, question_field_name, regency_field_name
from sapa.events.models import Question, QuestionKind

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _public_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    settings.SAPA_REGISTRATION_RATE = "1000/600"
    settings.SAPA_REGISTRATION_MIN_SECONDS = 3


def make_event(library, **fields):
    # 09.00–11.30 WIB, five days ahead: on one day whatever the time the tests run.
    day = (timezone.now() + timedelta(days=5)).astimezone(JAKARTA).date()
    starts = datetime.combine(day, dtime(9, 0), tzinfo=JAKARTA)
    defaults = {"description": "Berbagi **pengalaman**.", "starts_at": starts,
                "ends_at": starts + timedelta(hours=2, minutes=30), "meeting_url": "https://us02web.zoom.us/j/123456789",
                "registration_opens_at": timedelta(days=-1)}
    return factories.make_event(library, **defaults | fields)


@pytest.fixture
def event(library):
    event = make_event(library)
    Question.objects.create(event=event, label="Jabatan", kind=QuestionKind.SHORT_TEXT, required=True,
                            position=0)
    Question.objects.create(event=event, label="Asal daerah", kind=QuestionKind.REGION, required=False,
                            position=1)
    return event


def form_data(event, **overrides):
    """A valid web form submission for `event`, served 10 seconds ago."""
    data = {
        "name": "Siti Rahmawati", "email": "siti@example.org", "whatsapp": "0812-3456-7890",
        "institution": "Perpustakaan Kota", "category": str(event.categories.first().pk),
        "consent": "on", "website": "", "ts": form_timestamp(time.time() - 10),
    }
    for question in event.questions.all():
        if question.kind == QuestionKind.SHORT_TEXT:
            data[question_field_name(question)] = "Pustakawan Ahli Muda"
        elif question.kind == QuestionKind.REGION:
            data[question_field_name(question)] = "Jawa Barat"
            data[regency_field_name(question)] = "Kota Bandung"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def api_body(event, **overrides):
    body = {
        "name": "Budi Santoso", "email": "budi@example.org", "whatsapp": "+62 813 1111 2222",
        "institution": "SMA Negeri 1", "category": "Guru", "consent": True, "language": "id",
        "answers": {},
    }
    for question in event.questions.all():
        if question.kind == QuestionKind.SHORT_TEXT:
            body["answers"][str(question.pk)] = "Guru Bahasa Indonesia"
        elif question.kind == QuestionKind.REGION:
            body["answers"][str(question.pk)] = {"province": "DI Yogyakarta", "regency": "Kabupaten Sleman"}
    body.update(overrides)
    return body
