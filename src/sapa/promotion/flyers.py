"""Flyers: an event's title, date, speakers, seats and registration QR, in the sizes networks want.

Sizes: square 1080×1080 (feed), portrait 1080×1350 (feed), story 1080×1920,
and A4 for print (rendered at 300 dpi, 2480×3508, saved as a one-page PDF by
Pillow; see docs/decisions.md). Layouts: "classic" (a built-in design in the
library's colour) and "poster" (the event's poster on top; a built-in pattern
when there is none).

Text never gets cut or overflows: `fit_text` wraps it into its box and
shrinks it until it fits, and returns the boxes it drew, which the tests
check against the canvas. Fonts are DejaVu (Debian's fonts-dejavu-core); when
they are missing, Pillow's own font is used and a warning is logged.

Rendered files are kept in the default storage under flyers/<event>/, named
by a hash of everything drawn (the event's version, speakers, library,
colour, logo, short link, language), so an unchanged event is not drawn
twice and a changed one never serves a stale flyer.
"""

import hashlib
import io
import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps

from sapa.core import timefmt
from sapa.promotion import links, qr
from sapa.promotion.models import Channel

log = logging.getLogger(__name__)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
CONDENSED_BOLD = "DejaVuSansCondensed-Bold.ttf"

# name: (width, height) in pixels; "a4" is A4 at 300 dpi.
SIZES = {
    "square": (1080, 1080),
    "portrait": (1080, 1350),
    "story": (1080, 1920),
    "a4": (2480, 3508),
}
A4_DPI = 300
LAYOUTS = ("classic", "poster")
# Bump when the drawing changes: every cached flyer is drawn again.
DESIGN_VERSION = "4"

WHITE = (255, 255, 255)
INK = (29, 35, 41)


def size_labels():
    return {
        "square": _("Square post (1080×1080)"),
        "portrait": _("Portrait post (1080×1350)"),
        "story": _("Story (1080×1920)"),
        "a4": _("A4 for print (PDF)"),
    }


def layout_labels():
    return {"classic": _("Classic (built-in design)"), "poster": _("Poster on top")}


# --- Fonts and text -------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _font_available(name: str) -> bool:
    available = (FONT_DIR / name).exists()
    if not available:
        log.warning("font %s not found in %s (install fonts-dejavu-core); flyers use Pillow's own font",
                    name, FONT_DIR)
    return available


@lru_cache(maxsize=256)
def font(name: str, size: int):
    if _font_available(name):
        return ImageFont.truetype(str(FONT_DIR / name), size)
    return ImageFont.load_default(size)


@dataclass
class TextBox:
    """One drawn line: its ink box on the canvas, its text and font size."""

    x0: int
    y0: int
    x1: int
    y1: int
    text: str
    size: int


@dataclass
class Fitted:
    box: tuple  # the box the text had to fit
    size: int
    lines: list = field(default_factory=list)  # list[TextBox]

    @property
    def bottom(self) -> int:
        return max((line.y1 for line in self.lines), default=self.box[1])


def _wrap(text: str, fnt, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the box is broken between characters."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if fnt.getlength(candidate) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = ""
            while fnt.getlength(word) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and fnt.getlength(word[:cut]) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return [line for line in lines if line] or [""]


def _layout_lines(text, font_name, size, width, line_height):
    fnt = font(font_name, size)
    lines = _wrap(text, fnt, width)
    ascent, descent = fnt.getmetrics()
    pitch = max(ascent + descent, math.ceil(size * line_height))
    total = pitch * (len(lines) - 1) + ascent + descent
    return fnt, lines, pitch, total


def fit_size(text: str, width: int, height: int, *, font_name: str = BOLD, max_size: int, min_size: int = 6,
             line_height: float = 1.2, max_lines: int | None = None) -> tuple[int, int]:
    """(font size, height of the text block) that `fit_text` would use in a box of this size."""
    size = max(int(max_size), 4)
    while True:
        fnt, lines, pitch, total = _layout_lines(text, font_name, size, width, line_height)
        fits = total <= height and all(fnt.getlength(line) <= width for line in lines)
        if fits and (max_lines is None or len(lines) <= max_lines or size <= min_size):
            return size, total
        if size <= 4:
            return size, total
        size -= max(1, size // 14)


def _clean(text: str) -> str:
    return " ".join(text.split()) if "\n" not in text else text.strip()


def fit_text(draw, text: str, box, *, font_name: str = BOLD, max_size: int, min_size: int = 6,
             fill=INK, align: str = "left", valign: str = "top", line_height: float = 1.2,
             max_lines: int | None = None) -> Fitted:
    """Draw `text` inside `box` (x0, y0, x1, y1): wrapped, and shrunk from `max_size` until it fits.

    `max_lines` prefers a smaller size over more lines (down to `min_size`).
    It shrinks rather than overflow, down to 4 px. Returns the lines' ink boxes.
    """
    x0, y0, x1, y1 = (int(v) for v in box)
    width, height = x1 - x0, y1 - y0
    text = _clean(text)
    size, _total = fit_size(text, width, height, font_name=font_name, max_size=max_size, min_size=min_size,
                            line_height=line_height, max_lines=max_lines)
    fnt, lines, pitch, total = _layout_lines(text, font_name, size, width, line_height)
    result = Fitted(box=(x0, y0, x1, y1), size=size)
    top = y0 + (height - total) // 2 if valign == "middle" else (y1 - total if valign == "bottom" else y0)
    for i, line in enumerate(lines):
        length = fnt.getlength(line)
        if align == "center":
            x = x0 + (width - length) / 2
        elif align == "right":
            x = x1 - length
        else:
            x = x0
        y = top + i * pitch
        draw.text((x, y), line, font=fnt, fill=fill, anchor="la")
        bx0, by0, bx1, by1 = draw.textbbox((x, y), line, font=fnt, anchor="la")
        result.lines.append(TextBox(int(bx0), int(by0), math.ceil(bx1), math.ceil(by1), line, size))
    return result


# --- Colours and images -----------------------------------------------------------------------


def hex_rgb(value: str, default=(11, 93, 75)) -> tuple:
    value = (value or "").strip().lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    try:
        return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))
    except (ValueError, IndexError):
        return default


def _luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a, b, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def text_on(background) -> tuple:
    return WHITE if contrast(WHITE, background) >= contrast(INK, background) else INK


def _open_field_image(field_file):
    """A Pillow image of an ImageField's file, or None when it is missing or unreadable."""
    if not field_file:
        return None
    try:
        with field_file.open("rb") as fh:
            img = Image.open(io.BytesIO(fh.read()))
            img.load()
        img = ImageOps.exif_transpose(img)
        return img.convert("RGBA")
    except Exception:  # noqa: BLE001 - a broken upload must not break the flyer
        log.warning("could not read image %s", getattr(field_file, "name", "?"))
        return None


def round_photo(img, diameter: int, ring=None, ring_width: int = 0):
    """A round crop of `img` (supersampled edge); `ring` draws a border."""
    scale = 4
    big = diameter * scale
    photo = ImageOps.fit(img.convert("RGB"), (diameter, diameter), Image.Resampling.LANCZOS)
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, big - 1, big - 1), fill=255)
    mask = mask.resize((diameter, diameter), Image.Resampling.LANCZOS)
    out = Image.new("RGBA", (diameter, diameter), (0, 0, 0, 0))
    out.paste(photo, (0, 0), mask)
    if ring and ring_width:
        ring_img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
        ImageDraw.Draw(ring_img).ellipse((0, 0, big - 1, big - 1), outline=ring, width=ring_width * scale)
        out.alpha_composite(ring_img.resize((diameter, diameter), Image.Resampling.LANCZOS))
    return out


def initials_photo(name: str, diameter: int, background, foreground):
    """A round badge with a speaker's initials, when there is no photo."""
    scale = 4
    big = diameter * scale
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((0, 0, big - 1, big - 1), fill=background)
    words = [w for w in name.replace(",", " ").split() if w[:1].isalpha() and not w.endswith(".")]
    letters = "".join(w[0].upper() for w in words[:2]) or "?"
    fnt = font(BOLD, int(big * 0.38))
    draw.text((big / 2, big / 2), letters, font=fnt, fill=foreground, anchor="mm")
    return img.resize((diameter, diameter), Image.Resampling.LANCZOS)


def _cover(img, size):
    return ImageOps.fit(img.convert("RGB"), size, Image.Resampling.LANCZOS, centering=(0.5, 0.4))


def _contain(img, size):
    img = img.copy()
    img.thumbnail(size, Image.Resampling.LANCZOS)
    return img


# --- What a flyer shows ---------------------------------------------------------------------------


@dataclass
class FlyerData:
    title: str
    library_name: str
    color: tuple
    date_line: str
    time_line: str
    place_line: str
    seats_line: str
    register_line: str
    scan_line: str
    speakers_heading: str
    link_url: str
    display_url: str
    speakers: list = field(default_factory=list)  # [(name, role, image or None)]
    logo: object = None
    poster: object = None


def _time_line(event) -> tuple[str, str]:
    start = timefmt.local(event.starts_at, event.time_zone)
    end = timefmt.local(event.ends_at, event.time_zone)
    if start.date() != end.date():
        return timefmt.format_range(event.starts_at, event.ends_at, event.time_zone), ""
    sep = "." if translation.get_language() == "id" else ":"
    zone = timefmt.zone_abbreviation(event.time_zone)
    return (timefmt.format_date(event.starts_at, event.time_zone),
            f"{start:%H}{sep}{start:%M}–{end:%H}{sep}{end:%M} {zone}")


def flyer_data(event, link) -> FlyerData:
    """Everything drawn on the flyer of `event` whose QR leads to short link `link`."""
    date_line, time_line = _time_line(event)
    if event.meeting_url:
        platform = event.meeting_platform
        place = _("Online via %(platform)s") % {"platform": platform} if platform else _("Online")
        if event.venue:
            place = f"{place} · {event.venue}"
    else:
        place = event.venue
    speakers = [(s.name, s.role, _open_field_image(s.photo)) for s in event.speakers.all()[:4]]
    display = link.url.split("://", 1)[-1]
    return FlyerData(
        title=event.title, library_name=event.library.name, color=hex_rgb(event.library.primary_color),
        date_line=date_line, time_line=time_line, place_line=place,
        seats_line=_("%(n)d seats, free of charge") % {"n": event.capacity},
        register_line=_("Register now"), scan_line=_("Scan the QR code or open"),
        speakers_heading=_("Speakers") if len(speakers) != 1 else _("Speaker"),
        link_url=link.url, display_url=display, speakers=speakers,
        logo=_open_field_image(event.library.logo), poster=_open_field_image(event.poster),
    )


# --- Drawing ------------------------------------------------------------------------------------------


@dataclass
class Rendered:
    image: Image.Image
    boxes: list  # every TextBox drawn
    qr_box: tuple  # where the QR is, (x0, y0, x1, y1)


class _Canvas:
    def __init__(self, width, height, background):
        self.image = Image.new("RGB", (width, height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.width, self.height = width, height
        self.s = width / 1080  # all lengths are given for 1080 px wide
        self.boxes: list[TextBox] = []

    def u(self, value) -> int:
        return int(round(value * self.s))

    def text(self, text, box, **kwargs) -> Fitted:
        if not text:
            return Fitted(box=box, size=0)
        fitted = fit_text(self.draw, text, box, **kwargs)
        self.boxes.extend(fitted.lines)
        return fitted

    def paste(self, img, xy):
        if img.mode == "RGBA":
            self.image.paste(img, (int(xy[0]), int(xy[1])), img)
        else:
            self.image.paste(img, (int(xy[0]), int(xy[1])))


def _proportions(name: str, width: int, height: int) -> dict:
    """Vertical space, in 1080-wide units, for the parts that do not grow with the title."""
    unit_h = height * 1080 / width
    tall = unit_h / 1080  # 1.0 square, 1.25 portrait, 1.78 story, 1.41 A4
    return {
        "margin": 56 if tall < 1.2 else 72,
        "header": 64 if tall < 1.2 else 80,
        "qr": 230 if tall < 1.2 else (270 if tall < 1.6 else 300),
        "photo": 92 if tall < 1.2 else (120 if tall < 1.6 else 150),
        "date": 116 if tall < 1.2 else (140 if tall < 1.6 else 170),
        "poster": 0 if tall < 1.2 else (0.2 if tall < 1.6 else 0.3),
        "unit_h": unit_h,
        # Stories: the network's own bars cover the top and bottom (keep the QR clear of them).
        "safe": 190 if 1.7 < tall < 1.9 else 0,
    }


def _header(c: _Canvas, data: FlyerData, box, fg):
    """Logo and library name, left-aligned in `box`."""
    x0, y0, x1, y1 = box
    x = x0
    if data.logo is not None:
        logo = _contain(data.logo, (c.u(200), y1 - y0))
        c.paste(logo, (x0, y0 + (y1 - y0 - logo.height) // 2))
        x = x0 + logo.width + c.u(20)
    c.text(data.library_name, (x, y0, x1, y1), font_name=BOLD, max_size=c.u(30), fill=fg,
           valign="middle", max_lines=2)


def _speakers(c: _Canvas, data: FlyerData, box, fg, accent, photo_d):
    """Speakers side by side: a round photo (or initials) over name and role."""
    if not data.speakers:
        return
    x0, y0, x1, y1 = box
    n = len(data.speakers)
    gap = c.u(24)
    col = (x1 - x0 - gap * (n - 1)) / n
    diameter = min(photo_d, int(col * 0.8), int((y1 - y0) * 0.55))
    for i, (name, role, photo) in enumerate(data.speakers):
        cx0 = x0 + i * (col + gap)
        if photo is not None:
            badge = round_photo(photo, diameter, ring=fg, ring_width=max(2, c.u(4)))
        else:
            badge = initials_photo(name, diameter, accent, text_on(accent))
        c.paste(badge, (cx0 + (col - diameter) / 2, y0))
        text_top = y0 + diameter + c.u(10)
        name_box = c.text(name, (cx0, text_top, cx0 + col, text_top + (y1 - text_top) * 0.45), font_name=BOLD,
                          max_size=c.u(26), fill=fg, align="center", max_lines=2)
        c.text(role, (cx0, name_box.bottom + c.u(6), cx0 + col, y1), font_name=REGULAR, max_size=c.u(20),
               min_size=c.u(11), fill=fg, align="center", max_lines=3)


def _qr_panel(c: _Canvas, data: FlyerData, box, qr_size, color):
    """A white panel: the QR on the right, "Register now", the address and the seats on the left."""
    x0, y0, x1, y1 = box
    c.draw.rounded_rectangle(box, radius=c.u(28), fill=WHITE)
    pad = c.u(24)
    code = qr.image(data.link_url, qr_size)
    qx = x1 - pad - code.width
    qy = y0 + (y1 - y0 - code.height) // 2
    c.paste(code, (qx, qy))
    qr_box = (qx, qy, qx + code.width, qy + code.height)
    tx0, tx1 = x0 + pad + c.u(8), qx - c.u(16)
    inner_h = y1 - y0 - 2 * pad
    top = y0 + pad
    title_ink = color if contrast(color, WHITE) >= 3 else INK
    first = c.text(data.register_line, (tx0, top, tx1, top + inner_h * 0.34), font_name=BOLD,
                   max_size=c.u(44), fill=title_ink, max_lines=1)
    second = c.text(data.scan_line, (tx0, first.bottom + c.u(10), tx1, first.bottom + c.u(10) + inner_h * 0.17),
                    font_name=REGULAR, max_size=c.u(22), fill=INK, max_lines=2)
    third = c.text(data.display_url, (tx0, second.bottom + c.u(4), tx1, second.bottom + c.u(4) + inner_h * 0.2),
                   font_name=BOLD, max_size=c.u(28), fill=INK, max_lines=1)
    c.text(data.seats_line, (tx0, third.bottom + c.u(12), tx1, y1 - pad), font_name=REGULAR, max_size=c.u(22),
           fill=(85, 96, 107), max_lines=2, valign="bottom")
    return qr_box


def _pattern(c: _Canvas, box, color):
    """The built-in design: soft circles in tints of the library's colour, clipped to `box`."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    tile = Image.new("RGB", (w, h), color)
    draw = ImageDraw.Draw(tile)
    light = mix(color, WHITE, 0.18)
    lighter = mix(color, WHITE, 0.32)
    draw.ellipse((w * 0.55, -h * 0.35, w * 1.25, h * 0.45), fill=light)
    draw.ellipse((-w * 0.2, h * 0.55, w * 0.35, h * 1.2), fill=light)
    draw.ellipse((w * 0.82, h * 0.05, w * 0.98, h * 0.05 + w * 0.16), fill=lighter)
    c.paste(tile, (x0, y0))


def _body(c, data, top, bottom, p, fg, accent):
    """Title, date and speakers between `top` and `bottom`, then the QR panel. The title takes what is left."""
    m = c.u(p["margin"])
    left, right = m, c.width - m
    panel_h = c.u(p["qr"]) + 2 * c.u(24)
    panel = (left, bottom - panel_h, right, bottom)
    speakers_h = 0
    if data.speakers:
        speakers_h = c.u(p["photo"]) + c.u(120)
    date_h = c.u(p["date"])
    gap = c.u(28)
    title_limit = panel[1] - gap - speakers_h - (gap if speakers_h else 0) - date_h - gap
    title_max = c.u(80 if p["unit_h"] > 1500 else 72)
    title_kwargs = {"font_name": BOLD, "max_size": title_max, "line_height": 1.15}
    _size, title_h = fit_size(_clean(data.title), right - left, title_limit - top, **title_kwargs)
    # what is left over goes above and below the block of title, date and speakers
    slack = max(title_limit - top - title_h, 0)
    extra = int(slack / 4) if speakers_h else int(slack / 3)
    top += extra
    title_bottom = top + title_h
    c.text(data.title, (left, top, right, title_bottom), fill=fg, **title_kwargs)
    title_bottom += extra
    # the accent bar and the date
    date_top = title_bottom + gap
    bar_w = max(c.u(8), 4)
    c.draw.rectangle((left, date_top, left + bar_w, date_top + date_h), fill=accent)
    dx = left + bar_w + c.u(20)
    lines = [x for x in (data.date_line, data.time_line, data.place_line) if x]
    line_h = date_h / max(len(lines), 1)
    for i, line in enumerate(lines):
        c.text(line, (dx, date_top + i * line_h, right, date_top + (i + 1) * line_h),
               font_name=BOLD if i < 2 else REGULAR, max_size=c.u(34 if i < 2 else 26), fill=fg,
               valign="middle", max_lines=1)
    if speakers_h:
        sp_top = date_top + date_h + gap + extra
        _speakers(c, data, (left, sp_top, right, sp_top + speakers_h), fg, accent, c.u(p["photo"]))
    return _qr_panel(c, data, panel, c.u(p["qr"]), data.color)


def render(data: FlyerData, size: str = "square", layout: str = "classic") -> Rendered:
    """Draw one flyer; the image, every text box drawn, and the QR's place."""
    width, height = SIZES[size]
    color = data.color
    fg = text_on(color)
    accent = mix(color, WHITE, 0.55) if fg == WHITE else mix(color, INK, 0.5)
    c = _Canvas(width, height, color)
    p = _proportions(size, width, height)
    m = c.u(p["margin"])
    if layout == "poster":
        image_h = int(height * (p["poster"] or 0.0))
        if image_h:
            area = (0, 0, width, image_h)
            if data.poster is not None:
                c.paste(_cover(data.poster, (width, image_h)), (0, 0))
            else:
                _pattern(c, area, mix(color, INK, 0.25))
            # the library's name on a band over the picture
            band_h = c.u(p["header"]) + c.u(24)
            c.draw.rectangle((0, image_h - band_h, width, image_h), fill=color)
            _header(c, data, (m, image_h - band_h + c.u(12), width - m, image_h - c.u(12)), fg)
            top = image_h + c.u(36)
        else:
            # a square has no room for a picture above: the poster goes behind, darkened
            if data.poster is not None:
                back = _cover(data.poster, (width, height))
                c.paste(Image.blend(back, Image.new("RGB", (width, height), mix(color, INK, 0.35)), 0.82), (0, 0))
            else:
                _pattern(c, (0, 0, width, height), color)
            _header(c, data, (m, m, width - m, m + c.u(p["header"])), fg)
            top = m + c.u(p["header"]) + c.u(28)
    else:
        _pattern(c, (0, 0, width, height), color)
        head_top = m + c.u(p["safe"])
        _header(c, data, (m, head_top, width - m, head_top + c.u(p["header"])), fg)
        top = head_top + c.u(p["header"]) + c.u(32)
    qr_box = _body(c, data, top, height - m - c.u(p["safe"]), p, fg, accent)
    return Rendered(image=c.image, boxes=c.boxes, qr_box=qr_box)


# --- Files, cached per event version ----------------------------------------------------------------


def _version(event, link, layout, size, language) -> str:
    library = event.library
    speakers = [(s.name, s.role, s.photo.name if s.photo else "") for s in event.speakers.all()[:4]]
    key = json.dumps([
        DESIGN_VERSION, event.pk, event.title, event.updated_at.isoformat() if event.updated_at else "",
        event.starts_at.isoformat(), event.ends_at.isoformat(), event.time_zone, event.capacity,
        event.meeting_url, event.venue, event.poster.name if event.poster else "", speakers,
        library.name, library.primary_color, library.logo.name if library.logo else "",
        link.url, layout, size, language,
    ], ensure_ascii=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def flyer_file(event, layout: str, size: str, *, language: str | None = None) -> tuple[bytes, str]:
    """(bytes, extension) of a flyer: PNG for screen sizes, PDF for A4; cached in storage."""
    if layout not in LAYOUTS or size not in SIZES:
        raise ValueError("unknown layout or size")
    language = language or settings.LANGUAGE_CODE
    link = links.event_link(event, Channel.FLYER)
    ext = "pdf" if size == "a4" else "png"
    version = _version(event, link, layout, size, language)
    folder = f"flyers/{event.pk}"
    name = f"{folder}/{layout}-{size}-{version}.{ext}"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as fh:
            return fh.read(), ext
    with translation.override(language):
        rendered = render(flyer_data(event, link), size=size, layout=layout)
    content = encode(rendered.image, ext)
    _drop_old(folder, f"{layout}-{size}-")
    default_storage.save(name, ContentFile(content))
    return content, ext


def encode(image, ext: str) -> bytes:
    out = io.BytesIO()
    if ext == "pdf":
        image.save(out, format="PDF", resolution=A4_DPI, title="Sapa flyer")
    else:
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _drop_old(folder: str, prefix: str) -> None:
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    for name in files:
        if name.startswith(prefix):
            try:
                default_storage.delete(f"{folder}/{name}")
            except OSError:
                pass
