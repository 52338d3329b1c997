"""The certificate page follows a generation to its end (issue 13, item 8): with JavaScript
(htmx polls, then reloads the page) and without (the page refreshes itself while it runs)."""


import pytest
from browser_helpers import login, screenshot
from factories import ARTICLE_SESSION, make_event, make_library, make_member, make_registration
from playwright.sync_api import expect

from sapa.attendance.services import record_attendance
from sapa.certificates import services, tasks
from sapa.certificates.models import Generation
from sapa.libraries.models import Role

NAMES = ["Siti Rahmawati", "Budi Santoso", "Dewi Lestari"]


@pytest.fixture
def running(transactional_db, settings, live_server, tmp_path):
    settings.BASE_URL = live_server.url
    settings.MEDIA_ROOT = tmp_path / "media"
    library = make_library()
    make_member(library, Role.EDITOR, "editor@example.org", name="Editor A")
    event = make_event(library, slug="ss-medsos", starts_at=ARTICLE_SESSION, categories=False)
    for i, name in enumerate(NAMES):
        registration = make_registration(event, name, f"p{i}@example.org")
        record_attendance(registration, minutes=120)
    design = services.create_design(event, name="Sertifikat")
    # Queued as the button does, but run by the test while the page is open (a worker's job).
    generation = Generation.objects.create(design=design, send_email=False)
    url = f"{live_server.url}/staff/perpus-a/events/{event.pk}/certificates/"
    return design, generation, url


def test_the_page_shows_the_certificates_when_generation_ends(desktop_page, live_server, running):
    page = login(desktop_page, live_server, "editor@example.org")
    design, generation, url = running
    page.goto(url)
    issued = page.locator(f"#issued-{design.pk}")
    expect(issued).to_have_text("0")
    tasks.run_generation(generation.pk)
    expect(issued).to_have_text(str(len(NAMES)), timeout=15_000)
    expect(page.locator("#issued")).to_contain_text(f"({len(NAMES)})")
    screenshot(page, "certificates-generation-done")


def test_without_javascript_the_page_refreshes_itself_until_the_end(browser, live_server, running):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    try:
        page = login(context.new_page(), live_server, "editor@example.org")
        design, generation, url = running
        page.goto(url)
        issued = page.locator(f"#issued-{design.pk}")
        expect(issued).to_have_text("0")
        tasks.run_generation(generation.pk)
        expect(issued).to_have_text(str(len(NAMES)), timeout=15_000)
        # Once it has ended, the page stops refreshing.
        assert page.locator('meta[http-equiv="refresh"]').count() == 0
    finally:
        context.close()
