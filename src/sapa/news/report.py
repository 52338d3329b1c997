"""“Start a report from this event”: a draft article with the event's facts written out.

The facts come from the apps that own them: the date and platform from the
event, how fast the seats filled from sapa.promotion.stats (the same figure
as the promotion dashboard), attendance through sapa.attendance's CONTRACT
functions, door prize winners (first names only) through
sapa.prizes.services.winners_for_report when that app provides it. The text is
written in the site's language (Indonesian by default) with the numbers filled
in; staff then edit it like any draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sapa.core import timefmt
from sapa.events.models import RegistrationStatus
from sapa.news import services
from sapa.news.models import Article, Category
from sapa.promotion.stats import full_after_hours


@dataclass
class ReportFacts:
    date: str
    platform: str
    capacity: int
    confirmed: int
    full_after_hours: float | None
    attended: int | None
    categories: list[tuple[str, int]] = field(default_factory=list)
    speakers: list[tuple[str, str]] = field(default_factory=list)
    winners: list[dict] | None = None


def duration_text(hours: float) -> str:
    """"45 menit", "5 jam", "2 hari 3 jam" (rounded to what a reader cares about)."""
    minutes = round(hours * 60)
    if minutes < 60:
        minutes = max(minutes, 1)
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    whole_hours = round(hours)
    if whole_hours < 48:
        return ngettext("%(n)d hour", "%(n)d hours", whole_hours) % {"n": whole_hours}
    days, rest = divmod(whole_hours, 24)
    text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if rest:
        text += " " + ngettext("%(n)d hour", "%(n)d hours", rest) % {"n": rest}
    return text


def winners_for_report(event) -> list[dict] | None:
    """Door prize winners as [{"first_name", "prize"}], or None when the prizes app cannot say."""
    try:
        # inside: optional: tried, with a fallback
        from sapa.prizes.services import winners_for_report as provider
    except ImportError:
        return None
    return list(provider(event))


def _attended(event) -> int | None:
    try:
        # inside: optional: tried, with a fallback
        from sapa.attendance.services import attended_registration_ids
    except ImportError:
        return None
    ids = attended_registration_ids(event)
    return len(ids) if ids else None


def report_facts(event) -> ReportFacts:
    """The numbers of an event a report tells: seats, speed, categories, speakers, winners."""
    confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED)
    by_category = (confirmed.values("category__name").annotate(n=Count("id"))
                   .order_by("-n", "category__name"))
    return ReportFacts(
        date=timefmt.format_date(event.starts_at, event.time_zone),
        platform=event.meeting_platform,
        capacity=event.capacity,
        confirmed=confirmed.count(),
        full_after_hours=full_after_hours(event),
        attended=_attended(event),
        categories=[(row["category__name"] or _("No category"), row["n"]) for row in by_category],
        speakers=[(s.name, s.role) for s in event.speakers.all()],
        winners=winners_for_report(event),
    )


def report_markdown(event, facts: ReportFacts) -> tuple[str, str]:
    """(lead, body in Markdown) of the report, in the active language."""
    library = event.library
    if facts.platform:
        lead = _("%(library)s held %(title)s online via %(platform)s on %(date)s.") % {
            "library": library.name, "title": event.title, "platform": facts.platform, "date": facts.date}
    elif event.venue:
        lead = _("%(library)s held %(title)s at %(venue)s on %(date)s.") % {
            "library": library.name, "title": event.title, "venue": event.venue, "date": facts.date}
    else:
        lead = _("%(library)s held %(title)s on %(date)s.") % {
            "library": library.name, "title": event.title, "date": facts.date}
    # The lead is the article's summary, shown above the body; the body opens with the facts
    # of the session itself (when, where or on which platform, who organised it).
    parts = ["## " + _("The session"), "",
             "- **" + _("When") + "**: " + timefmt.format_range(event.starts_at, event.ends_at, event.time_zone)]
    if facts.platform:
        parts.append("- **" + _("Platform") + "**: " + facts.platform)
    elif event.venue:
        parts.append("- **" + _("Venue") + "**: " + event.venue)
    parts += ["- **" + _("Organiser") + "**: " + library.name, "", "## " + _("Participants"), ""]
    if facts.full_after_hours is not None:
        parts.append(_("All %(seats)d seats were taken within %(duration)s of registration opening.") % {
            "seats": facts.capacity, "duration": duration_text(facts.full_after_hours)})
    else:
        parts.append(_("%(confirmed)d participants registered for %(seats)d seats.") % {
            "confirmed": facts.confirmed, "seats": facts.capacity})
    if facts.attended:
        parts.append("")
        parts.append(ngettext("%(n)d of the %(confirmed)d registered participants attended.",
                              "%(n)d of the %(confirmed)d registered participants attended.",
                              facts.attended) % {"n": facts.attended, "confirmed": facts.confirmed})
    if facts.categories:
        # Counted over every confirmed registration, attended or not: the text says so.
        parts += ["", ngettext("The %(n)d registered participant by category:",
                               "The %(n)d registered participants by category:",
                               facts.confirmed) % {"n": facts.confirmed}, ""]
        parts += [f"- {name}: " + ngettext("%(n)d person", "%(n)d people", n) % {"n": n}
                  for name, n in facts.categories]
    if facts.speakers:
        parts += ["", "## " + _("Speakers"), ""]
        parts += [f"- **{name}**" + (f", {role}" if role else "") for name, role in facts.speakers]
    if facts.winners:
        parts += ["", "## " + _("Door prize winners"), ""]
        parts += [f"- {w['first_name']}" + (f" ({w['prize']})" if w.get("prize") else "") for w in facts.winners]
    # No "Photo gallery" heading here: the published article shows its gallery under its own heading.
    return lead, "\n".join(parts) + "\n"


def start_report(event, *, by, request=None) -> Article:
    """Create a draft report of `event` in its library, its facts written out; returns it."""
    library = event.library
    with translation.override(settings.LANGUAGE_CODE):
        facts = report_facts(event)
        lead, body = report_markdown(event, facts)
        title = _("Report: %(title)s") % {"title": event.title}
    categories = services.ensure_default_categories(library)
    category = next((c for c in categories if c.slug == "terkini"), None) or \
        Category.objects.filter(library=library).first()
    article = Article(library=library, title=title[:200], summary=lead[:500], body=body, event=event,
                      category=category, author=by)
    return services.save_article(article, by=by, request=request)
