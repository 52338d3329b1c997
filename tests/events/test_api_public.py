"""The public events API: list, detail and registration under the form's rules."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from public_helpers import _public_settings, api_body, event, make_event  # noqa: F401

from sapa.events.models import EventStatus, Registration, RegistrationStatus, Visibility
from sapa.mail.models import Email

pytestmark = pytest.mark.django_db


def post(client, event, body):
    return client.post(f"/api/v1/events/{event.slug}/registrations", json.dumps(body),
                       content_type="application/json")


def test_list_only_public_published_upcoming(client, library, other_library, event):
    make_event(library, slug="draft", status=EventStatus.DRAFT)
    make_event(library, slug="unlisted", visibility=Visibility.UNLISTED)
    past = timezone.now() - timedelta(days=3)
    make_event(library, slug="past", starts_at=past, ends_at=past + timedelta(hours=2))
    make_event(other_library, slug="elsewhere")
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    assert [e["slug"] for e in response.json()] == ["sharing-session", "elsewhere"]
    response = client.get("/api/v1/events?library=perpus-b")
    assert [e["slug"] for e in response.json()] == ["elsewhere"]
    first = client.get("/api/v1/events").json()[0]
    assert first["seats_left"] == 100 and first["registration_state"] == "open"


def test_detail(client, event):
    body = client.get(f"/api/v1/events/{event.slug}").json()
    assert body["platform"] == "Zoom" and body["seats_left"] == 100
    assert [c["name"] for c in body["categories"]][0] == "Pustakawan"
    assert [q["kind"] for q in body["questions"]] == ["short_text", "region"]
    assert "meeting_url" not in body and "zoom.us" not in json.dumps(body)
    draft = make_event(event.library, slug="draft", status=EventStatus.DRAFT)
    assert client.get(f"/api/v1/events/{draft.slug}").status_code == 404
    assert client.get("/api/v1/events/none").json()["error"]["code"] == "not_found"


def test_register_then_duplicate(client, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event, api_body(event))
    assert response.status_code == 202
    body = response.json()
    registration = Registration.objects.get()
    assert body["status"] == "received" and body["public_id"] == str(registration.public_id)
    assert set(body) == {"status", "public_id", "detail"}
    assert registration.source == "api" and registration.whatsapp == "+6281311112222"
    assert registration.category.name == "Guru"
    assert registration.manage_token not in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = post(client, event, api_body(event, email="BUDI@example.org ", name="Other"))
    # The same answer as for a new email (tests/security/test_enumeration.py).
    assert again.status_code == 202 and again.json() == body
    assert Registration.objects.count() == 1
    assert Email.objects.count() == 2  # confirmation, then the link again


def test_register_waitlisted(client, library):
    event = make_event(library, capacity=1)
    assert post(client, event, api_body(event, email="a@example.org")).json()["status"] == "received"
    response = post(client, event, api_body(event, email="b@example.org", category=event.categories.last().pk))
    assert response.status_code == 202
    assert Registration.objects.get(email="b@example.org").status == RegistrationStatus.WAITLISTED


@pytest.mark.parametrize("overrides, field", [
    ({"email": "not-an-email"}, "email"),
    ({"whatsapp": "0812"}, "whatsapp"),
    ({"consent": False}, "consent"),
    ({"category": "Astronot"}, "category"),
    ({"name": "x" * 151}, "name"),
    ({"answers": {}}, "answers.{jabatan}"),
])
def test_register_invalid(client, event, overrides, field):
    jabatan = event.questions.get(label="Jabatan").pk
    response = post(client, event, api_body(event, **overrides))
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field.format(jabatan=jabatan) in error["details"]
    assert Registration.objects.count() == 0 and Email.objects.count() == 0


def test_register_malformed_body(client, event):
    response = client.post(f"/api/v1/events/{event.slug}/registrations", "{", content_type="application/json")
    assert response.status_code in (400, 422)
    assert "error" in response.json()
    response = post(client, event, api_body(event, consent="maybe"))
    assert response.status_code == 422
    assert Registration.objects.count() == 0


def test_register_closed_and_cancelled(client, event):
    event.registration_closes_at = timezone.now() - timedelta(minutes=1)
    event.save()
    response = post(client, event, api_body(event))
    assert response.status_code == 409 and response.json()["error"]["code"] == "closed"
    event.status = EventStatus.CANCELLED
    event.save()
    assert post(client, event, api_body(event)).json()["error"]["code"] == "cancelled"
    assert Registration.objects.count() == 0


def test_rate_limit_shared_with_the_form(client, event, settings):
    settings.SAPA_REGISTRATION_RATE = "2/600"
    assert post(client, event, api_body(event, email="a@example.org")).status_code == 202
    assert post(client, event, api_body(event, email="b@example.org")).status_code == 202
    response = post(client, event, api_body(event, email="c@example.org"))
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert Registration.objects.count() == 2
