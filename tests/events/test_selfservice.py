"""The participant's personal link: see, correct, download, cancel, leave the waiting list,
export and erase; and retention."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from public_helpers import _public_settings, event, make_event  # noqa: F401

from sapa.events import services
from sapa.events.models import DataRequest, Registration, RegistrationStatus

pytestmark = pytest.mark.django_db


def register(event, email="siti@example.org", name="Siti Rahmawati"):
    return services.register(event, name=name, email=email, whatsapp="+6281234567890",
                             institution="Perpustakaan Kota", category=event.categories.first(),
                             consent=True).registration


def manage(registration, suffix=""):
    return reverse("registration-manage", args=[registration.public_id, registration.manage_token]) + suffix


def test_personal_page_shows_the_registration(client, event):
    registration = register(event)
    response = client.get(manage(registration))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Siti Rahmawati" in html and "siti@example.org" in html and "Pustakawan" in html
    assert event.meeting_url in html  # policy: the link at confirmation
    assert response["X-Frame-Options"] == "DENY"


def test_meeting_link_held_back_until_the_reminders(client, event):
    event.meeting_link_policy = "reminders"
    event.save()
    html = client.get(manage(register(event))).content.decode()
    assert event.meeting_url not in html


def test_wrong_token_is_404_like_a_missing_registration(client, event):
    registration = register(event)
    token = registration.manage_token
    wrong = reverse("registration-manage", args=[registration.public_id, ("y" if token[0] == "x" else "x") + token[1:]])
    assert client.get(wrong).status_code == 404
    assert client.get(wrong + "ics").status_code == 404
    assert client.post(wrong.replace(registration.manage_token[1:], registration.manage_token[1:]) + "batal/"
                       ).status_code == 404
    import uuid

    missing = reverse("registration-manage", args=[uuid.uuid4(), registration.manage_token])
    assert client.get(missing).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_correct_the_name(client, event):
    registration = register(event, name="Siti Rahmawti")
    response = client.post(manage(registration), {"name": "  Siti   Rahmawati "})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.name == "Siti Rahmawati"
    response = client.post(manage(registration), {"name": "x" * 151})
    assert response.status_code == 400
    response = client.post(manage(registration), {"name": ""})
    assert response.status_code == 400
    registration.refresh_from_db()
    assert registration.name == "Siti Rahmawati"


def test_download_ics(client, event):
    registration = register(event)
    response = client.get(manage(registration, "ics"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and "zoom.us" in body


def test_cancel_with_confirm_step_promotes_the_next(client, library, django_capture_on_commit_callbacks):
    event = make_event(library, capacity=1)
    first = register(event, "a@example.org")
    second = register(event, "b@example.org")
    assert second.status == RegistrationStatus.WAITLISTED
    confirm = client.get(manage(first, "batal/"))
    assert confirm.status_code == 200
    first.refresh_from_db()
    assert first.status == RegistrationStatus.CONFIRMED  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(manage(first, "batal/"))
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == RegistrationStatus.CANCELLED and first.cancelled_by == "participant"
    assert second.status == RegistrationStatus.CONFIRMED and second.promoted_at is not None
    html = client.get(response["Location"]).content.decode()
    assert "dibatalkan" in html or "cancelled" in html


def test_leave_the_waiting_list(client, library):
    event = make_event(library, capacity=1)
    register(event, "a@example.org")
    second = register(event, "b@example.org")
    third = register(event, "c@example.org")
    page = client.get(manage(third)).content.decode()
    assert "nomor 2" in page or "number 2" in page
    client.post(manage(second, "batal/"))
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CANCELLED
    page = client.get(manage(third)).content.decode()
    assert "nomor 1" in page or "number 1" in page


def test_export_my_data(client, event):
    registration = register(event)
    assert client.get(manage(registration, "data.json")).status_code == 405  # POST only
    response = client.post(manage(registration, "data.json"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["name"] == "Siti Rahmawati" and data["email"] == "siti@example.org"
    assert data["consent"]["version"] == 1
    assert DataRequest.objects.filter(kind="export").count() == 1


def test_delete_my_data(client, library):
    event = make_event(library, capacity=1)
    registration = register(event, "a@example.org")
    waiting = register(event, "b@example.org")
    assert client.get(manage(registration, "hapus/")).status_code == 200
    link = manage(registration)
    response = client.post(manage(registration, "hapus/"))
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.name == "" and registration.email == "" and registration.anonymized_at
    assert registration.status == RegistrationStatus.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert client.get(link).status_code == 404


def test_csrf_is_required(event):
    from django.test import Client

    registration = register(event)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(manage(registration, "batal/")).status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_retention_anonymizes_and_keeps_counts(client, library):
    event = make_event(library, capacity=2, retention_days=30)
    for i in range(3):
        register(event, f"p{i}@example.org")
    link = manage(Registration.objects.first())
    later = event.ends_at + timedelta(days=31)
    assert services.anonymize_expired(now=event.ends_at + timedelta(days=29)) == 0
    assert services.anonymize_expired(now=later) == 3
    assert Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED).count() == 2
    assert Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED).count() == 1
    assert not Registration.objects.exclude(email="").exists()
    assert not Registration.objects.exclude(whatsapp="").exists()
    assert set(Registration.objects.values_list("category__name", flat=True)) == {"Pustakawan"}
    assert client.get(link).status_code == 404
    assert services.anonymize_expired(now=later + timedelta(days=1)) == 0
    assert timezone.now()  # the event keeps its numbers for reports


def test_the_first_emails_link_leads_to_the_registration_made_again_after_cancelling(client, event):
    """Issue 13, item 6: cancel, register again, open the first email's link."""
    first = register(event)
    first_link = manage(first)
    client.post(first_link + "batal/")
    again = services.register(event, name="Siti Rahmawati", email="Siti@Example.org", whatsapp="+6281234567890",
                              institution="Perpustakaan Kota", category=event.categories.first(), consent=True)
    assert again.created and again.registration.status == RegistrationStatus.CONFIRMED
    response = client.get(first_link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Siti Rahmawati" in html and "Halaman tidak ditemukan" not in html
    assert manage(again.registration) == first_link
