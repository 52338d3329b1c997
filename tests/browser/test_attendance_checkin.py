"""Check-in during the session: staff open a code and show it full-screen (shared on
Zoom); a participant on a 360 px phone types it on /e/<slug>/hadir/ with their email.

Steps find things by names, data and URLs rather than translated text.
"""

from datetime import timedelta

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_stylesheet_loaded,
    login,
    screenshot,
)
from factories import make_event, make_library, make_member, make_registration
from playwright.sync_api import expect

from sapa.attendance.models import Attendance, CheckInWindow
from sapa.events.models import Registration
from sapa.libraries.models import Role


@pytest.fixture
def live_session(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    staff = make_member(library, Role.STAFF, "dewi@example.org", name="Dewindah")
    event = make_event(
        library, slug="sharing-session-medsos",
        title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        starts_at=-timedelta(minutes=40), ends_at=timedelta(hours=2),
        meeting_url="https://us02web.zoom.us/j/81234567890", categories=False,
    )
    siti = make_registration(event, "Siti Rahmawati", "siti@example.org")
    return event, staff, siti


def test_participant_checks_in_with_the_code_shown_on_the_staff_screen(desktop_page, phone_page, live_server,
                                                                     live_session):
    event, staff, siti = live_session
    # The moderator opens check-in for 15 minutes and shares the full-screen code.
    screen = login(desktop_page, live_server, staff.email)
    screen.goto(f"{live_server.url}/staff/{event.library.slug}/events/{event.pk}/attendance/")
    screen.locator("select[name=minutes]").select_option("15")
    screen.locator("form[action$='/attendance/checkin/'] button[type=submit]").click()
    screen.wait_for_url("**/attendance/checkin/*/")
    code = screen.locator("[data-code]").inner_text().strip()
    assert code == CheckInWindow.objects.get(event=event).code
    expect(screen.locator("#left")).to_have_text(__import__("re").compile(r"^1[45]:\d\d$"))  # the countdown
    screenshot(screen, "attendance-screen")
    assert_accessible(screen)

    # The participant, on a phone, on the public check-in page.
    page = phone_page
    page.goto(f"{live_server.url}/e/{event.slug}/hadir")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert page.locator("script").count() == 0
    assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page)
    assert_accessible(page)

    # A typo first: a clear message, nothing stored, still accessible.
    wrong = "ACDEF" if code != "ACDEF" else "ACDEH"
    page.locator("input[name=code]").fill(wrong)
    page.locator("input[name=email]").fill("siti@example.org")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#checkin-error")).to_be_visible()
    assert not Attendance.objects.exists()
    assert_accessible(page)

    page.locator("input[name=code]").fill(code.lower())
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".checked-in")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Siti Rahmawati")
    screenshot(page, "phone-attendance-checked-in")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    row = Attendance.objects.get(registration=siti)
    assert row.checked_in_at is not None and row.attended


def test_staff_import_a_report_match_by_hand_and_read_the_chat(desktop_page, live_server, live_session):
    """The staff side: upload the Zoom report, match a guest by hand in the preview, save;
    the attendance page and the chat page. Every page passes axe."""
    from pathlib import Path

    event, staff, siti = live_session
    files = Path(__file__).resolve().parent.parent / "attendance" / "files"
    make_registration(event, "Joko Susilo", "joko.susilo@example.org")
    Registration.objects.filter(pk=siti.pk).update(email="siti.rahmawati@example.org",
                                                   email_normalized="siti.rahmawati@example.org")
    page = login(desktop_page, live_server, staff.email)
    base = f"{live_server.url}/staff/{event.library.slug}/events/{event.pk}"
    page.goto(f"{base}/attendance/import/")
    assert_accessible(page)
    page.locator("input[type=file]").set_input_files(str(files / "zoom_meeting_full.csv"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/attendance/import/*/")
    assert_accessible(page)
    screenshot(page, "attendance-preview")
    row = page.locator("tr", has_text="iPhone Pak Joko")
    row.locator("select").select_option(label="Joko Susilo (joko.susilo@example.org)")
    page.locator("main form button.primary[type=submit]").click()
    page.wait_for_url(f"**/events/{event.pk}/attendance/")
    assert_accessible(page)
    screenshot(page, "attendance-overview")
    minutes = dict(Attendance.objects.values_list("registration__name", "minutes"))
    assert minutes == {"Siti Rahmawati": 151, "Joko Susilo": 60}

    page.goto(f"{base}/chat/")
    page.locator("input[type=file]").set_input_files(str(files / "chat_old.txt"))
    page.locator("form[enctype] button[type=submit]").click()
    page.wait_for_url(f"**/events/{event.pk}/chat/*/")  # the preview: nothing replaced before confirming
    expect(page.locator("table.chat tbody tr")).to_have_count(7)
    assert_accessible(page)
    screenshot(page, "attendance-chat-preview")
    page.locator("button[name=action][value=save]").click()
    page.wait_for_url(f"**/events/{event.pk}/chat/")
    expect(page.locator("table.chat tbody tr")).to_have_count(7)
    page.locator("input[name=q]").fill("budi")
    page.locator("form[role=search] button[type=submit]").click()
    expect(page.locator("table.chat tbody tr")).to_have_count(2)
    assert_accessible(page)
    screenshot(page, "attendance-chat")


def test_participant_checks_in_from_the_personal_link(phone_page, live_server, live_session):
    from sapa.attendance import services

    event, staff, siti = live_session
    window = services.open_checkin(event, 10)
    page = phone_page
    page.goto(f"{live_server.url}/p/{siti.public_id}/{siti.manage_token}/")
    section = page.locator("#presensi")
    expect(section.locator("input[name=code]")).to_be_visible()
    assert section.locator("input[name=email]").count() == 0
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    section.locator("input[name=code]").fill(window.code)
    section.locator("button[type=submit]").click()
    expect(page.locator("#presensi .checked-in")).to_be_visible()
    expect(page.locator(".messages")).to_be_visible()
    screenshot(page, "phone-attendance-personal")
    assert_accessible(page)
    assert Attendance.objects.get(registration=siti).checked_in_at is not None
