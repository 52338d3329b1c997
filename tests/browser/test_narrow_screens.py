"""Pages people open on a phone stay 360 px wide (issue 13, item 10): the outside reviewer's
page with a long link in the post, the social calendar with its filter, the registrations
table, and the staff menus, which leave room for the page on the first screen."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import (
    assert_accessible,
    assert_no_horizontal_overflow,
    login,
    screenshot,
)
from django.utils import timezone
from factories import make_event, make_library, make_member

from sapa.events import services as event_services
from sapa.events.models import RegistrationSource
from sapa.libraries.models import Role
from sapa.social import services, workflow
from sapa.social.models import Network

LONG_LINK = "https://perpustakaan.example.go.id/e/sharing-session-pengelolaan-media-sosial-perpustakaan-2020/?utm_source=instagram&utm_medium=social&utm_campaign=sharing-session"


@pytest.fixture
def library_at_work(transactional_db, settings, live_server, tmp_path):
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    library = make_library("dispusip-sleman", "Dinas Perpustakaan dan Kearsipan Kabupaten Sleman")
    admin = make_member(library, Role.ADMIN, "admin@example.org", name="Sri Wahyuni")
    channel = services.create_channel(
        library,
        network=Network.TELEGRAM,
        name="Telegram Dinas Perpustakaan Sleman",
        by=admin,
        account_id="@dispusipsleman",
        credentials={"bot_token": "1:ABC"},
    )
    post = services.create_post(
        library, by=admin, title="Sharing Session Pengelolaan Media Sosial Perpustakaan"
    )
    services.add_variant(
        post,
        channel,
        by=admin,
        text=f"Daftar sekarang, kursi terbatas!\n{LONG_LINK}\n#PerpustakaanDigital#LiterasiInformasiUntukSemua",
        scheduled_at=timezone.now() + timedelta(days=3),
    )
    workflow.submit_for_review(post, by=admin)
    starts = datetime.now(ZoneInfo("Asia/Jakarta")).replace(
        hour=9, minute=0, second=0, microsecond=0
    ) + timedelta(days=7)
    event = make_event(library, title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi",
                       starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30))
    for i in range(5):
        event_services.register(
            event,
            name=f"Ni Luh Putu Ayu Wulandari Kusumaningrum {i}",
            email=f"niluh.putu.ayu.wulandari.kusumaningrum{i}@perpustakaan-daerah.example.go.id",
            whatsapp="+6281234567890",
            institution="Dinas Perpustakaan dan Kearsipan Provinsi Bali",
            consent=True,
            source=RegistrationSource.STAFF,
        )
    return {"library": library, "post": post, "event": event}


def _width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_reviewers_page_wraps_on_a_phone(phone_page, live_server, library_at_work):
    page = phone_page
    page.goto(workflow.review_url(library_at_work["post"]))
    screenshot(page, "narrow-review")
    assert_no_horizontal_overflow(page)
    assert LONG_LINK in page.locator(".post-text").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize(
    "path",
    [
        "social/?view=list",
        "social/?view=month",
        "social/?view=week",
        "events/{event}/registrations/",
    ],
)
def test_staff_pages_fit_a_phone(phone_page, live_server, library_at_work, path):
    page = login(phone_page, live_server, "admin@example.org")
    page.goto(
        f"{live_server.url}/staff/dispusip-sleman/" + path.format(event=library_at_work["event"].pk)
    )
    name = (
        "narrow-"
        + path.split("?")[0].strip("/").replace("/", "-").replace("{event}", "e")
        + (path.split("=")[-1] if "?" in path else "")
    )
    screenshot(page, name)
    assert_no_horizontal_overflow(page)


def test_the_staff_menus_leave_the_first_screen_to_the_page(
    phone_page, live_server, library_at_work
):
    page = login(phone_page, live_server, "admin@example.org")
    page.goto(
        f"{live_server.url}/staff/dispusip-sleman/events/{library_at_work['event'].pk}/registrations/"
    )
    heading = page.locator("main h1").bounding_box()
    screenshot(page, "narrow-staff-menus", full_page=False)
    # Both menus (the library's and the event's) take one scrollable line each, and end above the middle.
    assert heading["y"] < 740 / 2, f"the page's heading starts at {heading['y']} px"
    for menu in ("nav.nav ul", "nav.subnav ul"):
        box = page.locator(menu).bounding_box()
        assert box["height"] < 60, f"{menu} is {box['height']} px high"
    menu = page.locator("nav.subnav").bounding_box()
    assert menu["y"] + menu["height"] < 740 / 2, "the menus fill more than half of the first screen"
    assert _width(page) <= 360
