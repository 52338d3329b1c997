"""The numbers of the event dashboard and the library report.

"Registrations" over time and by channel are every registration made (also
those cancelled later: the channel brought them); the breakdowns by
category, institution and province are the active ones (confirmed and
waiting). Clicks are people, once a day per link (see sapa.promotion.clicks).
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from sapa.events.models import QuestionKind, Registration, RegistrationStatus
from sapa.promotion import clicks
from sapa.promotion.models import Channel, ClickDay

ACTIVE = (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.STREAM)
TOP_INSTITUTIONS = 15


def channel_label(value: str) -> str:
    if not value:
        return _("Direct or unknown")
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def registration_start(event, first_registration_at=None):
    """When registration began: the opening time, or the first registration if that came earlier."""
    candidates = [t for t in (event.registration_opens_at, first_registration_at) if t is not None]
    return min(candidates) if candidates else None


def _seat_rows(event):
    """The registrations that took (or wait for) a seat: not those watching the stream."""
    return event.registrations.exclude(status=RegistrationStatus.STREAM)


def full_at(event, rows=None):
    """The moment the confirmed registrations first reached the seats, or None.

    Replays seats taken (confirmed_at) and freed (a confirmed one cancelled); the stream
    takes no seat.
    """
    if rows is None:
        rows = list(_seat_rows(event).values_list("confirmed_at", "cancelled_at"))
    changes = []
    for confirmed_at, cancelled_at in rows:
        if confirmed_at is None:
            continue
        changes.append((confirmed_at, 1))
        if cancelled_at is not None and cancelled_at >= confirmed_at:
            changes.append((cancelled_at, -1))
    changes.sort(key=lambda change: (change[0], -change[1]))
    taken = 0
    for moment, delta in changes:
        taken += delta
        if taken >= event.capacity > 0:
            return moment
    return None


def full_after_hours(event) -> float | None:
    """Hours from the start of registration until every seat was taken; None if never full."""
    rows = list(_seat_rows(event).values_list("confirmed_at", "cancelled_at", "created_at"))
    moment = full_at(event, [(a, b) for a, b, _ in rows])
    if moment is None:
        return None
    first = min((created for _, _, created in rows), default=None)
    start = registration_start(event, first)
    if start is None:
        return None
    return max((moment - start).total_seconds() / 3600, 0.0)


def over_time(event) -> list[tuple]:
    """[(time, cumulative registrations)] at each registration."""
    times = sorted(event.registrations.values_list("created_at", flat=True))
    return [(moment, i + 1) for i, moment in enumerate(times)]


def clicks_by_channel(event) -> dict:
    clicks.flush()
    rows = (ClickDay.objects.filter(link__event=event).values("link__channel")
            .annotate(n=Sum("visitors"), b=Sum("bots")))
    return {row["link__channel"]: (row["n"] or 0, row["b"] or 0) for row in rows}


@dataclass
class ChannelRow:
    channel: str
    label: str
    clicks: int
    bots: int
    registrations: int

    @property
    def conversion(self) -> float | None:
        return self.registrations / self.clicks if self.clicks else None


def by_channel(event) -> list[ChannelRow]:
    """Clicks (people) and registrations per channel, most registrations first."""
    click_counts = clicks_by_channel(event)
    registrations = dict(event.registrations.values_list("channel").annotate(n=Count("id")))
    channels = set(click_counts) | set(registrations)
    rows = [ChannelRow(ch, channel_label(ch), click_counts.get(ch, (0, 0))[0], click_counts.get(ch, (0, 0))[1],
                       registrations.get(ch, 0)) for ch in channels]
    rows.sort(key=lambda r: (-r.registrations, -r.clicks, r.channel == "", r.label))
    return rows


def by_category(event) -> list[tuple[str, int]]:
    rows = (event.registrations.filter(status__in=ACTIVE).values("category__name")
            .annotate(n=Count("id")).order_by("-n", "category__name"))
    return [(row["category__name"] or _("No category"), row["n"]) for row in rows]


def by_institution(event, top: int = TOP_INSTITUTIONS) -> list[tuple[str, int]]:
    """The most frequent institutions (spelling and case ignored), with their commonest spelling."""
    counts: Counter = Counter()
    spellings: dict[str, Counter] = {}
    for name in event.registrations.filter(status__in=ACTIVE).values_list("institution", flat=True):
        name = " ".join((name or "").split())
        if not name:
            continue
        key = name.casefold()
        counts[key] += 1
        spellings.setdefault(key, Counter())[name] += 1
    return [(spellings[key].most_common(1)[0][0], n)
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]


def by_province(event) -> list[tuple[str, int]]:
    """Answers to the event's province question, if it has one."""
    question = event.questions.filter(kind=QuestionKind.REGION).order_by("position", "id").first()
    if question is None:
        return []
    key = str(question.pk)
    counts: Counter = Counter()
    for answers in event.registrations.filter(status__in=ACTIVE).values_list("answers", flat=True):
        value = (answers or {}).get(key)
        province = value.get("province") if isinstance(value, dict) else None
        if province:
            counts[province] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def summary(event) -> dict:
    registrations = event.registrations.aggregate(
        total=Count("id"),
        confirmed=Count("id", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waitlisted=Count("id", filter=Q(status=RegistrationStatus.WAITLISTED)),
        stream=Count("id", filter=Q(status=RegistrationStatus.STREAM)),
    )
    click_total = sum(n for n, _ in clicks_by_channel(event).values())
    return {**registrations, "clicks": click_total, "full_after_hours": full_after_hours(event),
            "capacity": event.capacity}


# --- The library report --------------------------------------------------------------------


@dataclass
class ReportRow:
    event: object
    registrations: int
    confirmed: int
    full_after_hours: float | None
    top_channels: list  # [(label, registrations)]
    stream: int = 0  # registered for the overflow stream (no seat)


def library_report(library, start, end) -> list[ReportRow]:
    """Events of `library` starting in [start, end): registrations, time to fill, top channels."""
    events = list(library.events.filter(starts_at__gte=start, starts_at__lt=end).order_by("starts_at"))
    per_channel: dict[int, Counter] = {}
    for event_id, channel, n in (Registration.objects.filter(event__in=events)
                                 .values_list("event_id", "channel").annotate(n=Count("id"))):
        per_channel.setdefault(event_id, Counter())[channel] = n
    rows = []
    for event in events:
        counter = per_channel.get(event.pk, Counter())
        confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        stream = event.registrations.filter(status=RegistrationStatus.STREAM).count()
        top = [(channel_label(ch), n) for ch, n in counter.most_common() if ch][:3]
        rows.append(ReportRow(event, sum(counter.values()), confirmed, full_after_hours(event), top, stream))
    return rows
