"""The article's text and photos: Markdown to sanitized HTML, and image uploads checked and resized.

Staff write Markdown (the same editor as an event's description: a plain
textarea that works without JavaScript). Markdown also lets raw HTML through,
so whatever it produces is cleaned with nh3 down to a small safe subset:
paragraphs, h2/h3, strong/em, links (http, https, mailto), lists, blockquote,
figure/figcaption and images, the latter only from the library's own news
media (the gallery's files), so an article cannot load pictures from elsewhere
(the page's Content-Security-Policy would block them anyway).
"""

from __future__ import annotations

import io
import os
import re

import markdown
import nh3
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from sapa.core import uploads

ALLOWED_TAGS = {"p", "h2", "h3", "strong", "em", "a", "ul", "ol", "li", "blockquote", "img",
                "figure", "figcaption", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = {"http", "https", "mailto"}

# Uploads: the largest file accepted, the largest picture kept, the formats read.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
COVER_WIDTH = 1600
GALLERY_WIDTH = 1600
_SRCLESS_IMG = re.compile(r"<img(?![^>]*\bsrc=)[^>]*>")
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
Image.MAX_IMAGE_PIXELS = 80_000_000


def media_prefix(library_id: int) -> str:
    """The URL prefix of a library's news photos (the only images an article body may show)."""
    return f"{settings.MEDIA_URL}news/{library_id}/"


def stored_prefix(library_id: int) -> str:
    """The same photos' address where the media storage serves them (S3: the public media URL)."""
    return default_storage.url(f"news/{library_id}/")


def clean_html(html: str, library_id: int) -> str:
    """Reduce HTML to the allowed subset; images only from the library's own news media.

    A photo may be written with its /media/ address or its storage address (with media on
    S3, the address the gallery shows); either way it is shown from the storage's address.
    """
    local = media_prefix(library_id)
    stored = stored_prefix(library_id)
    prefixes = (local, settings.BASE_URL + local, stored)

    def attribute_filter(tag, attribute, value):
        if tag == "img" and attribute == "src":
            if not value.startswith(prefixes) or ".." in value:
                return None
            if stored != local:
                for prefix in (settings.BASE_URL + local, local):
                    if value.startswith(prefix):
                        return stored + value[len(prefix):]
        if tag == "img" and attribute in ("width", "height") and not value.isdigit():
            return None
        return value

    cleaned = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                        attribute_filter=attribute_filter, link_rel="noopener noreferrer nofollow")
    # An <img> whose source was refused shows nothing: drop it.
    return _SRCLESS_IMG.sub("", cleaned)


def render_body(markdown_text: str, library_id: int) -> str:
    """The article's Markdown as sanitized HTML."""
    if not markdown_text.strip():
        return ""
    raw = markdown.markdown(markdown_text, extensions=["sane_lists"])
    return clean_html(raw, library_id)


class PhotoError(ValueError):
    """The upload is not a photo Sapa accepts; the message says why, in the user's language."""


def process_photo(uploaded, *, width: int) -> tuple[ContentFile, str, tuple[int, int]]:
    """Check an upload is a real image within the limits and return it resized as JPEG.

    The result has no EXIF (no camera, no location), is turned upright, at most
    `width` pixels wide. Returns (file content, file name, (width, height)).
    """
    # original_name: the name the person gave, when a form already renamed the upload.
    name = os.path.basename(getattr(uploaded, "original_name", None) or getattr(uploaded, "name", "") or "foto")
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise PhotoError(_("%(name)s is larger than %(mb)s MB. Upload a smaller photo.")
                         % {"name": name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    data = uploaded.read()
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(_("%(name)s is larger than %(mb)s MB. Upload a smaller photo.")
                         % {"name": name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    try:
        uploads.inspect_image(data, formats=ACCEPTED_FORMATS, max_pixels=Image.MAX_IMAGE_PIXELS)
    except uploads.TooLarge as exc:
        raise PhotoError(f"{name}: {exc}") from None
    except uploads.NotAccepted:
        raise PhotoError(_("%(name)s is not a photo Sapa can read. Upload a JPEG, PNG or WebP file.")
                         % {"name": name}) from None
    try:
        with Image.open(io.BytesIO(data)) as source:
            source.load()
            img = ImageOps.exif_transpose(source)
            if img.width < 200 or img.height < 100:
                raise PhotoError(_("%(name)s is too small (%(w)s×%(h)s pixels); use a photo at least "
                                   "200 pixels wide.") % {"name": name, "w": img.width, "h": img.height})
            if img.width > width:
                img = img.resize((width, max(1, round(img.height * width / img.width))),
                                 Image.Resampling.LANCZOS)
            if img.mode not in ("RGB", "L"):
                background = Image.new("RGB", img.size, (255, 255, 255))
                rgba = img.convert("RGBA")
                background.paste(rgba, mask=rgba.getchannel("A"))
                img = background
            out = io.BytesIO()
            img.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise PhotoError(_("%(name)s is not a photo Sapa can read. Upload a JPEG, PNG or WebP file.")
                         % {"name": name}) from None
    # A random name: a draft's photos are public files, but nobody can guess where they are.
    return ContentFile(out.getvalue()), uploads.random_name("jpg"), img.size
