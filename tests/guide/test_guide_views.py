"""The guide inside Sapa: /bantuan/ for staff, /<library>/bantuan/ for participants,
the Help link of every staff page, and the links from the event page and the emails."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import re
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import URLPattern, URLResolver, get_resolver

from sapa.events import services
from sapa.guide import content
from sapa.libraries.models import RESERVED_SLUGS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "events"))
from public_helpers import _public_settings, make_event, smtp_server, text_of  # noqa: E402, F401

pytestmark = pytest.mark.django_db
LIMIT = 100 * 1024


def weight(response):
    """The page's bytes plus its stylesheets' (pictures load lazily, one by one as read)."""
    html = response.content
    total = len(html)
    for href in re.findall(rb'<link rel="stylesheet" href="/static/([^"]+)"', html):
        total += Path(finders.find(href.decode())).stat().st_size
    return total


def test_the_guide_is_in_indonesian_by_default(client):
    response = client.get("/bantuan/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="id">' in page
    assert "Panduan Sapa untuk staf perpustakaan" in page
    for section in content.sections("id"):
        assert f'href="/bantuan/{section.slug}/"' in page
        assert section.title in page
    assert "Menyiapkan perpustakaan dan staf" in page


def test_the_guide_in_english_for_who_chose_english(client):
    client.cookies["django_language"] = "en"
    page = client.get("/bantuan/acara/").content.decode()
    assert '<html lang="en">' in page
    assert "Creating the event" in page
    assert "«Create the event»" in page
    assert "Membuat acara" not in page


@pytest.mark.parametrize("slug", [s.slug for s in content.sections("id")])
def test_each_section_is_rendered_with_its_pictures_and_stays_light(client, slug):
    response = client.get(f"/bantuan/{slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h2" in page and "«" in page
    pictures = re.findall(r'<img loading="lazy" [^>]*src="([^"]+)"', page)
    assert pictures, "every section shows at least one picture"
    for src in pictures:
        assert src.startswith("/static/guide/gambar/") and src.endswith(".webp")
        assert finders.find(src.removeprefix("/static/")), src
    assert "<script" not in page
    assert weight(response) < LIMIT, weight(response)


def test_unknown_sections_are_not_found(client):
    assert client.get("/bantuan/tidak-ada/").status_code == 404
    assert client.get(f"/bantuan/{content.PARTICIPANT_SLUG}/").status_code == 404


def test_markup_in_the_guide_cannot_inject_html():
    html = content.render(
        "# T\n\n<script>alert(1)</script> [x](javascript:alert(1)) ![p](https://evil.example/x.png)"
    )
    assert "<script" not in html and "javascript:" not in html and "evil.example" not in html


def test_every_staff_page_links_to_its_section_of_the_guide(admin_client, library):
    event = make_event(library)
    pages = {
        f"/staff/{library.slug}/settings/": "/bantuan/perpustakaan/",
        f"/staff/{library.slug}/social/channels/": "/bantuan/kanal/",
        f"/staff/{library.slug}/events/": "/bantuan/acara/",
        f"/staff/{library.slug}/events/new/": "/bantuan/acara/",
        f"/staff/{library.slug}/promotion/events/{event.pk}/": "/bantuan/promosi/",
        f"/staff/{library.slug}/events/{event.pk}/registrations/": "/bantuan/pendaftaran/",
        f"/staff/{library.slug}/events/{event.pk}/live/": "/bantuan/hari-h/",
        f"/staff/{library.slug}/events/{event.pk}/attendance/import/": "/bantuan/setelah/",
        f"/staff/{library.slug}/events/{event.pk}/certificates/": "/bantuan/setelah/",
    }
    for url, guide in pages.items():
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert f'<a class="guide-link" href="{guide}">Bantuan</a>' in response.content.decode(), url


def test_every_staff_url_maps_to_a_section_that_exists():
    """A section renamed in the guide, or a new app's pages, never lead to a missing page."""
    slugs = {s.slug for s in content.sections("id")}

    def names(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from names(p.url_patterns, prefix + str(p.pattern))
            elif (
                isinstance(p, URLPattern)
                and p.name
                and (prefix + str(p.pattern)).startswith("staff/<slug:slug>/")
            ):
                yield p.name

    staff_names = set(names(get_resolver().url_patterns))
    assert len(staff_names) > 100
    mapped = {name: content.section_for(name) for name in staff_names}
    assert {slug for slug in mapped.values() if slug} <= slugs
    assert {slug for slug in mapped.values() if slug} == slugs, "every section has a staff page"
    unmapped = sorted(name for name, slug in mapped.items() if slug is None)
    assert all(name.startswith("catalogue-") for name in unmapped), unmapped


def test_public_pages_carry_no_staff_help_link(client, library):
    event = make_event(library)
    assert 'class="guide-link"' not in client.get(f"/e/{event.slug}/").content.decode()


def test_participant_help_per_library(client, library):
    response = client.get(f"/{library.slug}/bantuan/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Bantuan untuk peserta" in page
    assert library.name in page
    for label in (
        "«Daftar»",
        "«Presensi sekarang»",
        "«Unduh sertifikat Anda»",
        "«Hapus data saya»",
    ):
        assert label in page
    assert "{library" not in page
    assert f'<a href="/{library.slug}/">' in page
    assert weight(response) < LIMIT
    assert client.get("/perpus-tidak-ada/bantuan/").status_code == 404


def test_participant_help_in_english(client, library):
    client.cookies["django_language"] = "en"
    page = client.get(f"/{library.slug}/bantuan/").content.decode()
    assert "Help for participants" in page and "«Erase my data»" in page


def test_the_event_page_links_to_the_participant_help(client, library):
    event = make_event(library)
    page = client.get(f"/e/{event.slug}/").content.decode()
    assert f'href="/{library.slug}/bantuan/"' in page


def test_registration_emails_link_to_the_participant_help(
    library, smtp_server, django_capture_on_commit_callbacks, settings
):
    event = make_event(library)
    with django_capture_on_commit_callbacks(execute=True):
        services.register(
            event,
            name="Siti Rahmawati",
            email="siti@example.org",
            whatsapp="+6281234567890",
            category=event.categories.first(),
            consent=True,
        )
    [message] = smtp_server.messages
    assert f"{settings.BASE_URL}/{library.slug}/bantuan/" in text_of(message)


def test_no_library_may_take_the_guide_address():
    assert "bantuan" in RESERVED_SLUGS


def test_a_library_name_cannot_inject_markup_into_the_help_page(client, make_library):
    library = make_library(slug="perpus-x", name="Perpus <script>alert(1)</script> *X*")
    page = client.get(f"/{library.slug}/bantuan/").content.decode()
    assert "<script>alert" not in page
    assert "Perpus &lt;script&gt;alert(1)&lt;/script&gt; *X*" in page
