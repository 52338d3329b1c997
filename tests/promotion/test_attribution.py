"""Attribution: a short-link click through to the registration's channel, by the form and the API."""

import json

import pytest
from django.test import Client
from promotion_helpers import INSTAGRAM_UA, PHONE_UA

from sapa.events.forms import form_timestamp
from sapa.events.models import Registration
from sapa.promotion import attribution, links
from sapa.promotion.models import Channel

pytestmark = pytest.mark.django_db


def form_data(event, email):
    category = event.categories.first()
    return {"name": "Siti Wahyuni", "email": email, "whatsapp": "0812 3456 7890",
            "institution": "Perpustakaan Daerah", "category": str(category.pk), "consent": "on",
            "website": "", "ts": form_timestamp()}


def api_body(email):
    return {"name": "Budi Santoso", "email": email, "whatsapp": "0813 1111 2222",
            "category": "Guru", "consent": True}


def register_by_form(client, event, email):
    response = client.post(f"/e/{event.slug}/", form_data(event, email))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Registration.objects.get(event=event, email_normalized=email)


def test_click_then_form_registration_records_the_channel(event):
    link = links.event_link(event, Channel.INSTAGRAM)
    phone = Client(HTTP_USER_AGENT=INSTAGRAM_UA)
    response = phone.get(f"/s/{link.code}")
    assert response.cookies["sapa_ch"]["httponly"]
    assert phone.get(response["Location"]).status_code == 200  # the event page, with the UTM parameters
    registration = register_by_form(phone, event, "siti@example.org")
    assert registration.channel == "instagram"


def test_first_touch_wins_within_the_visit(event):
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    phone.get(links.event_link(event, Channel.WHATSAPP).path)
    later = phone.get(links.event_link(event, Channel.FACEBOOK).path)
    assert "sapa_ch" not in later.cookies  # not replaced
    assert register_by_form(phone, event, "dewi@example.org").channel == "whatsapp"


def test_touch_is_per_event(event, make_event):
    other = make_event(slug="webinar-lain")
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    phone.get(links.event_link(event, Channel.EMAIL).path)
    phone.get(links.event_link(other, Channel.TELEGRAM).path)
    assert register_by_form(phone, event, "a@example.org").channel == "email"
    assert register_by_form(phone, other, "a@example.org").channel == "telegram"


def test_without_a_click_the_channel_is_empty(event):
    assert register_by_form(Client(HTTP_USER_AGENT=PHONE_UA), event, "b@example.org").channel == ""


def test_a_forged_cookie_is_ignored(event):
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    phone.cookies["sapa_ch"] = json.dumps({str(event.pk): ["instagram", 9999999999]})
    assert register_by_form(phone, event, "c@example.org").channel == ""


def test_click_then_api_registration_records_the_channel(event):
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    phone.get(links.event_link(event, Channel.X).path)
    response = phone.post(f"/api/v1/events/{event.slug}/registrations", json.dumps(api_body("budi@example.org")),
                          content_type="application/json")
    assert response.status_code == 202, response.content
    assert Registration.objects.get(email_normalized="budi@example.org").channel == "x"


def test_api_takes_the_channel_from_utm_source(event):
    client = Client(HTTP_USER_AGENT=PHONE_UA)
    url = f"/api/v1/events/{event.slug}/registrations"
    response = client.post(url + "?utm_source=whatsapp&utm_medium=social", json.dumps(api_body("e@example.org")),
                           content_type="application/json")
    assert response.status_code == 202
    assert Registration.objects.get(email_normalized="e@example.org").channel == "whatsapp"
    client.post(url + "?utm_source=<script>", json.dumps(api_body("f@example.org")), content_type="application/json")
    assert Registration.objects.get(email_normalized="f@example.org").channel == ""


def test_bots_get_no_cookie_and_the_cookie_stays_small(event, make_event, rf):
    from django.http import HttpResponse

    request = rf.get("/s/x")
    response = HttpResponse()
    for n in range(attribution.MAX_EVENTS + 5):
        request.COOKIES = {attribution.COOKIE: response.cookies[attribution.COOKIE].value} if n else {}
        assert attribution.remember(request, response, n + 1, "instagram")
    assert len(response.cookies[attribution.COOKIE].value) < 1500
