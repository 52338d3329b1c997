"""The live board in two browsers at once: a participant on a phone and the moderator on a
laptop. A question posted on the phone appears on the moderator's page within 2 s; an
upvote reorders both lists; the public board passes axe.

Steps find things by names, data and URLs rather than by translated text.
"""

from datetime import timedelta

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    login,
    screenshot,
)
from django.urls import reverse
from factories import make_event, make_library, make_member, make_registration
from playwright.sync_api import expect

from sapa.libraries.models import Role
from sapa.live import services
from sapa.live.hub import hub


@pytest.fixture
def session(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    settings.SAPA_LIVE_STREAM_SECONDS = 60
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    moderator = make_member(library, Role.STAFF, "moderator@example.org", name="Moderator")
    event = make_event(
        library, slug="sharing-session-medsos",
        title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        starts_at=-timedelta(minutes=20), ends_at=timedelta(hours=2), categories=False)

    def person(name):
        return make_registration(event, name, f"{name.split()[0].lower()}@contoh.id")

    yield {"event": event, "library": library, "moderator": moderator, "person": person}
    hub.stop()


def _enter(page, live_server, registration):
    page.goto(live_server.url + reverse("registration-manage", args=[registration.public_id,
                                                                    registration.manage_token]))
    page.locator(f"a[href*='/live/masuk/{registration.public_id}/']").click()
    page.wait_for_url(f"**/e/{registration.event.slug}/live/")


def _items(page, list_id):
    return page.locator(f"#{list_id} > li .live-text")


def test_a_question_from_the_phone_reaches_the_moderator_within_two_seconds(
        session, live_server, phone_page, desktop_page):
    event, library = session["event"], session["library"]
    budi = session["person"]("Budi Santoso")
    login(desktop_page, live_server, "moderator@example.org")
    desktop_page.goto(live_server.url + reverse("live-moderate", args=[library.slug, event.pk]))
    expect(desktop_page.locator("#mod-list")).to_be_visible()

    _enter(phone_page, live_server, budi)
    phone_page.locator("#id_text").fill("Bagaimana cara mengukur engagement rate di Instagram?")
    phone_page.locator("#live-ask button[type=submit]").click()
    expect(_items(phone_page, "live-list").first).to_have_text(
        "Bagaimana cara mengukur engagement rate di Instagram?", timeout=2000)
    expect(_items(desktop_page, "mod-list").first).to_have_text(
        "Bagaimana cara mengukur engagement rate di Instagram?", timeout=2000)
    # Sent with fetch: the phone did not reload and the box is empty again for the next one.
    expect(phone_page.locator("#id_text")).to_have_value("")

    # The moderator shows it on screen: the phone's "on screen now" card follows.
    desktop_page.locator("#mod-list > li").first.locator("form[action$='/show/'] button").click()
    expect(phone_page.locator("#live-on-screen")).to_be_visible(timeout=2000)
    expect(phone_page.locator("#live-on-screen .live-text")).to_have_text(
        "Bagaimana cara mengukur engagement rate di Instagram?")
    screenshot(phone_page, "live-board-phone")
    screenshot(desktop_page, "live-moderate")

    # The presenter view (shared on Zoom): the question in big type, the hand queue by first name.
    _raise = phone_page.locator("#live-hand-button")
    _raise.click()
    desktop_page.goto(live_server.url + reverse("live-present", args=[library.slug, event.pk]))
    expect(desktop_page.locator(".present-q")).to_have_text(
        "Bagaimana cara mengukur engagement rate di Instagram?")
    expect(desktop_page.locator(".present-hands li")).to_have_text(["Budi"])
    phone_page.locator("#live-hand-button").click()  # lowered on the phone: gone from the screen
    expect(desktop_page.locator(".present-hands li")).to_have_count(0, timeout=2000)
    assert_accessible(desktop_page)
    screenshot(desktop_page, "live-present", full_page=False)


def test_an_upvote_reorders_the_list_everywhere(session, live_server, phone_page, desktop_page):
    event, library = session["event"], session["library"]
    sari, dewi, budi = (session["person"](n) for n in ("Sari Wulandari", "Dewi Lestari", "Budi Santoso"))
    services.post_question(event, services.Participant(f"r:{sari.pk}", sari), "Konten apa yang paling disukai?")
    services.post_question(event, services.Participant(f"r:{dewi.pk}", dewi), "Perlukah akun TikTok?")

    login(desktop_page, live_server, "moderator@example.org")
    desktop_page.goto(live_server.url + reverse("live-moderate", args=[library.slug, event.pk]))
    _enter(phone_page, live_server, budi)
    expect(_items(phone_page, "live-list")).to_have_text(["Konten apa yang paling disukai?",
                                                          "Perlukah akun TikTok?"])
    expect(_items(desktop_page, "mod-list")).to_have_text(["Konten apa yang paling disukai?",
                                                           "Perlukah akun TikTok?"])

    phone_page.locator("#live-list > li").nth(1).locator("form.live-vote button").click()
    expect(_items(phone_page, "live-list")).to_have_text(
        ["Perlukah akun TikTok?", "Konten apa yang paling disukai?"], timeout=2000)
    expect(_items(desktop_page, "mod-list")).to_have_text(
        ["Perlukah akun TikTok?", "Konten apa yang paling disukai?"], timeout=2000)
    # Voted once: the button is gone from that question on the phone.
    expect(phone_page.locator("#live-list > li").first.locator("form.live-vote")).to_have_count(0)


def test_the_public_board_is_accessible_and_fits_a_phone(session, live_server, phone_page):
    event = session["event"]
    sari, budi = session["person"]("Sari Wulandari"), session["person"]("Budi Santoso")
    for text in ("Apakah materi presentasi akan dibagikan?", "Bagaimana membuat jadwal unggahan?"):
        services.post_question(event, services.Participant(f"r:{sari.pk}", sari), text)
    _enter(phone_page, live_server, budi)
    expect(phone_page.locator("#live-list > li")).to_have_count(2)
    assert_accessible(phone_page)
    assert_no_horizontal_overflow(phone_page)
    phone_page.locator("#live-hand-button").click()
    expect(phone_page.locator("#live-hand-action")).to_have_value("lower", timeout=2000)
    assert_accessible(phone_page)


def test_the_board_works_without_javascript(session, live_server, browser):
    """Plain forms and full pages: ask, vote, raise a hand, with JavaScript switched off."""
    event = session["event"]
    sari, budi = session["person"]("Sari Wulandari"), session["person"]("Budi Santoso")
    services.post_question(event, services.Participant(f"r:{sari.pk}", sari), "Pertanyaan Sari")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                  locale="id-ID")
    page = context.new_page()
    try:
        _enter(page, live_server, budi)
        page.locator("#id_text").fill("Pertanyaan Budi tanpa JavaScript")
        page.locator("#live-ask button[type=submit]").click()
        page.wait_for_load_state()
        expect(_items(page, "live-list")).to_have_text(["Pertanyaan Sari", "Pertanyaan Budi tanpa JavaScript"])
        page.locator("#live-list > li").first.locator("form.live-vote button").click()
        page.wait_for_load_state()
        expect(page.locator("#live-list > li").first.locator(".live-votes")).to_have_text("1 suara")
        page.locator("#live-hand-button").click()
        page.wait_for_load_state()
        expect(page.locator("#live-hand-action")).to_have_value("lower")
    finally:
        context.close()
