"""The door prize draw in a real browser: presentation mode reveals winners one by one (no
JavaScript needed), the public draw page and the claim form pass axe."""

from datetime import timedelta

import pytest
from browser_helpers import assert_accessible, login, screenshot
from factories import make_event, make_library, make_member
from playwright.sync_api import expect

from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.libraries.models import Role
from sapa.prizes import services
from sapa.prizes.models import Prize, PrizeVariant


@pytest.fixture
def prepared(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    make_member(library, Role.STAFF, "staf@example.org", name="Staf")
    event = make_event(library, starts_at=-timedelta(hours=3), categories=False)
    for i, name in enumerate(
        ["Dewi Sartika", "Budi Santoso", "Siti Rahmawati", "Agus Salim", "Rina Kartika"]
    ):
        registration = event_services.register(
            event, name=name, email=f"p{i}@example.org", consent=True, source="staff"
        ).registration
        record_attendance(registration, minutes=150)
    kaos = Prize.objects.create(event=event, name="Kaos", quantity=2)
    PrizeVariant.objects.create(prize=kaos, name="M", stock=1)
    PrizeVariant.objects.create(prize=kaos, name="XL", stock=1)
    Prize.objects.create(event=event, name="Mug", quantity=1, position=1)
    return event, services.prepare_draw(event)


def test_presentation_reveals_winners_one_by_one(desktop_page, live_server, prepared):
    event, draw = prepared
    page = login(desktop_page, live_server, "staf@example.org")
    page.goto(
        f"{live_server.url}/staff/balitbangdiklat/events/{event.pk}/prizes/draws/{draw.pk}/present/"
    )
    assert draw.commitment in page.content()
    page.get_by_role("button", name="Undi sekarang").click()
    page.wait_for_load_state()
    assert page.locator("#latest-name").count() == 0
    data = services.public_data(type(draw).objects.get(pk=draw.pk))
    seen = []
    for k, winner in enumerate(data["winners"], start=1):
        if k == 2:  # a presenter's clicker: the right arrow (optional JavaScript)
            with page.expect_navigation():
                page.keyboard.press("ArrowRight")
        else:
            page.locator("#next").click()
        page.wait_for_load_state()
        assert page.locator("#latest-name").inner_text() == winner["name"]
        seen.append(winner["name"])
        for later in data["winners"][k:]:
            assert later["entry"] not in page.content()
    assert page.locator("#all-shown").is_visible()
    assert page.locator("#next").count() == 0
    screenshot(page, "prizes-presentation")
    assert_accessible(page)


def test_public_draw_page_is_accessible_and_light(phone_page, live_server, prepared):
    event, draw = prepared
    services.run_draw(draw)
    page = phone_page
    response = page.goto(f"{live_server.url}/undian/{draw.public_id}/")
    assert response.status == 200
    assert page.locator("#seed").inner_text() == type(draw).objects.get(pk=draw.pk).seed
    assert page.locator("#winners tbody tr").count() == 3
    assert len(page.content().encode()) < 100 * 1024
    screenshot(page, "prizes-public-draw")
    assert_accessible(page)


def test_claim_form_is_accessible(phone_page, live_server, prepared):
    event, draw = prepared
    draw, _ = services.run_draw(draw)
    winner = draw.winners.get(position=1)
    page = phone_page
    page.goto(services.claim_url(winner))
    page.get_by_role("button", name="Kirim klaim saya").click()
    page.wait_for_load_state()
    assert page.locator(".error").count() >= 4
    assert_accessible(page)


def test_participants_check_the_draw_in_their_browser(phone_page, live_server, prepared):
    """The public page recomputes the draw with the browser's SHA-256 (issue 13, item 15);
    a tampered result is reported, and the command stays for experts."""
    event, draw = prepared
    services.run_draw(draw)
    page = phone_page
    page.goto(f"{live_server.url}/undian/{draw.public_id}/")
    assert "sapa verify-draw" in page.locator("details").text_content()  # folded away, still there
    page.get_by_role("button", name="Periksa undian ini di peramban saya").click()
    result = page.locator("#verify-result")
    expect(result).to_have_class("verify-ok")
    expect(page.locator("#verify-button")).to_be_enabled()
    assert "cocok" in result.inner_text()
    assert_accessible(page)

    # The same page fed a result with two winners swapped says so.
    def tampered(route):
        data = route.fetch().json()
        data["winners"][0]["entry"], data["winners"][1]["entry"] = (
            data["winners"][1]["entry"],
            data["winners"][0]["entry"],
        )
        route.fulfill(json=data)

    page.route("**/data.json", tampered)
    page.reload()
    page.get_by_role("button", name="Periksa undian ini di peramban saya").click()
    expect(result).to_have_class("verify-bad")
    assert "BERBEDA" in result.inner_text()


def test_the_next_winner_button_is_on_the_first_screen(desktop_page, live_server, prepared):
    """At 1280×800 the presenter sees "Pemenang berikutnya" without scrolling (issue 13, item 15)."""
    event, draw = prepared
    services.run_draw(draw)
    page = login(desktop_page, live_server, "staf@example.org")
    page.goto(
        f"{live_server.url}/staff/balitbangdiklat/events/{event.pk}/prizes/draws/{draw.pk}/present/?shown=2"
    )
    button = page.locator("#next")
    assert button.inner_text() == "Pemenang berikutnya"
    box = button.bounding_box()
    assert box["y"] + box["height"] <= 800, f"the button ends at {box['y'] + box['height']} px"
    screenshot(page, "prizes-presentation-second-winner", full_page=False)
