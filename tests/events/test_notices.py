"""The notice seam (sapa.events.notices): other apps hear each notice a participant gets, once."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

from datetime import timedelta

import pytest
from public_helpers import _public_settings, make_event  # noqa: F401

from sapa.events import services
from sapa.events.models import RegistrationStatus
from sapa.events.notices import notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    notice.connect(receiver, dispatch_uid="test-notices")
    yield received
    notice.disconnect(dispatch_uid="test-notices")


def register(event, email):
    return services.register(event, name="Siti", email=email, category=event.categories.first(),
                             consent=True).registration


def test_registration_cancellation_promotion_and_reminders_are_heard_once(library, heard):
    event = make_event(library, capacity=1)
    first = register(event, "a@example.org")
    second = register(event, "b@example.org")
    assert second.status == RegistrationStatus.WAITLISTED
    assert [h["kind"] for h in heard] == ["registered", "registered"]
    assert heard[0]["registration_id"] is None and heard[0]["public_id"] == str(first.public_id)
    assert heard[0]["library_id"] == library.pk

    heard.clear()
    services.cancel_registration(first, by="participant")
    assert [(h["kind"], h["registration_id"]) for h in heard] == [
        ("cancelled", first.pk), ("promoted", second.pk)]

    heard.clear()
    day_before = event.starts_at - timedelta(hours=20)
    services.send_due_reminders(now=day_before)
    services.send_due_reminders(now=day_before + timedelta(minutes=5))  # already sent: not heard again
    assert [(h["kind"], h["registration_id"]) for h in heard] == [("reminder_day", second.pk)]
