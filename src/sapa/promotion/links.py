"""The one helper for short links: create them, and resolve a code to where it leads.

Codes are 7 characters from an alphabet without look-alikes (no 0/o, 1/l/i),
lowercase: about 2.7·10^10 codes, random, so they cannot be walked.
"""

import secrets
import time
from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.urls import reverse

from sapa.promotion.models import MEDIUM, Channel, ShortLink

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 7
# Link-in-bio links are Instagram links with this label.
BIO_LABEL = "bio"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str:
    return (raw or "").strip().lower()


def utm_target(event, channel: str) -> str:
    """The event page's path with utm_source/utm_medium/utm_campaign."""
    query = urlencode({"utm_source": channel, "utm_medium": MEDIUM.get(channel, "other"),
                       "utm_campaign": event.slug})
    return reverse("event-public", args=[event.slug]) + "?" + query


def target_of(link: ShortLink) -> str:
    if link.event_id is not None:
        return utm_target(link.event, link.channel)
    return link.target_url


def _create(**fields) -> ShortLink:
    for _attempt in range(8):
        try:
            with transaction.atomic():
                return ShortLink.objects.create(code=new_code(), **fields)
        except IntegrityError:
            # Either the code was taken (retry with another) or the (event, channel,
            # label) link exists already (the caller looks it up again).
            if fields.get("event") is not None and fields.get("content_type") is None:
                existing = ShortLink.objects.filter(event=fields["event"], channel=fields["channel"],
                                                    label=fields.get("label", ""),
                                                    content_type__isnull=True).first()
                if existing is not None:
                    return existing
    raise RuntimeError("could not find a free short-link code")


def event_link(event, channel: str, label: str = "", *, user=None) -> ShortLink:
    """The short link of `event` for `channel` (and variant `label`), created on first use."""
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    label = (label or "").strip()[:100]
    link = ShortLink.objects.filter(event=event, channel=channel, label=label, content_type__isnull=True).first()
    if link is not None:
        return link
    return _create(library=event.library, event=event, channel=channel, label=label,
                   created_by=user if getattr(user, "pk", None) else None)


def event_links(events, channel: str, label: str = "") -> dict:
    """{event.pk: ShortLink} for many events at once (one query, plus one per missing link)."""
    events = list(events)
    found = {link.event_id: link for link in ShortLink.objects.filter(
        event__in=events, channel=channel, label=label, content_type__isnull=True)}
    for event in events:
        if event.pk not in found:
            found[event.pk] = event_link(event, channel, label)
    return found


def object_link(event, channel: str, label: str, obj, *, user=None) -> ShortLink:
    """The short link to `event` carried by `obj` (a post variant), created on first use.

    Its clicks are its own; a registration it brings counts for `channel`.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    content_type = ContentType.objects.get_for_model(obj)
    link = ShortLink.objects.filter(event=event, content_type=content_type, object_id=obj.pk).first()
    if link is not None:
        return link
    return _create(library=event.library, event=event, channel=channel, label=(label or "").strip()[:100],
                   content_type=content_type, object_id=obj.pk,
                   created_by=user if getattr(user, "pk", None) else None)


def url_link(library, url: str, channel: str, label: str = "", *, obj=None) -> ShortLink:
    """A new short link to any URL (a pinned link, a profile), optionally tied to `obj`."""
    extra = {}
    if obj is not None:
        extra = {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}
    return _create(library=library, target_url=url, channel=channel, label=label[:100], **extra)


# --- Resolving codes: a small per-process cache ---------------------------------------------

# code -> (expires, (link_id, target, event_id, channel)) or (expires, None) for unknown codes.
_CACHE: dict[str, tuple[float, tuple | None]] = {}
CACHE_SECONDS = 60
CACHE_MAX = 4096


def resolve(code: str) -> tuple | None:
    """(link_id, target, event_id, channel) of a code, or None; cached for a minute per process.

    A changed event address or a deleted link shows within CACHE_SECONDS.
    """
    now = time.monotonic()
    hit = _CACHE.get(code)
    if hit is not None and hit[0] > now:
        return hit[1]
    link = ShortLink.objects.select_related("event").filter(code=code).first()
    value = None
    if link is not None:
        value = (link.pk, target_of(link), link.event_id, link.channel)
    if len(_CACHE) >= CACHE_MAX:
        _CACHE.clear()
    _CACHE[code] = (now + CACHE_SECONDS, value)
    return value


def forget(code: str) -> None:
    _CACHE.pop(code, None)
