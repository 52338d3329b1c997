"""The guide in Chromium: readable on a 360 px phone, accessible (axe), pictures load,
and the staff shell's Help link leads to the page's section."""

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_stylesheet_loaded,
    login,
    screenshot,
)
from factories import make_library, make_member

from sapa.guide import content
from sapa.libraries.models import Role


@pytest.fixture
def library(transactional_db):
    return make_library("perpus-bandung", "Perpustakaan Kota Bandung")


def test_every_guide_page_on_a_phone(phone_page, live_server, library):
    page = phone_page
    urls = [
        "/bantuan/",
        *[f"/bantuan/{s.slug}/" for s in content.sections("id")],
        f"/{library.slug}/bantuan/",
    ]
    for url in urls:
        page.goto(live_server.url + url)
        assert_stylesheet_loaded(page)
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
    screenshot(page, "guide-participant-phone")


def test_pictures_load_and_fit_the_phone(phone_page, live_server, library):
    page = phone_page
    page.goto(live_server.url + "/bantuan/hari-h/")
    images = page.locator(".guide-text img")
    assert images.count() >= 3
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert image.bounding_box()["width"] <= 360


def test_the_help_link_of_a_staff_page_opens_its_section(desktop_page, live_server, library):
    make_member(library, Role.ADMIN, "admin@example.org", name="Sri Wahyuni")
    page = login(desktop_page, live_server, "admin@example.org")
    page.goto(f"{live_server.url}/staff/{library.slug}/events/")
    page.get_by_role("link", name="Bantuan").click()
    page.wait_for_load_state()
    assert page.url.endswith("/bantuan/acara/")
    assert page.get_by_role("heading", level=1).inner_text() == "Membuat acara"
    assert_accessible(page)
