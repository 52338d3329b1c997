"""The public event page and its registration form: states, registration, bad input, bot checks."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from public_helpers import _public_settings, event, form_data, make_event  # noqa: F401

from sapa.events import services
from sapa.events.forms import PROVINCES, form_timestamp
from sapa.events.models import (
    EventStatus,
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Speaker,
    Visibility,
)
from sapa.mail.models import Email

pytestmark = pytest.mark.django_db


def url(event):
    return reverse("event-public", args=[event.slug])


def post(client, event, **overrides):
    return client.post(url(event), form_data(event, **overrides))


def test_page_shows_the_event(client, event):
    Speaker.objects.create(event=event, name="Diar Sunyono", role="Kepala Bagian Umum dan Perpustakaan")
    event.description = "Materi **media sosial**.\n\n<script>alert(1)</script>[x](javascript:alert(1))"
    event.save()
    response = client.get(url(event))
    html = response.content.decode()
    assert response.status_code == 200
    assert f"<title>{event.title}" in html
    assert 'property="og:title"' in html and 'property="og:description"' in html
    assert f'property="og:url" content="http://127.0.0.1:8000/e/{event.slug}/"' in html
    assert "og:image" not in html  # no poster
    assert "Diar Sunyono" in html and "Kepala Bagian Umum dan Perpustakaan" in html
    assert "<strong>media sosial</strong>" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "Zoom" in html
    assert "100 kursi tersisa" in html or "100 seats left" in html
    assert re.search(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d+ \w+ \d{4}, \d\d\.\d\d–\d\d\.\d\d WIB",
                     html), "the date in the Indonesian format"
    # The form: no JavaScript, the honeypot hidden from people and screen readers.
    assert "<script" not in html
    assert '<div class="hp" aria-hidden="true">' in html and 'tabindex="-1"' in html
    assert 'name="ts"' in html
    for province in ("Aceh", "Papua Barat Daya", "DKI Jakarta"):
        assert f">{province}</option>" in html
    assert len(PROVINCES) == 38


def test_page_weight_under_100_kb(client, event, settings):
    """HTML plus the stylesheet, as a phone downloads them (uncompressed, the worst case)."""
    from django.contrib.staticfiles import finders

    for i in range(3):
        Speaker.objects.create(event=event, name=f"Narasumber {i}", role="Pustakawan")
    for kind in ("single_choice", "multiple_choice", "yes_no", "number", "date", "phone", "long_text"):
        Question.objects.create(event=event, label=f"Pertanyaan {kind}", kind=kind,
                                choices=["Satu", "Dua", "Tiga"])
    event.description = "Deskripsi acara yang cukup panjang. " * 60
    event.save()
    html = client.get(url(event)).content
    css_path = finders.find("sapa/sapa.css")
    with open(css_path, "rb") as fh:
        css = fh.read()
    total = len(html) + len(css)
    print(f"page weight: html={len(html)} css={len(css)} total={total} bytes")
    assert total < 100 * 1024


def test_og_image_is_the_poster(client, event, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    event.poster.name = "events/posters/flyer.png"
    event.save()
    html = client.get(url(event)).content.decode()
    assert 'property="og:image" content="http://127.0.0.1:8000/media/events/posters/flyer.png"' in html


def test_draft_is_not_public(client, event):
    event.status = EventStatus.DRAFT
    event.save()
    assert client.get(url(event)).status_code == 404


def test_unlisted_is_reachable_but_not_listed(client, event, library):
    event.visibility = Visibility.UNLISTED
    event.save()
    assert client.get(url(event)).status_code == 200
    home = client.get(reverse("library-public", args=[library.slug])).content.decode()
    assert event.title not in home
    assert event.title not in client.get(f"/{library.slug}/events.ics").content.decode()


def test_library_home_lists_upcoming_events(client, event, library):
    home = client.get(reverse("library-public", args=[library.slug])).content.decode()
    assert event.title in home and url(event) in home


def test_library_feed(client, event, library):
    response = client.get(f"/{library.slug}/events.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "Sharing Session Media Sosial" in body
    assert "zoom.us" not in body  # the feed is public: no meeting link
    assert client.get("/no-such-library/events.ics").status_code == 404


def test_register_confirmed_then_confirmation_page(client, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event, email="  Siti@Example.org ")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.email_normalized == "siti@example.org"
    assert registration.whatsapp == "+6281234567890"
    assert registration.language == "id"
    assert registration.consent is not None and registration.consent_given_at is not None
    questions = {q.label: str(q.pk) for q in event.questions.all()}
    assert registration.answers == {
        questions["Jabatan"]: "Pustakawan Ahli Muda",
        questions["Asal daerah"]: {"province": "Jawa Barat", "regency": "Kota Bandung"},
    }
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Periksa email Anda" in html or "Check your email" in html
    assert "S***@Example.org" in html
    assert registration.manage_token not in html
    assert Email.objects.filter(to=["Siti@Example.org"]).count() == 1


def test_language_of_the_registration_follows_the_visitor(client, event):
    client.cookies["django_language"] = "en"
    post(client, event)
    assert Registration.objects.get().language == "en"


def test_full_event_offers_the_waiting_list(client, library):
    event = make_event(library, capacity=1)
    post(client, event, email="a@example.org")
    html = client.get(url(event)).content.decode()
    assert "Penuh: masuk daftar tunggu" in html or "Fully booked: join the waiting list" in html
    response = post(client, event, email="b@example.org")
    waiting = Registration.objects.get(email="b@example.org")
    assert waiting.status == RegistrationStatus.WAITLISTED
    # The place on the list is in the email and on the personal page, not on the answer page.
    assert services.waitlist_position(waiting) == 1
    assert "Periksa email Anda" in client.get(response["Location"]).content.decode()


def test_duplicate_email_shows_existing_and_resends_link(client, event, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, event, email="siti@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, event, email=" SITI@example.ORG", name="Siti R.")
    assert Registration.objects.count() == 1
    assert Registration.objects.get().name == "Siti Rahmawati"
    html = client.get(response["Location"]).content.decode()
    assert "Periksa email Anda" in html or "Check your email" in html  # the same page as a new registration
    assert Email.objects.count() == 2  # the confirmation, then the link again


@pytest.mark.parametrize("overrides, field, message", [
    ({"email": "siti@example"}, "email", "valid email"),
    ({"email": ""}, "email", "email address"),
    ({"whatsapp": "12345"}, "whatsapp", "WhatsApp"),
    ({"whatsapp": "021 5551234"}, "whatsapp", "mobile number"),
    ({"name": ""}, "name", "full name"),
    ({"name": "x" * 151}, "name", "at most 150"),
    ({"institution": "x" * 201}, "institution", "at most 200"),
    ({"consent": None}, "consent", "consent"),
    ({"category": "999999"}, "category", "categories"),
    ({"category": None}, "category", "category"),
])
def test_bad_input_is_refused_and_nothing_stored(client, event, overrides, field, message):
    client.cookies["django_language"] = "en"
    response = post(client, event, **overrides)
    assert response.status_code == 400
    with translation.override("en"):  # the errors are lazy; outside the request Indonesian is active
        assert message in str(response.context["form"].errors[field][0])
    assert "Please correct the marked fields." in response.content.decode()
    assert Registration.objects.count() == 0 and Email.objects.count() == 0


def test_missing_required_answer_and_overlong_answer(client, event):
    client.cookies["django_language"] = "en"
    jabatan = event.questions.get(label="Jabatan")
    response = post(client, event, **{f"q_{jabatan.pk}": ""})
    assert response.status_code == 400
    assert "Please answer this question." in response.content.decode()
    response = post(client, event, **{f"q_{jabatan.pk}": "x" * 301})
    assert response.status_code == 400
    assert "at most 300" in response.content.decode()
    region = event.questions.get(kind=QuestionKind.REGION)
    response = post(client, event, **{f"q_{region.pk}": "Atlantis"})
    assert response.status_code == 400
    assert "Choose a province from the list." in response.content.decode()
    assert Registration.objects.count() == 0


def test_every_question_kind(client, library):
    event = make_event(library, slug="kinds")
    q = {kind: Question.objects.create(event=event, label=kind, kind=kind, required=True,
                                       choices=["Instagram", "Facebook", "WhatsApp"])
         for kind in ("single_choice", "multiple_choice", "yes_no", "number", "date", "phone", "long_text")}
    data = form_data(event, **{
        f"q_{q['single_choice'].pk}": "Facebook", f"q_{q['yes_no'].pk}": "no",
        f"q_{q['number'].pk}": "12", f"q_{q['date'].pk}": "17/08/1990",
        f"q_{q['phone'].pk}": "(021) 3456 7890", f"q_{q['long_text'].pk}": "Panjang\ncerita",
    })
    data[f"q_{q['multiple_choice'].pk}"] = ["Instagram", "WhatsApp"]
    response = client.post(url(event), data)
    assert response.status_code == 302, response.context["form"].errors
    answers = Registration.objects.get().answers
    assert answers == {
        str(q["single_choice"].pk): "Facebook", str(q["multiple_choice"].pk): ["Instagram", "WhatsApp"],
        str(q["yes_no"].pk): False, str(q["number"].pk): 12, str(q["date"].pk): "1990-08-17",
        str(q["phone"].pk): "+622134567890", str(q["long_text"].pk): "Panjang\ncerita",
    }
    bad = form_data(event, email="other@example.org", **{
        f"q_{q['single_choice'].pk}": "Twitter", f"q_{q['number'].pk}": "dua belas",
        f"q_{q['date'].pk}": "kemarin", f"q_{q['phone'].pk}": "123",
    })
    response = client.post(url(event), bad)
    assert response.status_code == 400
    assert set(response.context["form"].errors) >= {
        f"q_{q[k].pk}" for k in ("single_choice", "number", "date", "phone", "multiple_choice", "yes_no")}
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("state", ["closed", "cancelled", "not_yet"])
def test_no_registration_outside_the_open_window(client, event, state):
    client.cookies["django_language"] = "en"
    now = timezone.now()
    if state == "closed":
        event.registration_closes_at = now - timedelta(minutes=1)
    elif state == "not_yet":
        event.registration_opens_at = now + timedelta(days=1)
    else:
        event.status = EventStatus.CANCELLED
    event.save()
    page = client.get(url(event)).content.decode()
    assert 'name="email"' not in page
    expected = {"closed": "Registration is closed.", "cancelled": "This event has been cancelled.",
                "not_yet": "Registration opens on"}[state]
    assert expected in page
    response = post(client, event)
    assert response.status_code == 400
    assert Registration.objects.count() == 0 and Email.objects.count() == 0


def test_honeypot_filled_is_refused(client, event):
    client.cookies["django_language"] = "en"
    response = post(client, event, website="http://spam.example")
    assert response.status_code == 400
    assert "a field meant to stay empty was filled" in response.content.decode()
    assert Registration.objects.count() == 0


def test_too_fast_and_stale_and_forged_timestamps(client, event, settings):
    client.cookies["django_language"] = "en"
    response = post(client, event, ts=form_timestamp(time.time() - 1))
    assert response.status_code == 400
    assert "faster than a person" in response.content.decode()
    response = post(client, event, ts=form_timestamp(time.time() - 25 * 3600))
    assert "too old" in response.content.decode()
    response = post(client, event, ts="forged")
    assert "could not be checked" in response.content.decode()
    assert Registration.objects.count() == 0
    settings.SAPA_REGISTRATION_MIN_SECONDS = 0
    assert post(client, event, ts=form_timestamp()).status_code == 302


def test_rate_limit_answers_429_and_stores_nothing(client, event, settings):
    settings.SAPA_REGISTRATION_RATE = "2/600"
    assert post(client, event, email="a@example.org").status_code == 302
    assert post(client, event, email="b@example.org").status_code == 302
    response = post(client, event, email="c@example.org")
    assert response.status_code == 429
    assert "Terlalu banyak" in response.content.decode() or "Too many" in response.content.decode()
    assert not Registration.objects.filter(email="c@example.org").exists()
    # The page itself is still there for readers.
    assert client.get(url(event)).status_code == 200


def test_rate_limit_can_be_switched_off(client, event, settings):
    settings.SAPA_REGISTRATION_RATE = "off"
    for i in range(3):
        assert post(client, event, email=f"p{i}@example.org").status_code == 302


def test_confirmation_link_cannot_be_forged(client, event):
    response = client.get(reverse("event-registered", args=[event.slug]) + "?r=forged")
    assert response.status_code == 302 and response["Location"] == url(event)


def test_seats_left_shown(client, library):
    event = make_event(library, capacity=3)
    services.register(event, name="A", email="a@example.org", consent=True)
    html = client.get(url(event)).content.decode()
    assert "2 kursi tersisa" in html or "2 seats left" in html
