"""scripts/probe.py against the real server (tests/serverproc.py, as `sapa run`), with the demo loaded.

Every staff URL, admin URL and token API operation, filled with real ids of the
demo library, asked by an anonymous visitor and by the admin of the demo's
second library: no answer other than 302 to the login page, 401, 403, 404, 405.
A self-check proves the probe sees access when there is some.
"""

import subprocess
import sys

import pytest
from serverproc import ROOT, sapa_server

# Objects of the demo library that the demo itself does not make, so that the
# probe's URLs carry real ids of the victim (scripts/probe.py MODEL_PARAMS).
SEED = """
from datetime import timedelta
from django.utils import timezone
from sapa.libraries.models import Invitation, Library, Membership, Role, hash_token
from sapa.libraries.services import create_api_token
lib = Library.objects.get(slug="balitbangdiklat")
admin = Membership.objects.filter(library=lib, role=Role.ADMIN).order_by("pk").first().user
create_api_token(admin, "victim's token")
Invitation.objects.create(library=lib, email="calon@perpustakaan.test", role=Role.STAFF, token_hash=hash_token("p" * 40),
                          invited_by=admin, expires_at=timezone.now() + timedelta(days=7))
from sapa.mail.models import Email
Email.objects.create(library=lib, to=["peserta@perpustakaan.test"], from_email="sapa@localhost", subject="S", body_text="B")
from sapa.social import services as social
from sapa.social.models import HashtagSet, MediaItem, Network, PostTemplate
channel = social.create_channel(lib, network=Network.TELEGRAM, name="Kanal", by=admin,
                                credentials={"bot_token": "1:a"}, account_id="@kanal")
post = social.create_post(lib, by=admin, title="Probe")
social.add_variant(post, channel, by=admin, text="Teks", scheduled_at=timezone.now() + timedelta(days=2))
MediaItem.objects.create(library=lib, file="social/x.jpg", original_name="x.jpg", width=10, height=10, format="JPEG",
                         size_bytes=10, alt_text="x")
HashtagSet.objects.create(library=lib, name="Umum", hashtags="#perpus")
PostTemplate.objects.create(library=lib, name="Templat")
from sapa.events.models import Event
from sapa.promotion import links
from sapa.promotion.models import PinnedLink
event = Event.objects.filter(library=lib).order_by("pk").first()
links.event_link(event, "instagram")
PinnedLink.objects.create(library=lib, label="Katalog", url="https://example.org/")
from sapa.catalogue.models import CatalogueSource, ImportRun
source = CatalogueSource.objects.create(library=lib, name="OPAC", base_url="https://opac.example.org/oai")
ImportRun.objects.create(library=lib, source=source)
from sapa.attendance.models import CheckInWindow, ReportImport
CheckInWindow.objects.create(event=event, code="ABCD1234", opens_at=timezone.now(),
                             closes_at=timezone.now() + timedelta(hours=1))
ReportImport.objects.create(event=event, file_name="zoom.csv", format="csv")
from sapa.news.models import Article, GalleryPhoto
GalleryPhoto.objects.create(article=Article.objects.filter(library=lib).first(), image="news/x.jpg", caption="x")
print("SEEDED")
"""


def probe(server, *args):
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "probe.py"), "--url", server.url, *args],
        env=server.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_probe_finds_no_door_open_to_strangers_or_other_libraries():
    with sapa_server() as server:
        server.sapa("demo")
        assert "SEEDED" in server.python(SEED)
        done = probe(server)
        # The attacker's own library, with the guard lifted: every page answers.
        check = probe(server, "--self-check", "--victim", "perpus-tetangga")
        log = server.log()
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr + log[-3000:]
    assert "No violation" in done.stdout
    lines = done.stdout.splitlines()
    unfilled = next((line for line in lines if line.startswith("No object of the victim")), "")
    for seeded in (
        "post_id",
        "channel_id",
        "variant_id",
        "email_id",
        "token_id",
        "link_id",
        "source_id",
        "window_id",
        "import_id",
        "photo_id",
        "invitation_id",
        "media_id",
    ):
        assert seeded + " " not in unfilled, unfilled
    assert " 500 " not in done.stdout and " 200 " not in done.stdout
    assert check.returncode == 1, check.stdout + check.stderr
    assert "VIOLATIONS" in check.stdout and " 200 GET   /staff/perpus-tetangga/" in check.stdout
