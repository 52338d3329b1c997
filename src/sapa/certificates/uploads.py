"""Checks of uploaded backgrounds and signature images: by their content, not their name."""

import io
import warnings

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image

from sapa.core import uploads as core_uploads

BACKGROUND_MAX_BYTES = 10 * 1024 * 1024
SIGNATURE_MAX_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 300 dpi A3 is 17 Mpx; more is a mistake or a bomb
MIN_BACKGROUND_SIDE = 600  # pixels: less looks blurred on A4
MAX_PDF_PAGES = 50

_MAGIC = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpeg", b"%PDF-": "pdf"}


def _sniff(head: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _read(upload, limit: int) -> bytes:
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": number_format(round(upload.size / 1048576, 1), decimal_pos=1), "limit": limit // 1048576}
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    upload.seek(0)
    if len(data) > limit:
        raise ValidationError(_("The file is larger than %(limit)s MB.") % {"limit": limit // 1048576})
    return data


def _check_image(data: bytes, kind: str) -> Image.Image:
    """Open, verify and fully decode the image; ValidationError when it is not a sound one.

    Too many pixels (a decompression bomb: a small file declaring a huge picture) is
    "too large", checked from the header before any pixel is decoded.
    """
    expected = {"png": "PNG", "jpeg": "JPEG"}[kind]
    try:
        core_uploads.inspect_image(data, formats=(expected,), max_pixels=MAX_PIXELS)
    except core_uploads.TooLarge as exc:
        raise ValidationError(str(exc)) from None
    except core_uploads.NotAccepted as exc:
        if exc.format:
            raise ValidationError(_("The file's content does not match its type.")) from None
        raise ValidationError(_("The image is damaged or not an image.")) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size was checked above
            Image.open(io.BytesIO(data)).verify()
            return Image.open(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("The image is damaged or not an image.")) from None


def check_background(upload, page: int = 1) -> dict:
    """Validate an uploaded background; returns {"kind", "pages"}.

    PNG and JPEG must be whole images of at least 600 pixels a side; a PDF must
    open, have no password, and have the page asked for (1-based).
    """
    data = _read(upload, BACKGROUND_MAX_BYTES)
    kind = _sniff(data[:8])
    if kind is None:
        raise ValidationError(_("Upload a PNG or JPEG image or a PDF. This file is none of them."))
    if kind == "pdf":
        # inside: heavy: pypdfium2 only for PDF backgrounds
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise ValidationError(_("This PDF cannot be read (damaged, or protected by a password).")) from None
        try:
            pages = len(pdf)
            if pages == 0:
                raise ValidationError(_("This PDF has no pages."))
            if pages > MAX_PDF_PAGES:
                raise ValidationError(_("This PDF has %(count)s pages; upload the certificate's page alone.")
                                      % {"count": pages})
            if not 1 <= page <= pages:
                raise ValidationError(
                    _("This PDF has %(count)s pages: choose a page from 1 to %(count)s.") % {"count": pages}
                )
            width, height = pdf[page - 1].get_size()
            if width < 72 or height < 72:
                raise ValidationError(_("That page is too small to be a certificate."))
        finally:
            pdf.close()
        return {"kind": "pdf", "pages": pages}
    image = _check_image(data, kind)
    if min(image.size) < MIN_BACKGROUND_SIDE:
        raise ValidationError(
            _("The image is %(w)s × %(h)s pixels; a background needs at least %(min)s pixels a side "
              "(about 2480 × 1754 prints sharp on A4).") % {"w": image.width, "h": image.height,
                                                            "min": MIN_BACKGROUND_SIDE}
        )
    return {"kind": kind, "pages": 1}


def check_signature(upload) -> None:
    """A signature image: PNG (best with a transparent background) or JPEG, at most 2 MB."""
    data = _read(upload, SIGNATURE_MAX_BYTES)
    kind = _sniff(data[:8])
    if kind not in ("png", "jpeg"):
        raise ValidationError(_("Upload the signature as a PNG or JPEG image."))
    _check_image(data, kind)
