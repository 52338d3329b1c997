"""iCalendar: the .ics of one registration and the feed of a library's public events."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from sapa.events.models import Event, EventStatus, Visibility


def _calendar(name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//Sapa//sapa//ID")
    cal.add("version", "2.0")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _vevent(event: Event, *, description: str, location: str) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", f"event-{event.pk}@{settings.BASE_URL.split('://')[-1]}")
    vevent.add("dtstamp", timezone.now())
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at)
    vevent.add("summary", event.title)
    vevent.add("description", description)
    vevent.add("url", settings.BASE_URL + reverse("event-public", args=[event.slug]))
    if location:
        vevent.add("location", location)
    vevent.add("organizer", f"mailto:{event.library.email or 'noreply@localhost'}",
               parameters={"cn": event.library.name})
    vevent.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return vevent


def registration_ics(registration, *, manage: str, meeting: str | None) -> bytes:
    """The participant's calendar entry (`manage`: their personal page; `meeting`: the meeting
    or stream link when they may see it, else None). Built by services.registration_calendar."""
    event = registration.event
    lines = [_("Your registration: %(url)s") % {"url": manage}]
    location = event.venue
    if meeting:
        location = meeting
        label = (_("Stream link: %(url)s") if registration.status == "stream"
                 else _("Meeting link: %(url)s"))
        lines.insert(0, label % {"url": location})
    cal = _calendar()
    cal.add("method", "PUBLISH")
    cal.add_component(_vevent(event, description="\n".join(lines), location=location))
    return cal.to_ical()


def library_feed(library) -> bytes:
    """All public, published events of a library (no meeting links: the feed is public)."""
    cal = _calendar(library.name)
    events = Event.objects.filter(
        library=library, visibility=Visibility.PUBLIC,
        status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED],
    ).select_related("library").order_by("starts_at")
    for event in events:
        url = settings.BASE_URL + reverse("event-public", args=[event.slug])
        cal.add_component(_vevent(event, description=url, location=event.venue))
    return cal.to_ical()
