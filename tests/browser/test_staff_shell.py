"""The staff shell on a 360 px phone: log in, navigate, switch library and language, log out.

The interface is Indonesian unless the visitor chooses English, so steps taken
before the language switch find things by what does not depend on the
translation (names, the language buttons, URLs), and after it by English text.
"""

import re

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_stylesheet_loaded,
    login,
    screenshot,
)
from factories import make_library, make_member, make_user
from playwright.sync_api import expect

from sapa.libraries.models import Role

LONG_NAME = "Dinas Perpustakaan dan Kearsipan Kabupaten Sleman"


@pytest.fixture
def two_libraries(transactional_db):
    """An admin of one library who is also an editor in a second one with a long name."""
    admin = make_user("admin@example.org", name="Sri Wahyuni")
    a = make_library("perpus-bandung", "Perpustakaan Kota Bandung", members=[(admin, Role.ADMIN)],
                     tagline="Membaca bersama, tumbuh bersama")
    b = make_library("perpus-sleman", LONG_NAME, members=[(admin, Role.EDITOR)])
    return admin, a, b


def assert_focus_ring(page):
    style = page.evaluate("(({outlineStyle, outlineWidth}) => ({outlineStyle, outlineWidth}))"
                          "(getComputedStyle(document.activeElement))")
    assert style == {"outlineStyle": "solid", "outlineWidth": "3px"}, style


def look(page, name):
    """What every page must be: styled, no sideways scrolling at 360 px; keep a screenshot."""
    screenshot(page, name)
    assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page)


def test_login_page(phone_page, live_server, two_libraries):
    page = phone_page
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    look(page, "phone-login")
    assert_accessible(page)

    # The email field has the focus, with a visible focus ring.
    expect(page.locator("input[name=email]")).to_be_focused()
    assert_focus_ring(page)

    # A wrong password is refused with a message next to the form.
    page.locator("input[name=email]").fill("admin@example.org")
    page.locator("input[name=password]").fill("not-the-password")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.url.endswith("/accounts/login/")
    look(page, "phone-login-error")
    assert_accessible(page)


def test_staff_member_lands_on_dashboard(phone_page, live_server, transactional_db):
    make_member(make_library("perpus-depok", "Perpustakaan Depok"), Role.STAFF, "staf@example.org",
                name="Budi Santoso")
    page = phone_page
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    login(page, live_server, "STAF@example.org")
    assert page.url == f"{live_server.url}/staff/perpus-depok/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Perpustakaan Depok")
    expect(page.get_by_text("You work here as Staff.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    # A staff member sees no admin pages.
    for label in ("Staff", "Settings", "Audit log", "Outbox"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    look(page, "phone-dashboard-staff")
    assert_accessible(page)


def test_admin_journey(phone_page, live_server, two_libraries):
    _admin, bandung, sleman = two_libraries
    page = phone_page

    # Indonesian by default: log in by email, choose a library, see its dashboard.
    login(page, live_server, "admin@example.org")
    assert page.url == f"{live_server.url}/staff/"
    expect(page.locator("html")).to_have_attribute("lang", "id")
    look(page, "phone-choose-library")
    page.get_by_role("link", name=bandung.name).click()
    expect(page).to_have_url(f"{live_server.url}/staff/perpus-bandung/")
    expect(page.get_by_role("heading", level=1)).to_have_text(bandung.name)
    look(page, "phone-dashboard-id")
    assert_accessible(page)

    # The first Tab shows the skip link, which leads to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_ring(page)
    screenshot(page, "phone-skip-link", full_page=False)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))

    # The language switch is a form button; the page stays where it was.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/staff/perpus-bandung/")
    expect(page.get_by_text("You work here as Admin.")).to_be_visible()
    look(page, "phone-dashboard-en")
    assert_accessible(page)

    # Every entry of the navigation, as an admin.
    nav = page.get_by_role("navigation", name="Main")
    for label, heading, path, shot in [
        ("Staff", "Staff", "staff/", "staff"),
        ("Outbox", "Outbox", "outbox/", "outbox"),
        ("Audit log", "Audit log", "audit/", "audit-empty"),
        ("Settings", "Library settings", "settings/", "settings"),
    ]:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_url(f"{live_server.url}/staff/perpus-bandung/{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page")
        look(page, f"phone-{shot}")
        assert_accessible(page)

    # Settings: change the city; the audit log tells who did it.
    page.get_by_label("City").fill("Bandung")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    nav.get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("library.updated")).to_be_visible()
    expect(page.get_by_role("main").get_by_text("admin@example.org")).to_be_visible()
    look(page, "phone-audit")
    assert_accessible(page)
    nav.get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(bandung.name)

    # The library switcher (a <details>, no JavaScript needed) goes to the other library,
    # where this user is an editor: no Staff, Settings or Audit log there.
    page.locator(".switcher summary").click()
    switcher_list = page.locator(".switcher ul")
    expect(switcher_list).to_be_visible()
    expect(switcher_list.get_by_role("link", name=bandung.name)).to_have_attribute(
        "aria-current", "page")
    look(page, "phone-switcher-open")
    assert_accessible(page)
    switcher_list.get_by_role("link", name=sleman.name).click()
    expect(page).to_have_url(f"{live_server.url}/staff/perpus-sleman/")
    expect(page.get_by_role("heading", level=1)).to_have_text(LONG_NAME)
    expect(page.get_by_text("You work here as Editor.")).to_be_visible()
    expect(page.locator(".switcher summary")).to_have_text(LONG_NAME)
    expect(nav.get_by_role("link", name="Outbox")).to_be_visible()
    for label in ("Staff", "Settings", "Audit log"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_count(0)
    look(page, "phone-dashboard-long-name")
    # Admin pages of the other library are not there for an editor.
    response = page.goto(f"{live_server.url}/staff/perpus-sleman/settings/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    look(page, "phone-404")
    assert_accessible(page)
    page.go_back()

    # Back to Indonesian.
    page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page).to_have_url(f"{live_server.url}/staff/perpus-sleman/")
    expect(page.get_by_role("button", name="English")).to_be_visible()

    # Log out: back on the login page with a notice, the staff pages are closed.
    page.locator("form[action='/accounts/logout/'] button").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("status")).to_be_visible()
    look(page, "phone-logged-out")
    page.goto(f"{live_server.url}/staff/perpus-bandung/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/staff/perpus-bandung/$"))


def test_public_library_page(phone_page, live_server, two_libraries):
    _admin, bandung, _sleman = two_libraries
    page = phone_page
    page.goto(f"{live_server.url}/{bandung.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(bandung.name)
    expect(page.get_by_text("Membaca bersama, tumbuh bersama")).to_be_visible()
    look(page, "phone-public")
    assert_accessible(page)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name=bandung.name)).to_be_visible()
    look(page, "phone-index")
    assert_accessible(page)


def test_desktop_dashboard(desktop_page, live_server, two_libraries):
    page = desktop_page
    login(page, live_server, "admin@example.org")
    page.goto(f"{live_server.url}/staff/perpus-bandung/staff/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page, 1280)
    screenshot(page, "desktop-staff")
    assert_accessible(page)
