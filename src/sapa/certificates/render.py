"""Drawing certificates: the prepared page, the text, the QR code, as PDF.

The approach (measured in bench/certificates.py, explained in docs/certificates.md):

- Once per design ("preparing"): the background (a PNG, a JPEG or one page of
  a PDF, rendered with PDFium) is scaled to the page at 150 dpi, the signers'
  signature images are laid on it, and the result is saved as one JPEG.
- Once per generation (`Layout`): the fonts are registered, the texts that are
  the same on every certificate (event, date, hours, signers) are fitted to
  their boxes, and the prepared JPEG is copied to a local file.
- Per certificate: reportlab writes a one-page PDF that embeds that JPEG as it
  is (DCT, no decoding, no recompression), the texts in DejaVu (subset, with a
  ToUnicode map, so the text is extractable with its diacritics) and the QR
  code as vector rectangles (one per run of dark modules).

Coordinates: staff place boxes in millimetres from the page's top-left corner;
PDF counts points from the bottom-left.
"""

import hashlib
import io
import tempfile
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import translation
from PIL import Image, ImageDraw, ImageOps

from sapa.certificates.models import Align, FieldKey, Font, Role
from sapa.core.timefmt import format_date
from sapa.promotion import qr

MM = 72 / 25.4  # points per millimetre
DPI = 150
JPEG_QUALITY = 88
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {
    Font.SANS: "DejaVuSans.ttf",
    Font.SANS_BOLD: "DejaVuSans-Bold.ttf",
    Font.SERIF: "DejaVuSerif.ttf",
    Font.SERIF_BOLD: "DejaVuSerif-Bold.ttf",
}
BOLD_OF = {Font.SANS: Font.SANS_BOLD, Font.SERIF: Font.SERIF_BOLD}
# DejaVu's ascent and descent, in ems: a line of text never inks outside them.
ASCENT, DESCENT = 0.93, 0.24
LINE_HEIGHT = 1.2
MIN_FONT_SIZE = 6.0
# A fixed QR mask: choosing the best of eight costs 80 % of the encoding and
# any mask reads (docs/certificates.md).
QR_MASK = 0
SIGNATURE_SHARE = 0.55  # top part of a signer's box for the signature image
# A name shrinks to fit its box on one line; a very long one (with all its titles)
# may take a second line rather than become unreadably small.
NAME_LINES = 2

_fonts_lock = threading.Lock()
_fonts_ready = False


def font_name(font: str) -> str:
    """reportlab's name of one of the vendored fonts."""
    return f"Sapa-{font}"


def register_fonts() -> None:
    """Register the vendored DejaVu fonts with reportlab and set it up (once per process)."""
    global _fonts_ready
    if _fonts_ready:
        return
    # inside: heavy: reportlab only for PDFs
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _fonts_lock:
        if not _fonts_ready:
            # inside: heavy: reportlab only for PDFs
            from reportlab import rl_config

            # Binary streams: a JPEG goes in as it is, not ASCII85-encoded (+25 % size and time).
            rl_config.useA85 = 0
            for key, filename in FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(font_name(key), str(FONT_DIR / filename)))
            _fonts_ready = True


def page_points(design) -> tuple[float, float]:
    """The page's (width, height) in PDF points."""
    w, h = design.page_mm
    return w * MM, h * MM


def page_pixels(design) -> tuple[int, int]:
    """The prepared page's (width, height) in pixels at DPI."""
    w, h = design.page_mm
    return round(w / 25.4 * DPI), round(h / 25.4 * DPI)


# --- Text fitting -----------------------------------------------------------------------


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    # inside: heavy: reportlab only for PDFs
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if not current or stringWidth(candidate, font, size) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def fit_text(text: str, font: str, size: float, width: float, height: float, max_lines: int,
             min_size: float = MIN_FONT_SIZE):
    """(size, lines): the largest size up to `size` (down to `min_size`) at which the text
    fits the box."""
    # inside: heavy: reportlab only for PDFs
    from reportlab.pdfbase.pdfmetrics import stringWidth

    size = float(size)
    text = " ".join(text.split())
    while True:
        lines = _wrap(text, font, size, width) if max_lines > 1 else [text]
        block = (len(lines) - 1) * LINE_HEIGHT * size + (ASCENT + DESCENT) * size
        fits = (len(lines) <= max_lines and block <= height
                and all(stringWidth(line, font, size) <= width for line in lines))
        if fits or size <= min_size:
            return size, lines[:max_lines]
        size = max(min_size, round(size - 0.5, 1))


@dataclass
class Box:
    """A field's box in PDF points (x0, y0 bottom-left) and its style."""

    key: str
    x0: float
    y0: float
    width: float
    height: float
    font_size: float
    align: str
    colour: tuple
    font: str

    @property
    def top(self):
        return self.y0 + self.height


@dataclass
class TextBlock:
    """Text fitted to a box: each line with its start point, font and size."""

    runs: list = field(default_factory=list)  # (x, y, text, font, size, colour)


def _colour(hexstr: str) -> tuple:
    hexstr = hexstr.lstrip("#")
    return tuple(int(hexstr[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _line_x(box: Box, text: str, font: str, size: float) -> float:
    # inside: heavy: reportlab only for PDFs
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if box.align == Align.LEFT:
        return box.x0
    w = stringWidth(text, font, size)
    if box.align == Align.RIGHT:
        return box.x0 + box.width - w
    return box.x0 + (box.width - w) / 2


def layout_text(box: Box, text: str, *, max_lines: int, top=None, height=None, font=None,
                size=None, one_line_down_to: float = 0.0) -> TextBlock:
    """Fit `text` into the box (or a band of it) and centre it vertically there."""
    # inside: heavy: reportlab only for PDFs
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = font_name(font or box.font)
    top = box.top if top is None else top
    height = box.height if height is None else height
    size = float(size or box.font_size)
    fitted = None
    if max_lines > 1 and one_line_down_to:
        # One line while it keeps most of its size, e.g. a name with its titles.
        one = fit_text(text, font, size, box.width, height, 1, min_size=size * one_line_down_to)
        if stringWidth(one[1][0], font, one[0]) <= box.width:
            fitted = one
    size, lines = fitted or fit_text(text, font, size, box.width, height, max_lines)
    block = (len(lines) - 1) * LINE_HEIGHT * size + (ASCENT + DESCENT) * size
    baseline = top - max(0.0, (height - block) / 2) - ASCENT * size
    runs = []
    for line in lines:
        runs.append((_line_x(box, line, font, size), baseline, line, font, size, box.colour))
        baseline -= LINE_HEIGHT * size
    return TextBlock(runs)


# --- The prepared page --------------------------------------------------------------------


def _box_pixels(f, design) -> tuple[int, int, int, int]:
    """A DesignField's box in pixels of the prepared page (left, top, right, bottom)."""
    scale = DPI / 25.4
    return (round(float(f.x) * scale), round(float(f.y) * scale),
            round(float(f.x + f.width) * scale), round(float(f.y + f.height) * scale))


def background_image(design) -> Image.Image:
    """The design's background at the page's pixel size (white with a frame when none)."""
    size = page_pixels(design)
    if not design.background:
        page = Image.new("RGB", size, "white")
        draw = ImageDraw.Draw(page)
        inset = round(8 / 25.4 * DPI)
        draw.rectangle([inset, inset, size[0] - inset, size[1] - inset], outline="#0b5d4b", width=6)
        draw.rectangle([inset + 14, inset + 14, size[0] - inset - 14, size[1] - inset - 14],
                       outline="#c9a227", width=2)
        return page
    with design.background.open("rb") as fh:
        data = fh.read()
    if design.background_kind == "pdf":
        image = render_pdf_page(data, design.background_page, size)
    else:
        image = Image.open(io.BytesIO(data))
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            flat = Image.new("RGB", image.size, "white")
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image = image.convert("RGB")
    return ImageOps.fit(image, size, method=Image.Resampling.LANCZOS)


# The most pixels a PDF page is ever rendered to (an A3 page at 150 dpi is 4.4 Mpx).
MAX_RENDER_PIXELS = 12_000_000


def render_pdf_page(data: bytes, page_number: int, size: tuple[int, int]) -> Image.Image:
    """Page `page_number` (1-based) of a PDF, rendered with PDFium to cover `size` pixels.

    Only the centred part of the page that covers `size` (what ImageOps.fit keeps) is
    rendered, at the scale that makes it `size`: a page of 72 × 3,000 points becomes
    `size` pixels, not a strip of 70,000 pixels (the whole page at that scale took the
    process to 1.4 GB). MAX_RENDER_PIXELS caps it whatever `size` is asked.
    """
    # inside: heavy: pypdfium2 only for PDF backgrounds
    import pypdfium2 as pdfium

    target_w, target_h = max(1, size[0]), max(1, size[1])
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[page_number - 1]
        width, height = page.get_size()  # points
        ratio = target_w / target_h
        if width / height > ratio:  # wider than the target: cut the sides
            visible_w, visible_h = height * ratio, height
        else:  # taller: cut top and bottom
            visible_w, visible_h = width, width / ratio
        crop_x, crop_y = (width - visible_w) / 2, (height - visible_h) / 2
        scale = target_w / visible_w
        if target_w * target_h > MAX_RENDER_PIXELS:
            scale *= (MAX_RENDER_PIXELS / (target_w * target_h)) ** 0.5
        bitmap = page.render(scale=scale, crop=(crop_x, crop_y, crop_x, crop_y), fill_color=(255, 255, 255, 255))
        image = bitmap.to_pil().convert("RGB")
        page.close()
        return image
    finally:
        pdf.close()


def prepared_page(design) -> bytes:
    """The background with the signature images laid on it, as one JPEG (see module doc)."""
    page = background_image(design)
    fields = {f.key: f for f in design.fields.all() if f.enabled}
    for signer in design.signers.all():
        f = fields.get(f"signer{signer.position}")
        if f is None or not signer.signature:
            continue
        left, top, right, bottom = _box_pixels(f, design)
        band_h = max(1, round((bottom - top) * SIGNATURE_SHARE))
        with signer.signature.open("rb") as fh:
            sig = Image.open(io.BytesIO(fh.read()))
            sig = ImageOps.exif_transpose(sig).convert("RGBA")
        sig.thumbnail((max(1, right - left), band_h), Image.Resampling.LANCZOS)
        if f.align == Align.LEFT:
            x = left
        elif f.align == Align.RIGHT:
            x = right - sig.width
        else:
            x = left + (right - left - sig.width) // 2
        y = top + band_h - sig.height
        page.paste(sig, (x, y), mask=sig.getchannel("A"))
    out = io.BytesIO()
    page.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def local_copy(data: bytes) -> str:
    """A local file holding `data` (named by its hash): reportlab embeds a JPEG file as it is."""
    folder = Path(tempfile.gettempdir()) / "sapa-certificates"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (hashlib.sha256(data).hexdigest()[:32] + ".jpg")
    if not path.exists():
        tmp = path.with_suffix(f".{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return str(path)


# --- The layout of a design, and one certificate --------------------------------------------


def role_label(role: str) -> str:
    """The role as printed, in the active language (Peserta, Narasumber, ...)."""
    return str(dict(Role.choices).get(role, role))


def hours_text(hours: Decimal | None) -> str:
    """"2 JP", "1,5 JP" in Indonesian; "" without hours."""
    if hours is None:
        return ""
    value = hours.normalize()
    text = f"{value:f}"
    if translation.get_language() == "id":
        text = text.replace(".", ",")
    return f"{text} JP"


@dataclass
class Certificate:
    """What changes from one certificate to the next."""

    name: str
    role: str
    number: str
    url: str


class Layout:
    """A design ready to stamp: boxes, the static texts fitted, the page JPEG on disk."""

    def __init__(self, design, *, page_jpeg: bytes, library_name: str = ""):
        register_fonts()
        self.design = design
        self.width, self.height = page_points(design)
        self.page_path = local_copy(page_jpeg)
        self.language = design.language
        self.library_name = library_name
        self.boxes = {}
        for f in design.fields.all():
            if not f.enabled:
                continue
            x0 = float(f.x) * MM
            top = self.height - float(f.y) * MM
            height = float(f.height) * MM
            self.boxes[f.key] = Box(f.key, x0, top - height, float(f.width) * MM, height, float(f.font_size),
                                    f.align, _colour(f.colour), f.font)
        event = design.event
        self.static = []
        with translation.override(self.language):
            texts = {
                FieldKey.EVENT: (event.title, 3),
                FieldKey.DATE: (format_date(event.starts_at, event.time_zone), 2),
                FieldKey.HOURS: (hours_text(design.hours), 1),
            }
            self.role_labels = {r: role_label(r) for r in Role.values}
        for key, (text, lines) in texts.items():
            box = self.boxes.get(key)
            if box is not None and text:
                self.static.extend(layout_text(box, text, max_lines=lines).runs)
        for signer in design.signers.all():
            box = self.boxes.get(f"signer{signer.position}")
            if box is None:
                continue
            band_top = box.top - box.height * SIGNATURE_SHARE
            band = box.height * (1 - SIGNATURE_SHARE)
            if signer.name:
                self.static.extend(layout_text(box, signer.name, max_lines=1, top=band_top, height=band * 0.5,
                                               font=BOLD_OF.get(box.font, box.font)).runs)
            if signer.title:
                self.static.extend(layout_text(box, signer.title, max_lines=2, top=band_top - band * 0.5,
                                               height=band * 0.5, size=box.font_size * 0.8).runs)

    def render(self, cert: Certificate) -> bytes:
        """One certificate as a one-page PDF."""
        # inside: heavy: reportlab only for PDFs
        from reportlab.pdfgen import canvas

        out = io.BytesIO()
        c = canvas.Canvas(out, pagesize=(self.width, self.height), pageCompression=1)
        c.setTitle(f"{self.design.event.title} — {cert.name}")
        c.setAuthor(self.library_name)
        c.setSubject(cert.number)
        c.setCreator("Sapa")
        c.drawImage(self.page_path, 0, 0, self.width, self.height)
        runs = list(self.static)
        variable = {
            FieldKey.NAME: (cert.name, NAME_LINES),
            FieldKey.ROLE: (self.role_labels.get(cert.role, cert.role), 1),
            FieldKey.NUMBER: (f"No. {cert.number}", 1),
        }
        for key, (text, lines) in variable.items():
            box = self.boxes.get(key)
            if box is not None and text:
                runs.extend(layout_text(box, text, max_lines=lines, one_line_down_to=0.6).runs)
        current = None
        for x, y, text, font, size, colour in runs:
            if current != (font, size, colour):
                c.setFont(font, size)
                c.setFillColorRGB(*colour)
                current = (font, size, colour)
            c.drawString(x, y, text)
        box = self.boxes.get(FieldKey.QR)
        if box is not None and cert.url:
            c.addLiteral(qr_operators(cert.url, box))
        c.showPage()
        c.save()
        return out.getvalue()


def qr_operators(url: str, box: Box) -> str:
    """PDF operators drawing the QR code of `url` in the box: a white square (its quiet
    zone) and one rectangle per horizontal run of dark modules."""
    matrix = qr.make(url, mask=QR_MASK).matrix
    n = len(matrix)
    quiet = 2  # modules; the white square around the code
    side = min(box.width, box.height)
    module = side / (n + 2 * quiet)
    if box.align == Align.LEFT:
        x0 = box.x0
    elif box.align == Align.RIGHT:
        x0 = box.x0 + box.width - side
    else:
        x0 = box.x0 + (box.width - side) / 2
    y0 = box.y0 + (box.height - side) / 2
    ops = ["q 1 1 1 rg", f"{x0:.2f} {y0:.2f} {side:.2f} {side:.2f} re f", "0 0 0 rg"]
    for r, row in enumerate(matrix):
        y = y0 + (n + quiet - 1 - r) * module
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                ops.append(f"{x0 + (start + quiet) * module:.3f} {y:.3f} {(c - start) * module:.3f} "
                           f"{module:.3f} re")
            else:
                c += 1
    ops.append("f Q")
    return "\n".join(ops)
