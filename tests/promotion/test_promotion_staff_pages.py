"""Staff pages of promotion (and 404 across libraries), and the link-in-bio page."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from factories import make_member
from promotion_helpers import PHONE_UA
from testkit import client_for

from sapa.libraries.models import Role
from sapa.promotion import links
from sapa.promotion.models import Channel, PinnedLink, ProfileLink, ShortLink

pytestmark = pytest.mark.django_db


def staff_urls(slug, event, link):
    base = f"/staff/{slug}/promotion"
    return [
        f"{base}/", f"{base}/events/{event.pk}/", f"{base}/events/{event.pk}/dashboard/",
        f"{base}/events/{event.pk}/dashboard/channels.csv", f"{base}/events/{event.pk}/dashboard/over-time.png",
        f"{base}/events/{event.pk}/flyer/classic/square", f"{base}/links/{link.pk}/qr.png",
        f"{base}/links/{link.pk}/qr.svg", f"{base}/bio/", f"{base}/report/", f"{base}/report/?format=csv",
    ]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_staff_pages_answer(admin_client, library, event, media):
    from sapa.events import services

    services.register(event, name="Siti", email="siti@example.org", consent=True, channel="instagram",
                      category=event.categories.first(), institution="SMA Negeri 1")
    link = links.event_link(event, Channel.INSTAGRAM)
    for url in staff_urls(library.slug, event, link):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    page = admin_client.get(f"/staff/{library.slug}/promotion/events/{event.pk}/").content.decode()
    for channel in Channel.values:
        assert ShortLink.objects.filter(event=event, channel=channel, label="").exists()
    assert link.url in page
    dashboard = admin_client.get(f"/staff/{library.slug}/promotion/events/{event.pk}/dashboard/").content.decode()
    assert "<svg" in dashboard and "<table>" in dashboard
    nav = admin_client.get(f"/staff/{library.slug}/").content.decode()
    assert f"/staff/{library.slug}/promotion/" in nav  # the staff navigation


def test_another_librarys_objects_are_404(admin_client, library, other_library, make_event, media):
    theirs = make_event(slug="punya-b", lib=other_library)
    their_link = links.event_link(theirs, Channel.INSTAGRAM)
    # their event and link under our library's address
    for url in staff_urls(library.slug, theirs, their_link):
        if "/events/" in url or "/links/" in url:
            assert admin_client.get(url).status_code == 404, url
    # their library's address altogether
    for url in staff_urls(other_library.slug, theirs, their_link):
        assert admin_client.get(url).status_code == 404, url
    pinned = PinnedLink.objects.create(library=other_library, label="Katalog", url="https://b.example.org")
    assert admin_client.get(f"/staff/{library.slug}/promotion/bio/pinned/{pinned.pk}/").status_code == 404


def test_variant_link_for_a_post(admin_client, library, event):
    response = admin_client.post(f"/staff/{library.slug}/promotion/events/{event.pk}/",
                                 {"channel": "instagram", "label": "Reels 21 Juli"})
    assert response.status_code == 302
    assert ShortLink.objects.filter(event=event, channel="instagram", label="Reels 21 Juli").count() == 1


def test_pinned_links_and_profiles_are_managed_by_editors(member_client, library):
    staff = member_client(Role.STAFF)
    url = f"/staff/{library.slug}/promotion/bio/"
    data = {"kind": "pinned", "pinned-label": "Katalog daring", "pinned-url": "https://opac.example.org",
            "pinned-position": "1"}
    assert staff.get(url).status_code == 200
    assert staff.post(url, data).status_code == 404
    editor = member_client(Role.EDITOR, email="editor@example.org")
    assert editor.post(url, data).status_code == 302
    pinned = PinnedLink.objects.get(library=library)
    assert pinned.short_link.target_url == "https://opac.example.org"
    response = editor.post(url, {"kind": "profile", "profile-network": "instagram", "profile-handle": "@perpus",
                                 "profile-url": "https://instagram.com/perpus", "profile-position": "0"})
    assert response.status_code == 302
    # a changed address is followed by its short link
    edit = f"/staff/{library.slug}/promotion/bio/pinned/{pinned.pk}/"
    editor.post(edit, {"pinned-label": "Katalog", "pinned-url": "https://opac2.example.org", "pinned-position": "1"})
    response = Client(HTTP_USER_AGENT=PHONE_UA).get(pinned.short_link.path)
    assert response["Location"] == "https://opac2.example.org"
    editor.post(edit, {"delete": "1"})
    assert not PinnedLink.objects.exists()


def test_link_in_bio_page(library, event, make_event):
    PinnedLink.objects.create(library=library, label="Katalog daring", url="https://opac.example.org", position=1)
    ProfileLink.objects.create(library=library, network="instagram", handle="@perpus",
                               url="https://instagram.com/perpus")
    make_event(slug="draf", status="draft")
    client = Client(HTTP_USER_AGENT=PHONE_UA)
    response = client.get(f"/{library.slug}/links")
    assert response.status_code == 200
    html = response.content.decode()
    assert event.title in html and "draf" not in html
    assert "<script" not in html
    hrefs = re.findall(r'href="([^"]+)"', html)
    outgoing = [h for h in hrefs if h.startswith("/s/")]
    assert len(outgoing) == 3  # the event, the pinned link, the profile: all tracked
    event_link = ShortLink.objects.get(event=event, channel=Channel.INSTAGRAM, label=links.BIO_LABEL)
    assert event_link.path in outgoing
    assert "https://opac.example.org" not in hrefs
    # following the event's button counts a click and leads to the event's page
    follow = client.get(event_link.path)
    assert follow["Location"].startswith(f"/e/{event.slug}/?utm_source=instagram")


def test_link_in_bio_page_weighs_under_100_kb(library, make_event):
    for n in range(12):
        make_event(slug=f"acara-{n}", title=f"Sharing session ke-{n} " + "judul panjang " * 10)
    for n in range(10):
        PinnedLink.objects.create(library=library, label=f"Tautan {n}", url=f"https://example.org/{n}")
    response = Client().get(f"/{library.slug}/links")
    html = response.content
    stylesheets = re.findall(rb'<link rel="stylesheet" href="/static/([^"]+)"', html)
    assert stylesheets
    weight = len(html) + sum(len(open(finders.find(s.decode()), "rb").read()) for s in stylesheets)
    assert weight < 100 * 1024, weight
    assert b"<script" not in html and b"<img" not in html  # nothing else to load (no logo here)


def test_link_in_bio_of_unknown_library_is_404():
    assert Client().get("/tidak-ada/links").status_code == 404


def test_staff_membership_of_another_library_sees_nothing(make_user, library, other_library, event):
    client = client_for(make_member(other_library, Role.ADMIN, "luar@example.org"))
    assert client.get(f"/staff/{library.slug}/promotion/events/{event.pk}/dashboard/").status_code == 404
    assert client.get(f"/staff/{other_library.slug}/promotion/events/{event.pk}/dashboard/").status_code == 404
