"""A participant on a 360 px phone: registers, sees the confirmation, opens the
personal link from the email and cancels. No JavaScript is needed by the pages.

Steps find things by names, data and URLs rather than by translated text.
"""

import re
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_stylesheet_loaded,
    screenshot,
)
from django.utils import timezone
from factories import make_event, make_library
from playwright.sync_api import expect

from sapa.events.models import (
    Question,
    QuestionKind,
    Registration,
    RegistrationStatus,
    Speaker,
)
from sapa.mail.models import Email


@pytest.fixture
def sharing_session(transactional_db, settings, live_server):
    settings.SAPA_REGISTRATION_MIN_SECONDS = 0
    settings.SAPA_REGISTRATION_RATE = "100/600"
    settings.BASE_URL = live_server.url
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag",
                           email="perpustakaan@example.org")
    jakarta = ZoneInfo("Asia/Jakarta")
    day = (timezone.now() + timedelta(days=12)).astimezone(jakarta).date()
    starts = datetime.combine(day, dtime(9, 0), tzinfo=jakarta)
    event = make_event(
        library, slug="sharing-session-medsos",
        title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        description="Berbagi pengalaman mengelola **media sosial** perpustakaan.\n\n- konten\n- flyer\n- Zoom",
        starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30),
        meeting_url="https://us02web.zoom.us/j/81234567890",
    )
    Speaker.objects.create(event=event, name="Diar Sunyono", role="Kepala Bagian Umum dan Perpustakaan",
                           position=0)
    Speaker.objects.create(event=event, name="Rina Kartikasari", role="Pustakawan Ahli Madya", position=1)
    Question.objects.create(event=event, label="Jabatan", kind=QuestionKind.SHORT_TEXT, required=True)
    Question.objects.create(event=event, label="Asal provinsi dan kabupaten/kota", kind=QuestionKind.REGION,
                            required=True)
    return event


def look(page, name):
    screenshot(page, name)
    assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page)


def test_register_open_personal_link_and_cancel(phone_page, live_server, sharing_session):
    page, event = phone_page, sharing_session
    page.goto(f"{live_server.url}/e/{event.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.locator("script").count() == 0
    look(page, "phone-event")
    assert_accessible(page)

    form = page.locator("#daftar form")
    form.locator("input[name=name]").fill("Siti Rahmawati")
    form.locator("input[name=email]").fill("siti@example.org")
    form.locator("input[name=whatsapp]").fill("0812 3456 7890")
    form.locator("input[name=institution]").fill("Perpustakaan Kota Bandung")
    form.get_by_label("Guru", exact=True).check()
    form.get_by_label("Jabatan").fill("Guru Bahasa Indonesia")
    form.get_by_label("Asal provinsi dan kabupaten/kota").select_option("Jawa Barat")
    questions = {q.label: q.pk for q in event.questions.all()}
    form.locator(f"input[name=q_{questions['Asal provinsi dan kabupaten/kota']}_regency]").fill("Kota Bandung")
    form.locator("input[name=consent]").check()
    screenshot(page, "phone-event-filled")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/terdaftar/"))
    look(page, "phone-registered")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".done")).to_contain_text("s***@example.org")
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.language == "id"

    # The personal link, as the participant finds it in the confirmation email.
    email = Email.objects.get(to=["siti@example.org"])
    link = re.search(r"https?://\S+/p/[0-9a-f-]{36}/\S+/", email.body_text).group(0)
    page.goto(link)
    expect(page.locator(".status-confirmed")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("Siti Rahmawati")
    look(page, "phone-personal")
    assert_accessible(page)

    page.locator("a[href$='/batal/']").click()
    page.wait_for_url(re.compile(r"/batal/$"))
    look(page, "phone-cancel-confirm")
    assert_accessible(page)
    page.locator("form button[type=submit].danger").click()
    page.wait_for_url(link)
    expect(page.locator(".status-cancelled")).to_be_visible()
    look(page, "phone-cancelled")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED
    assert registration.cancelled_by == "participant"


def test_errors_are_shown_next_to_the_fields(phone_page, live_server, sharing_session):
    page, event = phone_page, sharing_session
    page.goto(f"{live_server.url}/e/{event.slug}/")
    form = page.locator("#daftar form")
    form.locator("input[name=name]").fill("Siti")
    form.locator("input[name=email]").fill("siti@example")
    form.locator("input[name=whatsapp]").fill("12345")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator("#id_email_error")).to_be_visible()
    expect(page.locator("#id_whatsapp_error")).to_be_visible()
    expect(page.locator("input[name=name]")).to_have_value("Siti")
    look(page, "phone-event-errors")
    assert_accessible(page)
    assert Registration.objects.count() == 0
