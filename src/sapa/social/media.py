"""The media library: adding files (with their facts read once) and fitting images to a network.

`fit_for_network()` makes a new image that passes the network's checks:
centre-cropped into the accepted aspect ratios, scaled down to the width the
network shows (1080 px for Instagram), as JPEG without EXIF (Bluesky asks
to strip it), compressed under the size limit. The original is kept.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from sapa.core import uploads
from sapa.social.models import MediaItem, MediaKind, Network
from sapa.social.validation import LIMITS

# Pillow refuses to open images above this many pixels (decompression bombs).
Image.MAX_IMAGE_PIXELS = 80_000_000


class MediaError(ValueError):
    """The file cannot be used; the message says why, in the user's language."""


@dataclass(frozen=True)
class FitTarget:
    ratio_min: float | None
    ratio_max: float | None
    width: int
    max_bytes: int | None
    fmt: str = "JPEG"


# What "fit for <network>" produces: the size each network shows best.
FIT_TARGETS = {
    Network.INSTAGRAM: FitTarget(4 / 5, 1.91, 1080, 8 * 1024 * 1024),
    Network.FACEBOOK_PAGE: FitTarget(None, None, 2048, 4 * 1024 * 1024),
    Network.TELEGRAM: FitTarget(1 / 20, 20, 2560, 10 * 1024 * 1024),
    Network.MASTODON: FitTarget(None, None, 1920, 8 * 1024 * 1024),
    Network.BLUESKY: FitTarget(None, None, 2000, 1_000_000),
    Network.X: FitTarget(None, None, 2048, 5 * 1024 * 1024),
    Network.WHATSAPP: FitTarget(None, None, 1600, 5 * 1024 * 1024),
    Network.TIKTOK: FitTarget(9 / 16, 9 / 16, 1080, 10 * 1024 * 1024),
}


def add_media(library, uploaded, *, alt_text: str = "", uploaded_by=None) -> MediaItem:
    """Store an uploaded file in the library's media library, reading its facts.

    What the file is comes from its bytes (sapa.core.uploads.detect_media), not its
    name: a JPEG, PNG, WebP or GIF decoded by Pillow (width, height, format), or an
    MP4, MOV or WebM video by its container signature (kept as it is, for manual
    channels). Anything else is refused with a clear message. The file is stored as
    `<random>.<detected extension>`; the uploader's name is kept only as a label.
    """
    name = os.path.basename(getattr(uploaded, "name", "") or "file")
    data = uploaded.read()
    try:
        found = uploads.detect_media(data, max_pixels=Image.MAX_IMAGE_PIXELS)
    except uploads.TooLarge as exc:
        raise MediaError(f"{name}: {exc}") from None
    except uploads.NotAccepted:
        raise MediaError(_("%(name)s is not an image or video Sapa can use. Upload a JPEG, PNG, WebP or GIF "
                           "image, or an MP4, MOV or WebM video.") % {"name": name}) from None
    item = MediaItem(library=library, kind=MediaKind.VIDEO if found.kind == "video" else MediaKind.IMAGE,
                     original_name=name[:255], alt_text=alt_text, size_bytes=len(data), format=found.format,
                     mime_type=found.mime, uploaded_by=uploaded_by)
    if found.kind == "image":
        item.width, item.height = found.width, found.height
        with Image.open(io.BytesIO(data)) as img:
            if _rotated(img):
                item.width, item.height = found.height, found.width
    item.file.save(uploads.random_name(found.ext), ContentFile(data), save=False)
    item.save()
    return item


def _rotated(img) -> bool:
    try:
        return img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    except Exception:  # noqa: BLE001
        return False


def _crop_to_ratio(img: Image.Image, ratio_min: float | None, ratio_max: float | None) -> Image.Image:
    width, height = img.size
    ratio = width / height
    if ratio_max is not None and ratio > ratio_max:
        new_width = round(height * ratio_max)
        left = (width - new_width) // 2
        return img.crop((left, 0, left + new_width, height))
    if ratio_min is not None and ratio < ratio_min:
        new_height = round(width / ratio_min)
        top = (height - new_height) // 2
        return img.crop((0, top, width, top + new_height))
    return img


def fit_image_bytes(data: bytes, target: FitTarget) -> tuple[bytes, int, int]:
    """Crop, scale and compress image bytes to `target`; (jpeg bytes, width, height)."""
    with Image.open(io.BytesIO(data)) as source:
        img = ImageOps.exif_transpose(source)
        img = _crop_to_ratio(img, target.ratio_min, target.ratio_max)
        if img.width > target.width:
            img = img.resize((target.width, max(1, round(img.height * target.width / img.width))),
                             Image.Resampling.LANCZOS)
        if img.mode not in ("RGB", "L"):
            background = Image.new("RGB", img.size, (255, 255, 255))
            rgba = img.convert("RGBA")
            background.paste(rgba, mask=rgba.getchannel("A"))
            img = background
        quality = 90
        while True:
            out = io.BytesIO()
            # No exif= argument: the new file carries no EXIF (location, camera) at all.
            img.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
            if target.max_bytes is None or out.tell() <= target.max_bytes:
                return out.getvalue(), img.width, img.height
            if quality > 50:
                quality -= 10
            else:
                img = img.resize((max(1, img.width * 3 // 4), max(1, img.height * 3 // 4)),
                                 Image.Resampling.LANCZOS)
                quality = 85


def fit_for_network(item: MediaItem, network: str, *, by=None) -> MediaItem:
    """A new media item made from `item` that passes `network`'s image checks.

    The alt text is carried over; the original stays in the library.
    """
    if item.kind != MediaKind.IMAGE:
        raise MediaError(_("Only images can be fitted; %(name)s is a video.") % {"name": str(item)})
    target = FIT_TARGETS.get(network)
    if target is None:
        limits = LIMITS[network]
        target = FitTarget(limits.ratio_min, limits.ratio_max, limits.width_max or 2048, limits.image_max_bytes)
    with item.file.open("rb") as fh:
        data = fh.read()
    fitted, width, height = fit_image_bytes(data, target)
    stem = os.path.splitext(item.original_name or os.path.basename(item.file.name))[0]
    name = f"{stem}-{network}.jpg"
    new = MediaItem(library=item.library, kind=MediaKind.IMAGE, original_name=name, alt_text=item.alt_text,
                    width=width, height=height, size_bytes=len(fitted), format="JPEG",
                    mime_type="image/jpeg", derived_from=item, uploaded_by=by)
    new.file.save(uploads.random_name("jpg"), ContentFile(fitted), save=False)
    new.save()
    return new
