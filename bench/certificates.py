#!/usr/bin/env python3
"""Benchmark: certificates for 1,000 attendees, one-page A4 design with a background image.

Sets up (in a fresh SAPA_DATA_DIR, on SQLite unless DATABASE_URL says otherwise) a
library, an event, N registrations marked attended through the attendance CONTRACT,
and a design with a drawn background (photo-like gradient, frame, title: a JPEG of
~0.2-0.4 MB at 150 dpi), two signers with signature images and every field on.
Then runs the bulk generation exactly as the worker does (services.run_generation:
numbering in one transaction, then one PDF per certificate into media storage,
progress updates; --processes 2 for a pool of two), without emails.
Prints the rate (certificates/s, wall clock),
the CPU time per certificate (the machine is shared: CPU time is the steadier
figure), and a breakdown: numbering, page preparation, rendering alone.

    .venv/bin/python bench/certificates.py [-n 1000] [--processes 2] [--keep]

Target (issue 7): at least 100 certificates/s on this 2-core machine.
"""

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _background(size=(1754, 1240)) -> bytes:
    """A busy, photo-like page: gradients, circles, a frame and a title (JPEG)."""
    import math

    from PIL import Image, ImageDraw, ImageFilter

    w, h = size
    image = Image.new("RGB", size)
    pixels = image.load()
    for y in range(h):
        for x in range(0, w):
            pixels[x, y] = (int(235 + 20 * math.sin(x / 90)), int(225 + 25 * math.cos(y / 70)),
                            int(200 + 30 * math.sin((x + y) / 150)))
    draw = ImageDraw.Draw(image)
    for i in range(40):
        r = 40 + (i * 37) % 160
        cx, cy = (i * 211) % w, (i * 149) % h
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(11, 93, 75), width=3)
    image = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    draw.rectangle([47, 47, w - 47, h - 47], outline="#0b5d4b", width=10)
    draw.rectangle([65, 65, w - 65, h - 65], outline="#c9a227", width=4)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("-n", type=int, default=1000, help="attendees")
    parser.add_argument("--processes", type=int, default=None,
                        help="SAPA_CERTIFICATE_PROCESSES (default 1: in this process)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (to look at the PDFs)")
    args = parser.parse_args()
    if args.processes:
        os.environ["SAPA_CERTIFICATE_PROCESSES"] = str(args.processes)

    data_dir = Path(tempfile.mkdtemp(prefix="sapa-bench-certificates-"))
    os.environ["SAPA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SAPA_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("migrate", verbosity=0)
        from datetime import datetime, timedelta
        from zoneinfo import ZoneInfo

        from sapa.attendance.services import record_attendance
        from sapa.certificates import demo, render, services
        from sapa.certificates.models import Certificate, Generation
        from sapa.events.models import Event, Registration
        from sapa.libraries.models import Library

        started = time.monotonic()
        library = Library.objects.create(slug="bench", name="Perpustakaan Balitbangdiklat Kemenag")
        starts = datetime(2020, 7, 21, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
        event = Event.objects.create(
            library=library, slug="ss-medsos", starts_at=starts, ends_at=starts + timedelta(hours=2),
            title="Sharing Session Pengelolaan Media Sosial Perpustakaan di Masa Pandemi Covid-19")
        first = ["Siti", "Ñoman", "Réné", "Made", "Ayu", "Budi", "Dewi", "Gérard", "Zoë", "Putu"]
        last = ["Wahyuni", "Müller", "O’Brien", "Saraswati", "Santoso", "Çelik", "Lestari", "Nasution"]
        Registration.objects.bulk_create([
            Registration(event=event, status="confirmed", name=f"{first[i % 10]} {last[i % 8]} {i}",
                         email=f"p{i}@example.org", email_normalized=f"p{i}@example.org")
            for i in range(args.n)])
        for registration in Registration.objects.filter(event=event):
            record_attendance(registration, minutes=110)
        design = services.create_design(event, name="Sertifikat")
        design.number_pattern = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"
        design.hours = 2
        background = _background()
        design.background.save("bench.jpg", ContentFile(background), save=False)
        design.background_kind = "jpeg"
        design.save()
        for position, name in ((1, "Dr. Ahmad Ñoman, M.Hum."), (2, "Dra. Sri Wahyuni, M.Si.")):
            signer = design.signers.get(position=position)
            signer.name, signer.title = name, "Kepala Perpustakaan" if position == 1 else "Ketua Panitia"
            signer.signature.save(f"sig{position}.png", ContentFile(demo.signature_png()), save=False)
            signer.save()
        design.fields.update(enabled=True)
        services.design_changed(design, what="updated")
        print(f"setup: {args.n} attendees and the design in {time.monotonic() - started:.1f} s "
              f"(database: {connection.vendor}; uploaded background {len(background) / 1024:.0f} KB)", flush=True)

        # The whole job, as the worker runs it.
        generation = Generation.objects.create(design=design, send_email=False)
        from sapa.certificates import parallel

        workers = parallel.processes() if args.n >= parallel.PARALLEL_MIN else 1
        wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
        state = services.run_generation(generation.pk)
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu + _children_cpu() - children  # the pool's processes too
        generation.refresh_from_db()
        count = Certificate.objects.filter(event=event, rendered_at__isnull=False).count()
        assert state == "done" and count == args.n, (state, count, generation.error)
        sizes = [Path(c.file.path).stat().st_size for c in Certificate.objects.filter(event=event)]
        page = services.prepared_page(design)

        # Breakdown.
        t = time.perf_counter()
        Certificate.objects.filter(event=event).delete()
        numbering_s = time.perf_counter()
        services.issue(design)
        numbering_s = time.perf_counter() - numbering_s
        Certificate.objects.all().delete()
        t = time.perf_counter()
        design.refresh_from_db()
        lay = services.layout(design)
        layout_s = time.perf_counter() - t
        sample = [render.Certificate(f"{first[i % 10]} {last[i % 8]} {i}", "participant",
                                     f"{i:03d}/SS-MEDSOS/VII/2020", f"https://sapa.example.org/v/{'A' * 20}/")
                  for i in range(200)]
        t, c = time.perf_counter(), time.process_time()
        for s in sample:
            lay.render(s)
        render_wall = (time.perf_counter() - t) / len(sample)
        render_cpu = (time.process_time() - c) / len(sample)

        print(f"generation: {count} certificates in {wall:.2f} s wall = {count / wall:.0f} certificates/s "
              f"(target >= 100; {workers} rendering process{'es' if workers > 1 else ''}; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
        print(f"cpu: {cpu:.2f} s = {cpu / count * 1000:.2f} ms per certificate "
              f"(= {count / cpu:.0f} certificates/s per core)")
        print(f"pdf: {sum(sizes) / len(sizes) / 1024:.0f} KB each on average (prepared page JPEG "
              f"{len(page) / 1024:.0f} KB, embedded once per file as it is), {sum(sizes) / 1048576:.0f} MB in all")
        print(f"breakdown: numbering {args.n} in one transaction {numbering_s * 1000:.0f} ms; layout "
              f"(fonts, static texts, page JPEG) {layout_s * 1000:.0f} ms; rendering alone "
              f"{render_wall * 1000:.2f} ms wall / {render_cpu * 1000:.2f} ms cpu per certificate")
    finally:
        connection.close()
        if args.keep:
            print(f"data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
