"""Helpers of the survey tests."""

from datetime import timedelta

import factories
import pytest
from django.utils import timezone
from testkit import SmtpInbox, smtp_server, text_of  # noqa: F401

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event
from sapa.survey.models import QuestionKind, SurveyQuestion
from sapa.survey.services import survey_for


def t(msgid: str) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def make_event(library, *, ended=True, **fields) -> Event:
    """Ended an hour ago (or starts in two days), registration open from ten days ago to in three days."""
    defaults = {"starts_at": timedelta(hours=-3) if ended else timedelta(days=2), "categories": False,
                "registration_opens_at": timedelta(days=-10), "registration_closes_at": timedelta(days=3)}
    return factories.make_event(library, **defaults | fields)


def register(event, n, *, start=0, language="id"):
    return [event_services.register(event, name=f"Peserta {i}", email=f"p{i}@example.org", consent=True,
                                    source="staff", language=language).registration
            for i in range(start, start + n)]


def attend(registrations, minutes=120):
    for r in registrations:
        record_attendance(r, minutes=minutes, checked_in_at=timezone.now())


def add_questions(event):
    survey = survey_for(event)
    return {
        "useful": SurveyQuestion.objects.create(survey=survey, label="Materi bermanfaat?", kind=QuestionKind.YES_NO,
                                                required=True, position=0),
        "topics": SurveyQuestion.objects.create(survey=survey, label="Topik berikutnya",
                                                kind=QuestionKind.MULTIPLE_CHOICE, position=1,
                                                choices=["Desain", "Instagram", "TikTok"]),
        "hours": SurveyQuestion.objects.create(survey=survey, label="Jam per minggu untuk medsos",
                                               kind=QuestionKind.NUMBER, position=2),
        "format": SurveyQuestion.objects.create(survey=survey, label="Format favorit",
                                                kind=QuestionKind.SINGLE_CHOICE, position=3,
                                                choices=["Webinar", "Tatap muka"]),
        "idea": SurveyQuestion.objects.create(survey=survey, label="Usul", kind=QuestionKind.SHORT_TEXT,
                                              position=4),
    }


def respond_path(registration):
    return f"/survei/{registration.public_id}/{registration.manage_token}/"




@pytest.fixture(name="ended_event")
def ended_event_fixture(library):
    return make_event(library)
