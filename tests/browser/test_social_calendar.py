"""The social calendar in a browser: an editor approves a post from the calendar, a staff
member drags a post to another day (and moves one with the no-JS form), on a 1280 px desktop
and a 360 px phone; axe on the calendar and the post page; screenshots of each view.

Steps find things by URLs, ids and data rather than by translated text.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    login,
    screenshot,
)
from django.utils import timezone
from factories import make_library, make_member
from playwright.sync_api import expect

from sapa.libraries.models import Role
from sapa.social import services, workflow
from sapa.social.models import Network, PostVariant

JAKARTA = ZoneInfo("Asia/Jakarta")


def _monday_ahead() -> datetime:
    """A Monday at least two days ahead, so that its week is all in the future."""
    day = (timezone.now().astimezone(JAKARTA) + timedelta(days=2)).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(0), tzinfo=JAKARTA)


@pytest.fixture
def social(transactional_db, settings, live_server, tmp_path):
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    library = make_library()
    users = {role: make_member(library, role, f"{role}@example.org", name=f"{role.title()} A")
             for role in (Role.ADMIN, Role.EDITOR, Role.STAFF)}
    admin = users[Role.ADMIN]
    telegram = services.create_channel(library, network=Network.TELEGRAM, name="Telegram Perpus", by=admin,
                                       account_id="@perpusa", credentials={"bot_token": "1:ABC"})
    mastodon = services.create_channel(library, network=Network.MASTODON, name="Mastodon Perpus", by=admin,
                                       account_id="1", server_url="https://mastodon.example",
                                       server_limits={"max_characters": 500}, server_limits_fetched_at=timezone.now(),
                                       credentials={"access_token": "t"})
    monday = _monday_ahead()
    review = services.create_post(library, by=admin, title="Pekan literasi")
    services.add_variant(review, telegram, by=admin, text="Ayo ke perpustakaan!",
                         scheduled_at=monday + timedelta(hours=9))
    services.add_variant(review, mastodon, by=admin, text="Ayo ke perpustakaan! #literasi",
                         scheduled_at=monday + timedelta(hours=16))
    workflow.submit_for_review(review, by=admin)
    draft = services.create_post(library, by=admin, title="Lomba resensi")
    moving = services.add_variant(draft, telegram, by=admin, text="Lomba resensi buku dibuka.",
                                  scheduled_at=monday + timedelta(hours=19, minutes=45))
    return {"library": library, "users": users, "monday": monday, "review": review, "moving": moving,
            "url": f"{live_server.url}/staff/perpus-a/social/"}


@pytest.mark.parametrize("page_fixture", ["desktop_page", "phone_page"])
def test_editor_approves_from_the_calendar(request, social, live_server, page_fixture):
    page = request.getfixturevalue(page_fixture)
    login(page, live_server, "editor@example.org")
    day = social["monday"].date().isoformat()
    page.goto(f"{social['url']}?view=month&date={day}")
    variant = social["review"].variants.get(channel__network=Network.TELEGRAM)
    item = page.locator(f"#variant-{variant.pk}")
    expect(item).to_be_visible()
    assert_accessible(page)
    suffix = "desktop" if page_fixture == "desktop_page" else "phone"
    if page_fixture == "phone_page":
        assert_no_horizontal_overflow(page)
    screenshot(page, f"social-calendar-month-{suffix}")
    item.locator("form.cal-approve button").click()
    page.wait_for_load_state()
    assert "/social/" in page.url and f"date={day}" in page.url
    assert set(social["review"].variants.values_list("state", flat=True)) == {"approved"}
    expect(page.locator(f"#variant-{variant.pk} .vstate-approved")).to_be_visible()
    for view in ("week", "list"):
        page.goto(f"{social['url']}?view={view}&date={day}")
        assert_accessible(page)
        if page_fixture == "phone_page":
            assert_no_horizontal_overflow(page)
        screenshot(page, f"social-calendar-{view}-{suffix}")
    # the post page
    page.goto(f"{live_server.url}/staff/perpus-a/social/posts/{social['review'].pk}/")
    expect(page.locator(f"#v{variant.pk}")).to_be_visible()
    assert_accessible(page)
    if page_fixture == "phone_page":
        assert_no_horizontal_overflow(page)
    screenshot(page, f"social-post-{suffix}")


def test_staff_drags_a_post_to_another_day(social, live_server, desktop_page):
    page = desktop_page
    login(page, live_server, "staff@example.org")
    monday = social["monday"]
    moving = social["moving"]
    page.goto(f"{social['url']}?view=month&date={monday.date().isoformat()}")
    wednesday = (monday + timedelta(days=2)).date().isoformat()
    page.locator(f"#variant-{moving.pk}").drag_to(page.locator(f"#day-{wednesday}"))
    expect(page.locator(f"#day-{wednesday} #variant-{moving.pk}")).to_be_visible()
    expect(page.locator("#cal-status")).not_to_be_empty()
    moving.refresh_from_db()
    assert moving.scheduled_at == monday + timedelta(days=2, hours=19, minutes=45)
    # the old day no longer shows it; the page still works after the swap
    expect(page.locator(f"#day-{monday.date().isoformat()} #variant-{moving.pk}")).to_have_count(0)
    screenshot(page, "social-calendar-after-drag")


@pytest.mark.parametrize("page_fixture", ["desktop_page", "phone_page"])
def test_move_with_the_plain_form(request, social, live_server, page_fixture):
    """The fallback without JavaScript: the list view's "move" form (date and time)."""
    page = request.getfixturevalue(page_fixture)
    login(page, live_server, "staff@example.org")
    monday = social["monday"]
    moving = social["moving"]
    page.goto(f"{social['url']}?view=list&date={monday.date().isoformat()}")
    item = page.locator(f"#variant-{moving.pk}")
    item.locator("details.cal-move summary").click()
    thursday = (monday + timedelta(days=3)).date().isoformat()
    item.locator("input[name=date]").fill(thursday)
    item.locator("input[name=time]").fill("08:15")
    item.locator("details.cal-move button[type=submit]").click()
    page.wait_for_load_state()
    assert "view=list" in page.url
    moving.refresh_from_db()
    assert moving.scheduled_at == monday + timedelta(days=3, hours=8, minutes=15)
    expect(page.locator(f"#variant-{moving.pk} .cal-time")).to_have_text("08:15")


def test_move_form_works_without_javascript(social, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
    try:
        page = context.new_page()
        login(page, live_server, "staff@example.org")
        monday = social["monday"]
        moving = social["moving"]
        page.goto(f"{social['url']}?view=list&date={monday.date().isoformat()}")
        item = page.locator(f"#variant-{moving.pk}")
        item.locator("details.cal-move summary").click()
        item.locator("input[name=date]").fill((monday + timedelta(days=4)).date().isoformat())
        item.locator("details.cal-move button[type=submit]").click()
        page.wait_for_load_state()
        moving.refresh_from_db()
        assert moving.scheduled_at == monday + timedelta(days=4, hours=19, minutes=45)
        assert PostVariant.objects.get(pk=moving.pk).state == "draft"
    finally:
        context.close()
