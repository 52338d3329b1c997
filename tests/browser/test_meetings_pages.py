"""The online-meeting pages on a 360 px phone, checked with axe: the library's Zoom and
Google pages, an event's meeting page, and a participant's personal page while the
personal Zoom link is on its way."""

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


@pytest.fixture
def zoom_event(transactional_db):
    from django.utils import timezone

    from sapa.meetings import services
    from sapa.meetings.models import ZoomMeeting

    library = make_library("perpus-bandung", "Perpustakaan Kota Bandung")
    make_member(library, Role.ADMIN, "admin@example.org", name="Sri Wahyuni")
    services.save_account(
        library, account_id="acc", client_id="cid", client_secret="sec", webhook_secret="wh"
    )
    starts = timezone.now() + timedelta(days=3)
    event = make_event(library, slug="literasi", title="Literasi Digital untuk Pustakawan", starts_at=starts,
                       meeting_url="https://us05web.zoom.us/j/857", categories=False)
    ZoomMeeting.objects.create(
        event=event,
        library=library,
        zoom_id="857",
        join_url=event.meeting_url,
        synced_start=starts,
        synced_minutes=120,
        synced_topic=event.title,
    )
    registration = make_registration(event, "Budi Santoso", "budi@example.org", confirmed_at=timezone.now())
    return library, event, registration


def test_meeting_pages(phone_page, live_server, zoom_event):
    library, event, registration = zoom_event
    page = phone_page
    login(page, live_server, "admin@example.org")
    for path, name in (
        (f"/staff/{library.slug}/zoom/", "meetings-zoom-account"),
        (f"/staff/{library.slug}/google/", "meetings-google-account"),
        (f"/staff/{library.slug}/events/{event.pk}/zoom/", "meetings-event"),
    ):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(page, name)
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
    expect(page.locator("#zoom-counts")).to_contain_text("1")  # one waiting for Zoom

    page.goto(
        live_server.url
        + reverse("registration-manage", args=[registration.public_id, registration.manage_token])
    )
    expect(page.get_by_text("sedang disiapkan", exact=False)).to_be_visible()
    screenshot(page, "meetings-personal-page-waiting")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
