"""Regenerate every picture of the guide (Panduan) from the real app.

    .venv/bin/python scripts/guide_pictures.py          # all pictures
    .venv/bin/python scripts/guide_pictures.py acara    # only those whose name starts so

Starts the real server (tests/serverproc.py: migrate, collectstatic, granian) on a
fresh database (SQLite unless DATABASE_URL says PostgreSQL), loads `sapa demo`,
logs in as the demo admin in Debian's Chromium (/usr/bin/chromium, driven by
Playwright; never downloaded) and photographs each page of SHOTS at phone
(360x740) and/or desktop (1280x800) width, in Indonesian. Pictures are WebP
(quality 55), the visible screen only, written to
src/sapa/guide/static/guide/gambar/<name>-<phone|desktop>.webp.
tests/guide/test_guide_content.py checks that every picture the guide shows is one
this command makes.
"""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "src" / "sapa" / "guide" / "static" / "guide" / "gambar"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SIZES = {"phone": (360, 740), "desktop": (1280, 800)}
QUALITY = 55
LIB = "/staff/balitbangdiklat"
# The demo's staff login (sapa.core.management.commands.demo).
DEMO_EMAIL = "admin@perpustakaan.test"
DEMO_PASSWORD = os.environ.get("SAPA_DEMO_PASSWORD", "sapa-demo-2020")


@dataclass(frozen=True)
class Shot:
    name: str
    path: str  # {event}, {manage}, {slug}, {enter} are filled from the demo
    sizes: tuple[str, ...] = ("desktop",)
    staff: bool = True
    scroll_to: str | None = None  # a CSS selector brought into view before the picture


SHOTS = (
    Shot("perpustakaan-pengaturan", f"{LIB}/settings/", ("desktop",)),
    Shot("perpustakaan-staf", f"{LIB}/staff/", ("phone",)),
    Shot("kanal-daftar", f"{LIB}/social/channels/", ("desktop",)),
    Shot("kanal-kalender", f"{LIB}/social/", ("desktop",)),
    Shot("acara-daftar", f"{LIB}/events/", ("desktop", "phone")),
    Shot("acara-baru", f"{LIB}/events/new/", ("phone",)),
    Shot("acara-ringkasan", f"{LIB}/events/{{event}}/", ("desktop",)),
    Shot("promosi-tautan", f"{LIB}/promotion/events/{{event}}/", ("desktop",)),
    Shot("promosi-dasbor", f"{LIB}/promotion/events/{{event}}/dashboard/", ("phone",)),
    Shot("pendaftaran-daftar", f"{LIB}/events/{{event}}/registrations/", ("desktop", "phone")),
    Shot("harih-presensi", f"{LIB}/events/{{event}}/attendance/", ("desktop",)),
    Shot("harih-papan", f"{LIB}/events/{{event}}/live/", ("desktop",)),
    Shot("harih-presentasi", f"{LIB}/events/{{event}}/live/present/", ("desktop",)),
    Shot("setelah-impor", f"{LIB}/events/{{event}}/attendance/import/", ("desktop",)),
    Shot("setelah-survei", f"{LIB}/events/{{event}}/survey/", ("desktop",)),
    Shot("setelah-doorprize", f"{LIB}/events/{{event}}/prizes/", ("desktop",)),
    Shot("setelah-sertifikat", f"{LIB}/events/{{event}}/certificates/", ("desktop",)),
    Shot("setelah-laporan", f"{LIB}/events/{{event}}/report/", ("desktop",)),
    Shot("peserta-acara", "/e/{slug}/", ("phone",), staff=False, scroll_to="#daftar"),
    Shot("peserta-tautan", "{manage}", ("phone",), staff=False),
    Shot("peserta-data", "{manage}", ("phone",), staff=False, scroll_to="#data-title"),
    Shot("peserta-presensi", "/e/{slug}/hadir/", ("phone",), staff=False),
    Shot("peserta-papan", "{enter}", ("phone",), staff=False),
)

DEMO_FACTS = """
import json
from sapa.events.models import Event, Registration
from django.urls import reverse
e = Event.objects.get(slug="sharing-session-medsos-perpustakaan")
r = e.registrations.filter(status="confirmed", anonymized_at__isnull=True).order_by("id").first()
print(json.dumps({"event": e.pk, "slug": e.slug,
  "manage": reverse("registration-manage", args=[r.public_id, r.manage_token]),
  "enter": reverse("live-enter", args=[e.slug, r.public_id, r.manage_token])}))
"""


def picture_names() -> set[str]:
    """Every file name the command writes."""
    return {f"{shot.name}-{size}.webp" for shot in SHOTS for size in shot.sizes}


def save(png: bytes, target: Path) -> int:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.save(target, "WEBP", quality=QUALITY, method=6)
    return target.stat().st_size


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    from tests.serverproc import sapa_server

    wanted = [s for s in SHOTS if not argv or any(s.name.startswith(a) for a in argv)]
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    with sapa_server() as server:
        server.sapa("demo")
        facts = json.loads(server.python(DEMO_FACTS).strip().splitlines()[-1])
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for size, (width, height) in SIZES.items():
                shots = [s for s in wanted if size in s.sizes]
                if not shots:
                    continue
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    locale="id-ID",
                    device_scale_factor=1,
                    is_mobile=size == "phone",
                    has_touch=size == "phone",
                )
                page = context.new_page()
                page.goto(server.url + "/accounts/login/")
                page.locator("input[name=email]").fill(DEMO_EMAIL)
                page.locator("input[name=password]").fill(DEMO_PASSWORD)
                page.locator("form:has(input[name=password]) button[type=submit]").click()
                page.wait_for_load_state()
                if "/accounts/login/" in page.url:
                    raise SystemExit(f"could not log in as {DEMO_EMAIL}")
                for shot in shots:
                    page.goto(server.url + shot.path.format(**facts))
                    page.wait_for_load_state("networkidle")
                    if shot.scroll_to and page.locator(shot.scroll_to).count():
                        page.locator(shot.scroll_to).first.evaluate(
                            "e => e.scrollIntoView({block: 'start'})"
                        )
                    target = OUT / f"{shot.name}-{size}.webp"
                    written = save(page.screenshot(), target)
                    total += written
                    print(
                        f"{target.relative_to(ROOT)}  {written // 1024} KB  ({page.url[len(server.url) :]})"
                    )
                context.close()
            browser.close()
    print(
        f"{len(list(OUT.glob('*.webp')))} pictures, {sum(f.stat().st_size for f in OUT.glob('*.webp')) // 1024} KB "
        f"in {OUT.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
