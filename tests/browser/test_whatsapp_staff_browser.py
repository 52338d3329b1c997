"""WhatsApp pages in a browser, checked by axe: the admin's settings with the template list,
an event's messages and click-to-chat links, and the participant's opt-out on the personal page."""

from datetime import timedelta

import pytest
from browser_helpers import assert_accessible, assert_no_horizontal_overflow, login
from django.db import transaction
from factories import make_event, make_library, make_member

from sapa.events import services as events
from sapa.libraries.models import Role
from sapa.whatsapp import services
from sapa.whatsapp.models import Consent, Message


@pytest.fixture
def setup(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library()
    make_member(library, Role.ADMIN, "admin@example.org", name="Admin A")
    services.save_account(library, phone_number_id="1100000000", business_account_id="2200000000",
                          access_token="EAAG-token", app_secret="secret")
    event = make_event(library, slug="kelas", title="Kelas Menulis", capacity=10, starts_at=timedelta(days=3),
                       meeting_url="https://zoom.us/j/1", registration_opens_at=-timedelta(days=1))
    with transaction.atomic():
        registration = events.register(event, name="Siti Rahmawati", email="siti@example.org",
                                       whatsapp="+6281234567890", category=event.categories.first(),
                                       consent=True).registration
        services.give_consent(registration)
    Message.objects.update(state="failed", event=event, registration=registration, error_code="131026",
                           last_error="Message undeliverable", fell_back_to_email=True)
    return event, registration


def test_staff_pages_are_accessible(desktop_page, live_server, setup):
    event, _registration = setup
    page = login(desktop_page, live_server, "admin@example.org")
    page.goto(f"{live_server.url}/staff/perpus-a/whatsapp/")
    assert page.locator("#templates code", has_text="sapa_tautan_acara").count() == 2
    assert_accessible(page)
    page.goto(f"{live_server.url}/staff/perpus-a/events/{event.pk}/whatsapp/")
    assert page.locator('[data-total="failed"]').inner_text() == "1"
    assert page.locator("a[href^='https://wa.me/6281234567890?text=']").count() == 1
    assert_accessible(page)


def test_participant_stops_whatsapp_from_the_personal_page(phone_page, live_server, setup):
    _event, registration = setup
    page = phone_page
    page.goto(f"{live_server.url}/p/{registration.public_id}/{registration.manage_token}/")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    page.locator("form[action$='/whatsapp/stop/'] button").click()
    page.wait_for_load_state()
    assert page.locator("form[action$='/whatsapp/stop/']").count() == 0
    assert Consent.objects.get(registration=registration).withdrawn_at is not None
