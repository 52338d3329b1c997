"""Helpers of the survey tests."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event, EventStatus
from sapa.survey.models import QuestionKind, SurveyQuestion
from sapa.survey.services import survey_for


def t(msgid: str) -> str:
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid)


def make_event(library, *, slug="sharing-session", ended=True, **extra) -> Event:
    now = timezone.now()
    offset = timedelta(hours=-3) if ended else timedelta(days=2)
    fields = {"library": library, "slug": slug, "title": "Sharing Session Media Sosial", "capacity": 100,
              "starts_at": now + offset, "ends_at": now + offset + timedelta(hours=2),
              "status": EventStatus.PUBLISHED, "registration_opens_at": now - timedelta(days=10),
              "registration_closes_at": now + timedelta(days=3)}
    fields.update(extra)
    return Event.objects.create(**fields)


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
class SmtpInbox:
    """An aiosmtpd handler keeping every message (as in tests/events/public_helpers.py)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address):
        return [m for m in self.messages if address in m["To"]]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A real SMTP server (aiosmtpd) on a free port; the outbox delivers to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
