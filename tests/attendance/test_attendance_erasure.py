"""When an event's retention ends, its saved Zoom chat and the live board's log go too."""

from datetime import timedelta

import pytest

from sapa.attendance import services as attendance
from sapa.attendance.models import ChatImport, ChatMessage
from sapa.events import services as events
from sapa.live import services as live
from sapa.live.models import Update

pytestmark = pytest.mark.django_db

CHAT = "09:05:10 From Dewi Sartika : Selamat pagi, izin bertanya tentang Instagram?\n"


def test_retention_erases_the_chat_and_the_board_log(session, people):
    event = session
    registration = next(r for r in people.values() if r.status == "confirmed")
    attendance.import_chat(event, CHAT.encode(), "meeting_saved_chat.txt")
    assert ChatMessage.objects.filter(event=event).count() == 1
    live.post_question(event, live.Participant(f"r:{registration.pk}", registration),
                       "Bagaimana mengatur jadwal unggahan?")
    assert Update.objects.filter(event=event).exists()

    later = event.ends_at + timedelta(days=event.retention_days + 1)
    events.anonymize_expired(now=later)

    assert not ChatMessage.objects.filter(event=event).exists()
    assert ChatImport.objects.get(event=event).messages == 1  # the count stays
    assert not Update.objects.filter(event=event).exists()
    registration.refresh_from_db()
    assert registration.anonymized_at and registration.name == ""
