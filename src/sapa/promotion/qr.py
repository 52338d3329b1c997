"""The one way to make a QR code in Sapa: PNG, SVG, or a Pillow image for flyers.

Error correction M at least (segno raises it when that costs no size), a
quiet zone of four modules (the standard's minimum), and a scale in pixels
per module: good enough to print.
"""

import io

import segno
from PIL import Image

ERROR = "m"
BORDER = 4
MAX_SCALE = 40


def make(data: str, mask: int | None = None) -> segno.QRCode:
    return segno.make_qr(data, error=ERROR, boost_error=True, mask=mask)


def png(data: str, scale: int = 10, border: int = BORDER, dark: str = "#000000", light: str = "#ffffff") -> bytes:
    out = io.BytesIO()
    make(data).save(out, kind="png", scale=max(1, min(int(scale), MAX_SCALE)), border=border,
                    dark=dark, light=light)
    return out.getvalue()


def svg(data: str, scale: int = 10, border: int = BORDER, title: str = "", fluid: bool = False) -> bytes:
    """An SVG file; `fluid` omits its width and height (a viewBox only), so that CSS may size it
    whole: an SVG with a fixed size and no viewBox is cut, not scaled, in a smaller box."""
    out = io.BytesIO()
    make(data).save(out, kind="svg", scale=max(1, min(int(scale), MAX_SCALE)), border=border,
                    title=title or None, xmldecl=True, svgns=True, omitsize=fluid)
    return out.getvalue()


def image(data: str, size: int, border: int = BORDER):
    """A Pillow image of about `size` pixels square (whole pixels per module, never blurred)."""
    code = make(data)
    modules = code.symbol_size(scale=1, border=border)[0]
    scale = max(1, size // modules)
    return Image.open(io.BytesIO(png(data, scale=scale, border=border))).convert("RGB")
