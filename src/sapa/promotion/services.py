"""What promotion gives a post about an event: the flyer as an image, its alt text, the
suggested text. sapa.social.event_posts makes the post (social depends on promotion, never
the other way round)."""

import io

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from sapa.core import timefmt
from sapa.promotion import flyers

# The flyer sizes that are images (A4 is a PDF for print, not for a post).
POST_SIZES = tuple(size for size in flyers.SIZES if size != "a4")


def library_language(library) -> str:
    """The language a library writes to its public in (the site's language for now)."""
    return settings.LANGUAGE_CODE


def flyer_alt_text(event) -> str:
    """The flyer's alt text: title, date, and where the registration link is."""
    return _("Flyer: %(title)s, %(when)s. The registration link is in the QR code.") % {
        "title": event.title, "when": timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)}


def event_post_text(event, link_url: str) -> str:
    """A post's text from the event: its title, its date and time, and the registration link."""
    when = timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)
    return "\n\n".join([event.title, when, _("Register: %(url)s") % {"url": link_url}])


def flyer_jpeg(content: bytes) -> bytes:
    """The flyer as a JPEG: every network takes it, and Instagram takes nothing else."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(content)) as image:
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
