"""Many honest people behind one address (a school lab, an office, carrier-grade NAT on a
mobile network) can register, while a script that floods one event or one inbox is stopped.
A refused form keeps what was typed."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers
import json
import re

import pytest
from django.urls import reverse
from public_helpers import _public_settings, api_body, event, form_data, make_event  # noqa: F401

import sapa.settings as defaults
from sapa.events.models import Registration


@pytest.fixture
def default_limits(settings):
    """The limits a fresh install has (public_helpers raises them for the other tests)."""
    settings.SAPA_REGISTRATION_RATE = defaults.SAPA_REGISTRATION_RATE
    settings.SAPA_REGISTRATION_EMAIL_RATE = defaults.SAPA_REGISTRATION_EMAIL_RATE
    settings.SAPA_REGISTRATION_MIN_SECONDS = 3


def post(client, event, **overrides):
    return client.post(reverse("event-public", args=[event.slug]), form_data(event, **overrides),
                       REMOTE_ADDR="36.68.10.1")


def test_a_hundred_people_behind_one_address_register_and_a_flood_is_stopped(client, library, default_limits):
    event = make_event(library, capacity=500)
    for n in range(100):
        response = post(client, event, name=f"Peserta {n}", email=f"peserta{n}@contoh.id")
        assert response.status_code == 302, (n, response.status_code)
    assert Registration.objects.filter(event=event).count() == 100
    # The same address flooding the same event: stopped before it fills the event.
    codes = [post(client, event, name=f"Bot {n}", email=f"bot{n}@contoh.id").status_code for n in range(100)]
    assert codes.count(429) >= 40, codes
    assert Registration.objects.filter(event=event).count() <= 150
    # Another event from the same address is not affected.
    other = make_event(library, slug="other-session", capacity=10)
    assert post(client, other, email="peserta1@contoh.id").status_code == 302


def test_one_email_repeated_is_stopped_from_any_address(client, library, default_limits):
    event = make_event(library)
    statuses = []
    for n in range(8):
        response = client.post(reverse("event-public", args=[event.slug]),
                               form_data(event, email="Siti@Example.org"), REMOTE_ADDR=f"10.0.0.{n}")
        statuses.append(response.status_code)
    assert statuses[:5] == [302] * 5 and set(statuses[5:]) == {429}, statuses
    assert Registration.objects.filter(event=event).count() == 1


def test_a_refused_form_keeps_what_was_typed(client, library, settings):
    settings.SAPA_REGISTRATION_RATE = "1/600"
    event = make_event(library)
    assert post(client, event, email="a@example.org").status_code == 302
    response = post(client, event, name="Rina Wulandari", email="rina@example.org", institution="SMKN 2 Sleman")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Terlalu banyak" in html
    for value in ("Rina Wulandari", "rina@example.org", "SMKN 2 Sleman", "0812-3456-7890"):
        assert re.search(rf'<input[^>]*value="{re.escape(value)}"', html), value
    assert 'name="consent"' in html and re.search(r'<input[^>]*name="consent"[^>]*checked', html)
    assert not Registration.objects.filter(email="rina@example.org").exists()


def test_the_api_shares_the_limits(client, library, default_limits):
    event = make_event(library)
    codes = []
    for n in range(7):
        response = client.post(f"/api/v1/events/{event.slug}/registrations",
                               json.dumps(api_body(event, email="budi@example.org")),
                               content_type="application/json", REMOTE_ADDR=f"10.2.0.{n}")
        codes.append(response.status_code)
    assert codes[:5] == [202] * 5 and codes[5:] == [429, 429], codes
    assert response.json()["error"]["code"] == "rate_limited"
