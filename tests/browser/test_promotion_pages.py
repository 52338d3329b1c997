"""Promotion on a 360 px phone: the link-in-bio page and a short link landing on the event page
(accessible, no sideways scrolling, light), and an editor's promotion page, dashboard, flyer
download and "attach to a new post".

Steps find things by URLs, roles and data rather than by translated text.
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
    login,
    screenshot,
)
from django.utils import timezone
from factories import make_event, make_library, make_member
from playwright.sync_api import expect

from sapa.events import services
from sapa.events.models import Question, QuestionKind, Speaker
from sapa.libraries.models import Role
from sapa.promotion import clicks, links
from sapa.promotion.models import Channel, PinnedLink, ProfileLink
from sapa.social.models import MediaItem, Post

PAGE_WEIGHT_LIMIT = 100 * 1024  # HTML + CSS, bytes


@pytest.fixture
def promoted_event(transactional_db, settings, live_server, tmp_path):
    settings.SAPA_REGISTRATION_MIN_SECONDS = 0
    settings.SAPA_REGISTRATION_RATE = "100/600"
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    links._CACHE.clear()
    clicks._SEEN.clear()
    library = make_library("balitbangdiklat", "Perpustakaan Balitbangdiklat Kemenag",
                           tagline="Membaca bersama, tumbuh bersama")
    jakarta = ZoneInfo("Asia/Jakarta")
    day = (timezone.now() + timedelta(days=12)).astimezone(jakarta).date()
    starts = datetime.combine(day, dtime(9, 0), tzinfo=jakarta)
    event = make_event(
        library, slug="sharing-session-medsos",
        title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19",
        description="Berbagi pengalaman mengelola **media sosial** perpustakaan.",
        starts_at=starts, ends_at=starts + timedelta(hours=2, minutes=30),
        meeting_url="https://us02web.zoom.us/j/81234567890", registration_opens_at=-timedelta(days=1),
    )
    Question.objects.create(event=event, label="Asal provinsi", kind=QuestionKind.REGION, required=False)
    Speaker.objects.create(event=event, name="Diar Sunyono", role="Kepala Bagian Umum dan Perpustakaan",
                           position=0)
    Speaker.objects.create(event=event, name="Rina Kartikasari", role="Pustakawan Ahli Madya", position=1)
    categories = list(event.categories.all())
    people = [("Siti Aminah", "instagram", "SMA Negeri 1 Bogor"), ("Budi Santoso", "whatsapp", "UIN Jakarta"),
              ("Dewi Lestari", "instagram", "SMA Negeri 1 Bogor"), ("Agus Salim", "flyer", "")]
    for n, (name, channel, institution) in enumerate(people):
        services.register(event, name=name, email=f"p{n}@example.org", consent=True, channel=channel,
                          category=categories[n % len(categories)], institution=institution)
    PinnedLink.objects.create(library=library, label="Katalog online (OPAC)", url="https://opac.example.id/",
                              position=0)
    ProfileLink.objects.create(library=library, network="instagram", handle="@perpus_balitbangdiklat",
                               url="https://www.instagram.com/perpus_balitbangdiklat/", position=0)
    make_member(library, Role.EDITOR, "editor@example.org", name="Rina Editor")
    yield event
    links._CACHE.clear()
    clicks._SEEN.clear()


def track_weight(page) -> dict:
    """Bytes of the documents and stylesheets the page loads, by URL (filled as responses arrive)."""
    sizes = {}

    def on_response(response):
        if response.request.resource_type in ("document", "stylesheet") and response.status == 200:
            sizes[response.url] = len(response.body())

    page.on("response", on_response)
    return sizes


def wait_for_previews(page):
    """The two square flyer previews (lazy images) are loaded and drawn."""
    previews = page.locator("img.flyer-preview")
    expect(previews).to_have_count(2)
    for n in range(2):
        previews.nth(n).scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete && img.naturalWidth === 1080",
                               arg=previews.nth(n).element_handle())


def look(page, name, *, staff=True):
    """Styled, no sideways scrolling at 360 px, no axe violations; keep a screenshot."""
    screenshot(page, name)
    if staff:
        assert_stylesheet_loaded(page)
    assert_no_horizontal_overflow(page)
    assert_accessible(page)


def test_link_in_bio_page_is_light_and_accessible(phone_page, live_server, promoted_event):
    page = phone_page
    weight = track_weight(page)
    page.goto(f"{live_server.url}/balitbangdiklat/links")
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_have_text("Perpustakaan Balitbangdiklat Kemenag")
    register = page.locator(".bio-event a.bio-button")
    expect(register).to_have_count(1)
    expect(page.locator(".bio-event .bio-title")).to_have_text(promoted_event.title)
    assert re.fullmatch(r"/s/[a-z2-9]{7}", register.get_attribute("href"))
    expect(page.get_by_role("link", name="Katalog online (OPAC)")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("perpus_balitbangdiklat"))).to_be_visible()
    # promotion.css is applied: the register button is a filled pill in the library's colour
    assert register.evaluate("(a) => getComputedStyle(a).backgroundColor") == "rgb(11, 93, 75)"
    look(page, "phone-link-in-bio", staff=False)
    assert 0 < sum(weight.values()) < PAGE_WEIGHT_LIMIT, weight
    # Every button is big enough to hit with a thumb.
    box = register.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300, box


def test_short_link_lands_on_the_event_page(phone_page, live_server, promoted_event):
    page = phone_page
    link = links.event_link(promoted_event, Channel.WHATSAPP)
    weight = track_weight(page)
    page.goto(f"{live_server.url}{link.path}")
    page.wait_for_load_state("networkidle")
    assert page.url.startswith(f"{live_server.url}/e/{promoted_event.slug}/?"), page.url
    assert "utm_source=whatsapp" in page.url and "utm_campaign=sharing-session-medsos" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(promoted_event.title)
    look(page, "phone-short-link-event", staff=False)
    assert 0 < sum(weight.values()) < PAGE_WEIGHT_LIMIT, weight


def test_editor_promotion_page_dashboard_flyer_and_post(phone_page, live_server, promoted_event):
    page = phone_page
    event = promoted_event
    login(page, live_server, "editor@example.org")
    base = f"{live_server.url}/staff/balitbangdiklat/promotion/events/{event.pk}"

    # The promotion page: a short link per channel, the flyers with their previews.
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(page.locator("table.stack tbody tr")).to_have_count(len(Channel.values))
    wait_for_previews(page)
    look(page, "phone-promotion-event")

    # Download a flyer: a real PNG of 1080×1350.
    portrait = page.locator("a[href$='/flyer/classic/portrait?download=1']")
    with page.expect_download() as info:
        portrait.click()
    download = info.value
    assert download.suggested_filename == f"flyer-{event.slug}-classic-portrait.png"
    data = open(download.path(), "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    response = page.request.get(f"{base}/flyer/poster/story")
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    assert response.body()[:8] == b"\x89PNG\r\n\x1a\n"

    # Attach the square flyer to a new post: a draft is made and shown on the page.
    form = page.locator("form[action$='/flyer/classic/square/post']")
    form.get_by_role("button").click()
    page.wait_for_load_state()
    post = Post.objects.get(event=event)
    assert MediaItem.objects.get(library=event.library).width == 1080
    assert page.url.endswith(f"?post={post.pk}#attached")
    expect(page.locator("#attached")).to_be_visible()
    expect(page.locator("#attached")).to_contain_text(f"#{post.pk}")
    wait_for_previews(page)
    look(page, "phone-promotion-attached")

    # The dashboard: every chart an SVG with its data as a table.
    page.goto(f"{base}/dashboard/")
    charts = page.locator("section.chart-card")
    assert charts.count() >= 4
    with_data = page.locator("section.chart-card:has(svg.chart)")
    assert with_data.count() >= 3
    for n in range(with_data.count()):
        section = with_data.nth(n)
        svg = section.locator("svg.chart")
        expect(svg).to_be_visible()
        assert svg.get_attribute("role") == "img"
        box = svg.bounding_box()
        assert box["width"] >= 570 and box["height"] > 60, box  # readable: scrolls sideways on a phone
        section.locator("summary").click()
        table = section.locator("table")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() >= 1
    look(page, "phone-promotion-dashboard")
