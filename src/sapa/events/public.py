"""What the public side of events shares: the rate limit, the description's HTML,
the waiting-list position, the library's home section."""

import time

import markdown
import nh3
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from sapa.config import ConfigError, parse_rate
from sapa.core import ratelimit
from sapa.core.net import client_ip
from sapa.events.models import Event, EventStatus, RegistrationStatus, Visibility

# The event and its seats as fresh visitors see them, per process, for at most
# SNAPSHOT_SECONDS: under a rush the public page then costs no query at all.
# The quota is never decided from this (register() counts under the event's
# lock); a change made in this process drops the snapshot at once
# (forget_snapshot, called by sapa.events.services on commit).
SNAPSHOT_SECONDS = 1.0
_SNAPSHOTS: dict[str, tuple] = {}


def seats_and_queue(event: Event) -> tuple[int, bool]:
    """Seats left, and whether new people go to the waiting list (one query)."""
    counts = event.registrations.aggregate(
        confirmed=Count("id", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waiting=Count("id", filter=Q(status=RegistrationStatus.WAITLISTED)),
    )
    left = max(event.capacity - counts["confirmed"], 0)
    return left, left == 0 or counts["waiting"] > 0


def public_event(slug: str) -> Event:
    """The event the public may see at /e/<slug>/ (published or cancelled), or Http404."""
    event = get_object_or_404(Event.objects.select_related("library"), slug=slug)
    if event.status == EventStatus.DRAFT:
        raise Http404
    return event


def page_snapshot(slug: str):
    """(public_event, seats_and_queue) for the public pages, at most SNAPSHOT_SECONDS old."""
    now = time.monotonic()
    found = _SNAPSHOTS.get(slug)
    if found is not None and now - found[0] < SNAPSHOT_SECONDS:
        return found[1], found[2]
    event = public_event(slug)
    seats = seats_and_queue(event)
    if len(_SNAPSHOTS) > 1000:
        _SNAPSHOTS.clear()
    _SNAPSHOTS[slug] = (now, event, seats)
    return event, seats


def forget_snapshot_all() -> None:
    _SNAPSHOTS.clear()


def forget_snapshot(event_id: int) -> None:
    for slug, entry in list(_SNAPSHOTS.items()):
        if entry[1].pk == event_id:
            _SNAPSHOTS.pop(slug, None)


def registration_limit() -> ratelimit.Limit | None:
    """The per-address limit on registration attempts (form and API together), or None."""
    try:
        rate = parse_rate("SAPA_REGISTRATION_RATE", settings.SAPA_REGISTRATION_RATE)
    except ConfigError:
        rate = (20, 600)
    if rate is None:
        return None
    return ratelimit.Limit("event-register", rate[0], rate[1])


def registration_is_limited(request) -> bool:
    """Count one registration attempt from this address; True when it is over the limit."""
    limit = registration_limit()
    if limit is None:
        return False
    return ratelimit.is_limited(limit, client_ip(request))


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
    ).select_related("library").order_by("starts_at")
    if library is not None:
        events = events.filter(library=library)
    return events


def home_section(library) -> dict | None:
    """The events section of the library's public home."""
    events = list(upcoming_public_events(library)[:20])
    return {"template": "events/public/_home_section.html", "events": events, "library": library}
