"""Helpers of the certificate tests: an event of 21 July 2020 (the article's), participants
who attended (through the attendance CONTRACT), a design, PDF and image tools."""

import io
import shutil
import socket
import subprocess
import tempfile
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from PIL import Image

from sapa.attendance.services import record_attendance
from sapa.certificates import services
from sapa.events.models import Event, EventStatus, Registration, RegistrationStatus
from sapa.libraries.models import Membership

JAKARTA = ZoneInfo("Asia/Jakarta")
PATTERN = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"
NAMES = ["Siti Nurhaliza Ñoño", "Ayu Réné Müller", "Made O’Brien Sudarsana", "Budi Santoso",
         "Dewi Lestari", "Gérard Çelik Wijaya"]


def make_event(library, *, slug="ss-medsos", title="Sharing Session Media Sosial Perpustakaan") -> Event:
    starts = datetime(2020, 7, 21, 9, 0, tzinfo=JAKARTA)
    return Event.objects.create(library=library, slug=slug, title=title, starts_at=starts,
                                ends_at=starts + timedelta(hours=2), status=EventStatus.PUBLISHED, capacity=100)


def add_registration(event, name, email, *, attended=True, language="id") -> Registration:
    registration = Registration.objects.create(
        event=event, status=RegistrationStatus.CONFIRMED, name=name, email=email,
        email_normalized=email.lower(), language=language,
    )
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


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="sapa.libraries.auth.EmailBackend")
    return client


def member(make_user, library, role, email=None) -> Client:
    user = make_user(email or f"{role}-{library.slug}@example.org")
    Membership.objects.create(user=user, library=library, role=role)
    client = client_for(user)
    client.user = user
    return client


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


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpInbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()
