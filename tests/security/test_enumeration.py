"""Issue 11, item 9: registering answers the same for a new email and one already registered
(the form's page, its redirect token and the API), so nobody learns who is registered; the
person already registered gets their personal link by email instead."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from factories import make_event

from sapa.events import services
from sapa.events.forms import form_timestamp
from sapa.events.models import Registration
from sapa.mail.models import Email

pytestmark = pytest.mark.django_db

KNOWN = "siti@example.org"  # registered before the probe
NEW = "sari@example.org"  # never registered; masked the same way (s***@example.org)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SAPA_REGISTRATION_RATE = "1000/600"
    settings.SAPA_REGISTRATION_MIN_SECONDS = 3


@pytest.fixture
def event(library):
    event = make_event(library, title="Sharing Session", capacity=1, starts_at=timedelta(days=5),
                       registration_opens_at=timedelta(days=-1))
    # The known person holds the only seat: a newcomer is waitlisted, which an answer
    # carrying the status would give away.
    services.register(event, name="Siti Rahmawati", email=KNOWN, consent=True)
    return event


def _form(event, email):
    return {
        "name": "Penyelidik",
        "email": email,
        "whatsapp": "0812-3456-7890",
        "institution": "",
        "category": str(event.categories.first().pk),
        "consent": "on",
        "website": "",
        "ts": form_timestamp(time.time() - 10),
    }


def _page(client, event, email, capture):
    with capture(execute=True):
        response = client.post(f"/e/{event.slug}/", _form(event, email))
    assert response.status_code == 302
    token = response["Location"].split("?r=", 1)[1]
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page.content.decode())
    html = html.replace(token, "TOKEN")  # the language links repeat the address
    return token, html


def test_the_form_answers_a_known_email_exactly_as_a_new_one(
    client, event, django_capture_on_commit_callbacks
):
    known = Registration.objects.get(email=KNOWN)
    mails_before = Email.objects.filter(to=[KNOWN]).count()
    known_token, known_html = _page(client, event, KNOWN, django_capture_on_commit_callbacks)
    new_token, new_html = _page(client, event, NEW, django_capture_on_commit_callbacks)

    assert known_html == new_html
    assert "s***@example.org" in new_html
    for word in ("sudah terdaftar", "already registered", "daftar tunggu", "waiting list: number"):
        assert word not in new_html.lower() or word in known_html.lower()
    # The redirect's token is signed, not encrypted: anyone can read it. It carries nothing
    # that differs between the two cases (no "created" flag).
    for token in (known_token, new_token):
        assert set(signing.loads(token, salt="sapa.events.registered")) == {"r", "e"}

    # Nothing was added for the known email; its owner got their personal link again.
    assert Registration.objects.filter(email_normalized=KNOWN).count() == 1
    link_mails = Email.objects.filter(to=[KNOWN]).order_by("id")
    assert link_mails.count() == mails_before + 1
    known.refresh_from_db()
    assert known.manage_token in link_mails.last().body_text


def test_the_api_answers_a_known_email_with_the_same_status_and_body(client, event):
    def post(email):
        return client.post(
            f"/api/v1/events/{event.slug}/registrations",
            {
                "name": "Penyelidik",
                "email": email,
                "whatsapp": "+62 813 1111 2222",
                "category": event.categories.first().pk,
                "consent": True,
                "language": "id",
            },
            content_type="application/json",
        )

    known, new = post(KNOWN), post(NEW)
    assert known.status_code == new.status_code == 202
    known_body, new_body = known.json(), new.json()
    assert set(known_body) == set(new_body)
    # Only the random row id differs; no status, no "created", no waiting-list place.
    known_body.pop("public_id"), new_body.pop("public_id")
    assert known_body == new_body
