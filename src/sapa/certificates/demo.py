"""Demo data: a certificate design for the demo event, with a background drawn here
(Pillow), a signer with a drawn signature, the speakers and a committee member as
recipients, and their certificates. Safe to run twice: nothing is added when the
event already has a design."""

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from sapa.certificates import render, services, tasks
from sapa.certificates.models import CertificateDesign, ExtraRecipient, Generation, Role
from sapa.events.demo import DEMO_SLUG
from sapa.events.models import Event

PATTERN = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"


def _font(bold: bool, size: int):
    name = render.FONT_FILES["serif-bold" if bold else "serif"]
    return ImageFont.truetype(str(render.FONT_DIR / name), size)


def background_png(library_name: str, size=(1754, 1240)) -> bytes:
    """A cream A4-landscape page with a double frame, the title and the issuer."""
    w, h = size
    mm = w / 297
    page = Image.new("RGB", size, "#fbf6e9")
    draw = ImageDraw.Draw(page)
    draw.rectangle([round(8 * mm), round(8 * mm), w - round(8 * mm), h - round(8 * mm)], outline="#0b5d4b", width=8)
    draw.rectangle([round(11 * mm), round(11 * mm), w - round(11 * mm), h - round(11 * mm)], outline="#c9a227",
                   width=3)
    draw.text((w / 2, 20 * mm), library_name.upper(), font=_font(True, round(5 * mm)), fill="#0b5d4b", anchor="mm")
    draw.text((w / 2, 33 * mm), "SERTIFIKAT", font=_font(True, round(13 * mm)), fill="#7a5c00", anchor="mm")
    draw.text((w / 2, 70 * mm), "diberikan kepada", font=_font(False, round(5 * mm)), fill="#333333",
              anchor="mm")
    out = io.BytesIO()
    page.save(out, "PNG", optimize=True)
    return out.getvalue()


def signature_png() -> bytes:
    """A scribble on a transparent background."""
    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(30, 160), (90, 60), (130, 170), (180, 70), (230, 150), (300, 90), (360, 140), (430, 80),
              (520, 120), (580, 100)]
    draw.line(points, fill=(20, 30, 110, 255), width=7, joint="curve")
    draw.line([(60, 190), (540, 175)], fill=(20, 30, 110, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def load_demo(library, admin) -> None:
    event = Event.objects.filter(library=library, slug=DEMO_SLUG).first()
    if event is None or CertificateDesign.objects.filter(event=event).exists():
        return
    design = services.create_design(event, name="Sertifikat sharing session")
    design.number_pattern = PATTERN
    design.hours = 2
    design.background.save("demo-background.png", ContentFile(background_png(library.name)), save=False)
    design.background_kind = "png"
    design.save()
    signer = design.signers.get(position=1)
    signer.name = admin.display_name if hasattr(admin, "display_name") and admin.display_name else "Kepala Perpustakaan"
    signer.title = "Kepala Perpustakaan"
    signer.signature.save("demo-signature.png", ContentFile(signature_png()), save=False)
    signer.save()
    second = design.signers.get(position=2)
    second.name = "Dra. Sri Wahyuni Ñoman, M.Hum."
    second.title = "Ketua Panitia"
    second.save()
    services.design_changed(design, what="updated")
    services.add_speakers(event)
    ExtraRecipient.objects.get_or_create(event=event, name="Rizky Aditya Pratama",
                                         defaults={"role": Role.COMMITTEE, "email": "panitia@example.org"})
    generation = Generation.objects.create(design=design, send_email=False, created_by=admin)
    tasks.run_generation(generation.pk)
