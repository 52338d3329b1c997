"""The QR codes staff show on Zoom (the check-in screen, the presenter screen) are whole and
decodable at common projector sizes: a screenshot of the page decodes to the right URL."""

from datetime import timedelta
from io import BytesIO

import pytest
import zxingcpp
from browser_helpers import login, screenshot
from factories import make_event, make_library, make_member
from PIL import Image

from sapa.attendance import services
from sapa.libraries.models import Role

SIZES = [(1280, 720), (1280, 800), (1920, 1080), (1024, 768)]


def decode(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(BytesIO(png)).convert("L"))]


@pytest.fixture
def session(transactional_db, settings, live_server):
    settings.BASE_URL = live_server.url
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag")
    staff = make_member(library, Role.STAFF, "dewi@example.org", name="Dewindah")
    event = make_event(
        library, slug="sharing-session-pengelolaan-media-sosial-perpustakaan",
        title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        starts_at=-timedelta(minutes=40), ends_at=timedelta(hours=2), categories=False)
    return event, staff


@pytest.mark.parametrize("width,height", SIZES)
def test_checkin_screen_qr_is_whole_and_decodable(browser, live_server, session, width, height):
    event, staff = session
    window = services.open_checkin(event, 15)
    context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
    try:
        page = login(context.new_page(), live_server, staff.email)
        page.goto(f"{live_server.url}/staff/{event.library.slug}/events/{event.pk}/attendance/checkin/{window.pk}/")
        box = page.locator(".qr svg").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (box, width, height)
        # The code and the QR fit the first screen: nothing to scroll on a shared screen.
        code = page.locator("[data-code]").bounding_box()
        assert code["y"] + code["height"] <= height
        path = screenshot(page, f"checkin-screen-{width}x{height}", full_page=False)
        assert services.checkin_url(event) in decode(path.read_bytes())
    finally:
        context.close()
