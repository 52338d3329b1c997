"""Helpers of the certificate tests: an event of 21 July 2020 (the article's), participants
who attended (through the attendance CONTRACT), a design, PDF and image tools."""

import io
import shutil
import subprocess
import tempfile
from functools import partial
from pathlib import Path

import factories
from PIL import Image
from testkit import SmtpInbox, client_for, free_port, member, smtp_server  # noqa: F401

from sapa.attendance.services import record_attendance
from sapa.certificates import services
from sapa.events.models import Registration

PATTERN = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"
NAMES = ["Siti Nurhaliza Ñoño", "Ayu Réné Müller", "Made O’Brien Sudarsana", "Budi Santoso",
         "Dewi Lestari", "Gérard Çelik Wijaya"]


# The article's session (21 July 2020, 09.00–11.00 WIB), without categories.
make_event = partial(factories.make_event, slug="ss-medsos", title="Sharing Session Media Sosial Perpustakaan",
                     starts_at=factories.ARTICLE_SESSION, categories=False)


def add_registration(event, name, email, *, attended=True, language="id") -> Registration:
    registration = factories.make_registration(event, name, email, language=language)
    if attended:
        record_attendance(registration, minutes=120, checked_in_at=event.starts_at)
    else:
        record_attendance(registration, minutes=3)
    return registration


def attendees(event, names=NAMES, start=0) -> list[Registration]:
    return [add_registration(event, name, f"p{start + i}@example.org") for i, name in enumerate(names)]


def make_design(event, **changes):
    design = services.create_design(event, name="Sertifikat")
    design.number_pattern = changes.pop("number_pattern", PATTERN)
    design.hours = changes.pop("hours", 2)
    for key, value in changes.items():
        setattr(design, key, value)
    design.save()
    return design


def png_bytes(size=(1200, 850), colour=(240, 230, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(1200, 850), colour=(200, 220, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    return out.getvalue()


def pdf_pages(colours) -> bytes:
    """A PDF with one A4-landscape page per colour (drawn with reportlab)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(842, 595))
    for colour in colours:
        c.setFillColorRGB(*[v / 255 for v in colour])
        c.rect(0, 0, 842, 595, stroke=0, fill=1)
        c.showPage()
    c.save()
    return out.getvalue()


def pdftotext(pdf: bytes) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def pdf_to_png(pdf: bytes, dpi: int) -> Image.Image:
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed"
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(Path(folder) / "out")],
                       capture_output=True, check=True)
        with Image.open(Path(folder) / "out.png") as image:
            return image.convert("RGB")


