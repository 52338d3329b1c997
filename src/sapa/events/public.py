"""What the public side of events shares: the rate limit, the description's HTML,
the waiting-list position, the library's home section."""

import functools
import time

import markdown
import nh3
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from sapa.config import ConfigError, parse_rate
from sapa.core import ratelimit
from sapa.core.net import client_ip
from sapa.events import snapshots
from sapa.events.models import Event, EventStatus, Visibility
from sapa.events.services import normalize_email, seat_counts

# The event and its seats as fresh visitors see them, per process, for at most
# SNAPSHOT_SECONDS: under a rush the public page then costs no query at all,
# and a registration (form or API) no query before its transaction. The quota
# is never decided from this (register() counts under the event's lock). The
# event and its seats are kept apart: a registration in this process drops the
# seats at once (snapshots.forget_seats, called by sapa.events.services on commit) but
# not the event, which it does not change; an edit of the event drops both
# (snapshots.forget_snapshot, sapa.events.signals).
SNAPSHOT_SECONDS = 1.0
# The snapshots themselves live in sapa.events.snapshots (forgotten there by services and signals).
_EVENTS, _SEATS, _MAX_ENTRIES = snapshots.EVENTS, snapshots.SEATS, snapshots.MAX_ENTRIES


def seats_and_queue(event: Event) -> tuple[int, bool, int]:
    """Seats left, whether new people go to the waiting list (services.seat_counts), and the
    number registered for the stream."""
    seats = seat_counts(event)
    return seats.left, seats.full, seats.stream


def public_event(slug: str) -> Event:
    """The event the public may see at /e/<slug>/ (published or cancelled), or Http404."""
    event = get_object_or_404(Event.objects.select_related("library"), slug=slug)
    if event.status == EventStatus.DRAFT:
        raise Http404
    return event


def snapshot_event(slug: str) -> Event:
    """public_event(), at most SNAPSHOT_SECONDS old (shared: do not change it)."""
    now = time.monotonic()
    found = _EVENTS.get(slug)
    if found is not None and now - found[0] < SNAPSHOT_SECONDS:
        return found[1]
    event = public_event(slug)
    if len(_EVENTS) > _MAX_ENTRIES:
        _EVENTS.clear()
    _EVENTS[slug] = (now, event)
    return event


def page_snapshot(slug: str):
    """(public_event, seats_and_queue) for the public pages, at most SNAPSHOT_SECONDS old."""
    event = snapshot_event(slug)
    now = time.monotonic()
    found = _SEATS.get(event.pk)
    if found is not None and now - found[0] < SNAPSHOT_SECONDS:
        return event, found[1]
    seats = seats_and_queue(event)
    if len(_SEATS) > _MAX_ENTRIES:
        _SEATS.clear()
    _SEATS[event.pk] = (now, seats)
    return event, seats


def forget_snapshot_all() -> None:
    snapshots.forget_all()


def _rate(name: str, value: str, default: tuple[int, int]) -> tuple[int, int] | None:
    try:
        return parse_rate(name, value)
    except ConfigError:
        return default


def registration_limit() -> ratelimit.Limit | None:
    """Registration attempts (form and API together) for one event from one address, or None.

    Per event and address, not per address alone: a school lab, an office or a mobile
    carrier (carrier-grade NAT) puts many honest people behind one address, so the
    default lets 100 people and their typos through in 10 minutes, while a script that
    floods one event from one address is stopped there.
    """
    rate = _rate("SAPA_REGISTRATION_RATE", settings.SAPA_REGISTRATION_RATE, (150, 600))
    return ratelimit.Limit("event-register", rate[0], rate[1]) if rate else None


def registration_email_limit() -> ratelimit.Limit | None:
    """Registration attempts for one event with one email address (from any address), or None.

    Each repeat of a registered email sends its personal link again: this caps the
    emails a script can make Sapa send to one inbox.
    """
    rate = _rate("SAPA_REGISTRATION_EMAIL_RATE", settings.SAPA_REGISTRATION_EMAIL_RATE, (5, 600))
    return ratelimit.Limit("event-register-email", rate[0], rate[1]) if rate else None


def registration_limited(request, event, email: str | None) -> str | None:
    """Count one registration attempt for `event`: from this address, and with `email` when given.

    Both counts go in one write (`ratelimit.hit_many`). Returns "address" or "email"
    (the limit that is exceeded, the address first) or None.
    """
    address, by_email = registration_limit(), registration_email_limit()
    pairs, names = [], []
    if address is not None:
        pairs.append((address, f"{event.pk}:{client_ip(request)}"))
        names.append("address")
    if by_email is not None and email:
        pairs.append((by_email, f"{event.pk}:{normalize_email(email)}"))
        names.append("email")
    for name, (limit, _ident), count in zip(names, pairs, ratelimit.hit_many(pairs), strict=True):
        if count > limit.attempts:
            return name
    return None


@functools.cache
def _channel_hooks() -> tuple:
    return tuple(config.registration_channel for config in apps.get_app_configs()
                 if hasattr(config, "registration_channel"))


def registration_channel(request, event) -> str:
    """The channel that brought this registration ("" if unknown): asked of the apps'
    `registration_channel(request, event)` hook (sapa.promotion's first-touch attribution)."""
    for hook in _channel_hooks():
        channel = hook(request, event)
        if channel:
            return channel
    return ""


def description_html(event: Event) -> str:
    """The description's Markdown as sanitized HTML, cached until the event changes."""
    if not event.description.strip():
        return ""
    stamp = int(event.updated_at.timestamp() * 1000) if event.updated_at else 0
    key = f"sapa:event-desc:{event.pk}:{stamp}"
    html = cache.get(key)
    if html is None:
        raw = markdown.markdown(event.description, extensions=["sane_lists", "nl2br"])
        html = nh3.clean(raw, link_rel="noopener noreferrer nofollow")
        cache.set(key, html, 60 * 60 * 24)
    return html


def upcoming_public_events(library=None):
    """Published, listed events that have not ended, soonest first."""
    events = Event.objects.filter(
        status=EventStatus.PUBLISHED, visibility=Visibility.PUBLIC, ends_at__gte=timezone.now(),
    ).select_related("library").order_by("starts_at", "pk")
    if library is not None:
        events = events.filter(library=library)
    return events


def home_section(library) -> dict | None:
    """The events section of the library's public home."""
    events = list(upcoming_public_events(library)[:20])
    return {"template": "events/public/_home_section.html", "events": events, "library": library}
