"""What an uploaded file really is, read from its bytes, and the name it is stored under.

The uploader's file name and the browser's content type are never trusted:
an image is what Pillow decodes, a video is what its container signature
says (ISO base media `ftyp` box for MP4/MOV, EBML with doctype "webm" for
WebM). Every stored upload is named `<random>.<detected extension>`, so no
file name in /media/ comes from a person, and none can be guessed (a
draft's photos are not found by trying names). The media view serves
inline only the types below (see sapa.core.views.media).
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Pillow's format name -> (extension, content type): the images the networks and the pages take.
IMAGE_TYPES = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
VIDEO_TYPES = {
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "webm": "video/webm",
}
# Served inline by the media view; anything else is an attachment.
INLINE_TYPES = {mime for _ext, mime in IMAGE_TYPES.values()} | set(VIDEO_TYPES.values())

# ISO base media brands of video files (major or compatible); "qt  " is QuickTime (.mov).
_VIDEO_BRANDS = {
    b"isom",
    b"iso2",
    b"iso3",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"M4VH",
    b"M4VP",
    b"mmp4",
    b"dash",
    b"qt  ",
    b"3gp4",
    b"3gp5",
    b"3gp6",
    b"3g2a",
    b"MSNV",
    b"XAVC",
    b"f4v ",
}
# Brands of still images and sound in the same container (HEIC, AVIF, M4A): not videos.
_NOT_VIDEO_BRANDS = {
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"mif1",
    b"msf1",
    b"avif",
    b"avis",
    b"M4A ",
    b"M4B ",
    b"M4P ",
}


class UploadRefused(ValueError):
    """The file is not accepted; str() is the reason in the user's language."""


class NotAccepted(UploadRefused):
    """Not one of the accepted types (or damaged beyond reading).

    `format` is Pillow's name of an image of a type not accepted here ("GIF", "BMP"), else "".
    """

    def __init__(self, message: str, format: str = ""):  # noqa: A002 - Pillow's word
        super().__init__(message)
        self.format = format


class TooLarge(UploadRefused):
    """Accepted type, but too large to open safely (pixels, or uncompressed size)."""


@dataclass(frozen=True)
class Detected:
    kind: str  # "image" or "video"
    format: str  # Pillow's name ("JPEG") or the container ("MP4")
    ext: str  # "jpg", "mp4", ...
    mime: str
    width: int | None = None
    height: int | None = None


def random_name(ext: str) -> str:
    """`<32 hex characters>.<ext>`: a stored file's name, unguessable and free of the uploader's."""
    return f"{secrets.token_hex(16)}.{ext}"


def too_many_pixels(width: int, height: int, max_pixels: int) -> TooLarge:
    return TooLarge(
        _(
            "The image is too large: %(w)s × %(h)s pixels; the most is %(max)s megapixels. "
            "Make it smaller and upload it again."
        )
        % {"w": width, "h": height, "max": max_pixels // 1_000_000}
    )


def inspect_image(
    data: bytes, *, formats=tuple(IMAGE_TYPES), max_pixels: int = 40_000_000
) -> Detected:
    """The image in `data`, fully decoded once: NotAccepted or TooLarge when it cannot be used.

    The pixel count is checked from the header before any pixel is decoded, so a
    small file that declares a huge picture (a decompression bomb) is "too large",
    not "damaged", and costs no memory.
    """
    try:
        with warnings.catch_warnings():
            # The size is checked below with a clear message; Pillow's own check is the last resort.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt = img.format or ""
                width, height = img.size
                if fmt not in formats or fmt not in IMAGE_TYPES:
                    raise NotAccepted(_("This file is not an image of an accepted type."), fmt)
                if width * height > max_pixels:
                    raise too_many_pixels(width, height, max_pixels)
                img.load()
    except Image.DecompressionBombError:
        raise TooLarge(
            _(
                "The image is too large: it has more than %(max)s megapixels. Make it smaller and "
                "upload it again."
            )
            % {"max": max_pixels // 1_000_000}
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, UploadRefused):
            raise
        raise NotAccepted(
            _("This file is not an image Sapa can read (or it is damaged).")
        ) from None
    ext, mime = IMAGE_TYPES[fmt]
    return Detected("image", fmt, ext, mime, width, height)


def video_container(head: bytes) -> str | None:
    """The container ("mp4", "mov" or "webm") from a file's first 64 bytes, or None."""
    if len(head) >= 12 and head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        major = head[8:12]
        brands = {major} | {
            head[i : i + 4] for i in range(16, min(max(size, 16), len(head)) - 3, 4)
        }
        if major in _NOT_VIDEO_BRANDS or not brands & _VIDEO_BRANDS:
            return None
        return "mov" if major == b"qt  " else "mp4"
    # EBML, then the DocType element (0x4282) saying "webm" (Matroska's .mkv is not taken).
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"\x42\x82" in head[:64] and b"webm" in head[:64]:
        return "webm"
    return None


def detect_media(
    data: bytes,
    *,
    image_formats=tuple(IMAGE_TYPES),
    videos: bool = True,
    max_pixels: int = 40_000_000,
) -> Detected:
    """An image (decoded by Pillow) or, when `videos`, a video (by its container signature).

    Raises NotAccepted for anything else, whatever the file is called.
    """
    if videos:
        container = video_container(data[:64])
        if container:
            return Detected("video", container.upper(), container, VIDEO_TYPES[container])
    return inspect_image(data, formats=image_formats, max_pixels=max_pixels)


def content_disposition_inline(mime: str) -> bool:
    """True when a file of this type may be shown in the browser (an image or a video)."""
    return (mime or "").split(";")[0].strip().lower() in INLINE_TYPES
