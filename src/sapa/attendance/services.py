"""The attendance rules. Other apps read attendance only through the functions
marked CONTRACT (prizes, certificates, survey, news); keep their signatures."""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.attendance.chat import is_question, is_thanks, parse_chat
from sapa.attendance.models import (
    Attendance,
    AttendanceRule,
    ChatImport,
    ChatMessage,
    CheckInWindow,
    ReportImport,
)
from sapa.attendance.reports import name_candidates, normalize_name, parse_report, total_minutes
from sapa.config import parse_rate
from sapa.core import ratelimit
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import normalize_email
from sapa.libraries import audit


@dataclass(frozen=True)
class Presence:
    minutes: int
    checked_in: bool
    attended: bool


def rule_for(event) -> AttendanceRule:
    """The event's rule (70 % of the session or a check-in when staff set none)."""
    try:
        return event.attendance_rule
    except AttendanceRule.DoesNotExist:
        return AttendanceRule(event=event)


def session_minutes(event) -> int:
    return max(0, int((event.ends_at - event.starts_at).total_seconds() // 60))


def checked_in_by_rule(rule: AttendanceRule, start, end) -> bool:
    """Whether check-in times (start, end; None when not entered) make a check-in under the
    rule: both codes when the rule requires both, else either one."""
    if rule.require_both_checkins:
        return start is not None and end is not None
    return start is not None or end is not None


def _row_checked_in(rule: AttendanceRule, row) -> bool:
    return checked_in_by_rule(rule, row.checked_in_at, row.checked_in_end_at)


def _stream_ids(event) -> set[int]:
    """The event's registrations watching the stream (no meeting minutes: check-in only)."""
    return set(event.registrations.filter(status=RegistrationStatus.STREAM).values_list("id", flat=True))


def meets_rule(rule: AttendanceRule, event, minutes: int, checked_in: bool, *, stream: bool = False) -> bool:
    """Apply `rule` to one participant's minutes and check-in. Someone watching the stream
    is never in a meeting report: for them only the check-in part of the rule applies."""
    if stream:
        return checked_in
    thresholds = []
    if rule.min_minutes:
        thresholds.append(minutes >= rule.min_minutes)
    if rule.min_percent:
        total = session_minutes(event)
        thresholds.append(total > 0 and minutes * 100 >= rule.min_percent * total)
    long_enough = any(thresholds) if thresholds else minutes > 0
    combine = rule.combine
    if combine == AttendanceRule.Combine.DURATION_ONLY:
        return long_enough
    if combine == AttendanceRule.Combine.CHECK_IN_ONLY:
        return checked_in
    if combine == AttendanceRule.Combine.BOTH:
        return long_enough and checked_in
    return long_enough or checked_in


@transaction.atomic
def record_attendance(registration, *, minutes: int | None = None, checked_in_at=None,
                      checked_in_end_at=None) -> Attendance:
    """Set a registration's minutes and/or check-in times and re-apply the rule. CONTRACT."""
    event = registration.event
    row, _ = Attendance.objects.select_for_update().get_or_create(
        registration=registration, defaults={"event": event}
    )
    if minutes is not None:
        row.minutes = minutes
    if checked_in_at is not None and row.checked_in_at is None:
        row.checked_in_at = checked_in_at
    if checked_in_end_at is not None and row.checked_in_end_at is None:
        row.checked_in_end_at = checked_in_end_at
    rule = rule_for(event)
    row.attended = meets_rule(rule, event, row.minutes, _row_checked_in(rule, row),
                              stream=registration.is_stream)
    row.updated_at = timezone.now()
    row.save()
    return row


def reapply_rule(event) -> int:
    """Recompute `attended` for every row of the event (after the rule changed); the number changed."""
    rule = rule_for(event)
    changed = []
    stream = _stream_ids(event)
    with transaction.atomic():
        for row in Attendance.objects.select_for_update().filter(event=event):
            attended = meets_rule(rule, event, row.minutes, _row_checked_in(rule, row),
                                  stream=row.registration_id in stream)
            if attended != row.attended:
                row.attended = attended
                changed.append(row)
        Attendance.objects.bulk_update(changed, ["attended"], batch_size=500)
    return len(changed)


def attendance_summary(event) -> dict[int, Presence]:
    """registration id → Presence, for every registration with an attendance row. CONTRACT."""
    return {
        row["registration_id"]: Presence(row["minutes"], row["checked_in_at"] is not None, row["attended"])
        for row in Attendance.objects.filter(event=event).values(
            "registration_id", "minutes", "checked_in_at", "attended"
        )
    }


def attended_registration_ids(event) -> set[int]:
    """Ids of the event's registrations that count as attended under its rule. CONTRACT."""
    return set(
        Attendance.objects.filter(event=event, attended=True).values_list("registration_id", flat=True)
    )


def minutes_by_registration(event) -> dict[int, int]:
    """registration id → minutes attended (0 when never seen). CONTRACT."""
    return dict(Attendance.objects.filter(event=event).values_list("registration_id", "minutes"))


# --- Writing minutes ---------------------------------------------------------------------


def write_minutes(event, minutes: dict[int, int], *, now=None) -> int:
    """Set the minutes of many registrations of `event` at once and apply the rule.

    Runs inside the caller's transaction; returns the number of rows written.
    """
    now = now or timezone.now()
    rule = rule_for(event)
    stream = _stream_ids(event)
    existing = {row.registration_id: row for row in
                Attendance.objects.select_for_update().filter(event=event, registration_id__in=list(minutes))}
    update, create = [], []
    for registration_id, value in minutes.items():
        row = existing.get(registration_id)
        if row is None:
            row = Attendance(event=event, registration_id=registration_id)
            create.append(row)
        else:
            update.append(row)
        row.minutes = value
        row.attended = meets_rule(rule, event, value, _row_checked_in(rule, row),
                                  stream=registration_id in stream)
        row.updated_at = now
    Attendance.objects.bulk_update(update, ["minutes", "attended", "updated_at"], batch_size=500)
    Attendance.objects.bulk_create(create, batch_size=500)
    return len(update) + len(create)


# --- The rule ------------------------------------------------------------------------------


def save_rule(event, *, min_minutes, min_percent, combine, require_both_checkins=None, request=None) -> int:
    """Store the event's rule and re-apply it to every attendance row; the number of rows
    whose `attended` changed."""
    with transaction.atomic():
        rule, _created = AttendanceRule.objects.select_for_update().get_or_create(event=event)
        rule.min_minutes, rule.min_percent, rule.combine = min_minutes, min_percent, combine
        if require_both_checkins is not None:
            rule.require_both_checkins = require_both_checkins
        rule.save()
        event.attendance_rule = rule
        changed = reapply_rule(event)
        audit.record("attendance.rule_changed", library=event.library, obj=event, request=request,
                     min_minutes=min_minutes, min_percent=min_percent, combine=combine,
                     require_both_checkins=rule.require_both_checkins, changed=changed)
    return changed


# --- Check-in codes ------------------------------------------------------------------------

# Easy to read aloud and to read off a shared screen: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V.
CODE_ALPHABET = "34679ACDEFHJKMNPRTWXY"
CODE_LENGTH = 5
WINDOW_CHOICES = (5, 10, 15, 20, 30, 45, 60)


class CheckInRefused(Exception):
    """A check-in that stores nothing; `message` says why, in the visitor's language.
    `counts` is True for the guesses that the rate limit counts (wrong code, unknown email)."""

    def __init__(self, message, *, counts: bool = False):
        super().__init__(str(message))
        self.message = message
        self.counts = counts


@dataclass(frozen=True)
class CheckIn:
    registration: object
    checked_in_at: object
    already: bool


def new_code() -> str:
    """A fresh random code, e.g. "K7MXR"."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    """What a participant typed, as the code is stored: upper case, no spaces or dashes."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def open_window(event, now=None):
    """The event's check-in window open now, or None."""
    now = now or timezone.now()
    return (CheckInWindow.objects.filter(event=event, opens_at__lte=now, closes_at__gt=now)
            .order_by("-opens_at", "-id").first())


def open_checkin(event, minutes: int, *, moment: str = CheckInWindow.Moment.START, request=None,
                 now=None) -> CheckInWindow:
    """Open a check-in window of `minutes` from now with a new code, for the check-in at the
    start or at the end (`moment`); a window still open is closed (one code at a time)."""
    now = now or timezone.now()
    if minutes not in WINDOW_CHOICES:
        raise ValueError(minutes)
    if moment not in CheckInWindow.Moment.values:
        raise ValueError(moment)
    with transaction.atomic():
        CheckInWindow.objects.filter(event=event, closes_at__gt=now).update(closes_at=now)
        window = CheckInWindow.objects.create(
            event=event, code=new_code(), opens_at=now, moment=moment, closes_at=now + timedelta(minutes=minutes),
            created_by=getattr(request, "user", None) if request and request.user.is_authenticated else None,
        )
        audit.record("attendance.checkin_opened", library=event.library, obj=event, request=request,
                     minutes=minutes, window=window.pk, moment=moment)
    return window


def close_checkin(window: CheckInWindow, *, request=None, now=None) -> bool:
    """Close a window now; False when it was already closed."""
    now = now or timezone.now()
    with transaction.atomic():
        closed = CheckInWindow.objects.filter(pk=window.pk, closes_at__gt=now).update(closes_at=now)
        if closed:
            audit.record("attendance.checkin_closed", library=window.event.library, obj=window.event,
                         request=request, window=window.pk)
    return bool(closed)


def checkin_limit():
    """The per-address limit on failed check-ins: settings.SAPA_CHECKIN_RATE ("attempts/seconds",
    "off"), default 10 per 10 minutes; settings.py and sapa.config refuse a bad value at start."""
    rate = parse_rate("SAPA_CHECKIN_RATE", settings.SAPA_CHECKIN_RATE)
    return ratelimit.Limit("attendance-checkin", *rate) if rate else None


def checkin_blocked(ip: str) -> bool:
    """True when this address has used up its failed attempts in the current window."""
    limit = checkin_limit()
    return limit is not None and ratelimit.peek(limit, ip) >= limit.attempts


def checkin_failed(ip: str) -> None:
    """Count one failed attempt (a wrong code or an unknown email) of this address."""
    limit = checkin_limit()
    if limit is not None:
        ratelimit.hit(limit, ip)


def check_in(event, code: str, *, email: str | None = None, registration=None, now=None) -> CheckIn:
    """Check a participant in with the code shown in the session: by email on the
    public page, or as `registration` from the personal link.

    Idempotent: a second check-in keeps the first time. Raises CheckInRefused
    (nothing stored) for a closed window, a wrong code, an unknown email, or a
    registration without a seat.
    """
    now = now or timezone.now()
    if event.is_cancelled:
        raise CheckInRefused(_("This event has been cancelled."))
    window = open_window(event, now)
    if window is None:
        raise CheckInRefused(_("Check-in is not open now. Enter the code while the moderator shows it "
                               "in the session."))
    typed = normalize_code(code).encode()
    if not typed:
        raise CheckInRefused(_("Enter the code shown in the session."))
    if not hmac.compare_digest(typed, window.code.encode()):
        raise CheckInRefused(_("That code is not right. Check the code on the screen and try again."),
                             counts=True)
    if registration is None:
        address = normalize_email(email or "")
        if not address:
            raise CheckInRefused(_("Enter the email address you registered with."))
        registration = (Registration.objects.filter(event=event, email_normalized=address,
                                                    anonymized_at__isnull=True).first())
        if registration is None:
            raise CheckInRefused(_("No registration for this event has that email address. Use the "
                                   "address you registered with."), counts=True)
    if registration.status == RegistrationStatus.CANCELLED:
        raise CheckInRefused(_("This registration has been cancelled, so it cannot be checked in."))
    if registration.status not in (RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM):
        raise CheckInRefused(_("You are on the waiting list and have no seat, so you cannot check in."))
    if window.moment == CheckInWindow.Moment.END:
        row = record_attendance(registration, checked_in_end_at=now)
        return CheckIn(registration, row.checked_in_end_at, row.checked_in_end_at != now)
    row = record_attendance(registration, checked_in_at=now)
    return CheckIn(registration, row.checked_in_at, row.checked_in_at != now)


def checkin_url(event) -> str:
    """The public check-in page's full address (shown on the staff screen, with its QR code)."""
    return settings.BASE_URL + reverse("attendance-checkin", args=[event.slug])


def checked_in_at(registration, moment: str = CheckInWindow.Moment.START):
    """When this registration checked in (at the start, or with `moment` "end" at the end), or None."""
    column = "checked_in_end_at" if moment == CheckInWindow.Moment.END else "checked_in_at"
    return (Attendance.objects.filter(registration=registration)
            .values_list(column, flat=True).first())


# --- Meeting report imports ------------------------------------------------------------------


def _matchable(event):
    """The registrations a report row may stand for: active (not cancelled), not anonymized."""
    return event.registrations.filter(
        status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED], anonymized_at__isnull=True,
    )


def match_people(event, people: list[dict], known: dict[str, int] | None = None) -> None:
    """Match each parsed person to a registration of `event`: by the meeting service's
    registrant id (`known`: a person's "key" → registration id, from an API report), then by
    email (case-insensitive), then by a name that exactly one registration has (casefolded,
    accents stripped, "(Original Name)" and "Name_Institution" handled). Sets
    "registration" and "matched_by"."""
    by_email, by_name, allowed = {}, {}, set()
    for pk, email, name in _matchable(event).values_list("pk", "email_normalized", "name"):
        by_email[email] = pk
        by_name.setdefault(normalize_name(name), set()).add(pk)
        allowed.add(pk)
    for person in people:
        person["registration"], person["matched_by"] = None, None
        by_key = (known or {}).get(person.get("key") or "")
        if by_key in allowed:
            person["registration"], person["matched_by"] = by_key, "registrant"
            continue
        email = (person.get("email") or "").strip().lower()
        if email and email in by_email:
            person["registration"], person["matched_by"] = by_email[email], "email"
            continue
        for raw in [person["name"], *person.get("names", [])]:
            for candidate in name_candidates(raw):
                found = by_name.get(candidate, set())
                if len(found) == 1:
                    person["registration"], person["matched_by"] = next(iter(found)), "name"
                    break
            if person["registration"]:
                break


def start_import(event, data: bytes, file_name: str, *, request=None):
    """Parse an uploaded meeting report and keep it, matched, as a pending import for
    the preview. Raises files.FileProblem (line and reason); nothing is stored then."""
    local_day = event.starts_at.astimezone(ZoneInfo(event.time_zone)).date()
    report = parse_report(data, tz_name=event.time_zone, default_date=local_day)
    return start_report_import(event, report, file_name, request=request)


def start_report_import(event, report, file_name: str, *, known: dict[str, int] | None = None, request=None):
    """Keep a parsed report (from a file, or from a meeting service's API, see
    reports.people_from_sessions) as a pending import, matched, for the preview."""
    people = [person.to_json() for person in report.people]
    match_people(event, people, known)
    matched = sum(1 for p in people if p["registration"])
    return ReportImport.objects.create(
        event=event, file_name=(file_name or "")[:255], format=report.format,
        data={"people": people, "topic": report.topic, "table": report.table,
              "no_shows": report.no_shows, "skipped_hosts": report.skipped_hosts},
        rows=report.rows, people=len(people), matched=matched, unmatched=len(people) - matched,
        created_by=request.user if request and request.user.is_authenticated else None,
    )


class ImportRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def save_import(report_import, choices: dict[int, int | None], *, request=None, now=None) -> dict:
    """Write the minutes of a pending import, all in one transaction, and apply the rule.

    `choices` maps the index of an unmatched person to a registration id chosen by
    hand (None: ignore). People matched to the same registration (two devices, a
    hand-matched guest) have their join/leave intervals merged. Returns counts.
    Raises ImportRefused when the import is no longer pending or a choice is not a
    registration of this event.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = ReportImport.objects.select_for_update().get(pk=report_import.pk)
        if locked.state != ReportImport.State.PENDING:
            raise ImportRefused(_("This import was already saved or discarded."))
        event = locked.event
        people = locked.data.get("people", [])
        allowed = set(_matchable(event).values_list("pk", flat=True))
        by_registration: dict[int, dict] = {}
        by_hand = ignored = 0
        for index, person in enumerate(people):
            registration_id = person.get("registration")
            if registration_id is None:
                registration_id = choices.get(index)
                if registration_id is None:
                    ignored += 1
                    continue
                if registration_id not in allowed:
                    raise ImportRefused(_("A chosen participant is not registered for this event."))
                by_hand += 1
            elif registration_id not in allowed:
                # Cancelled since the upload: not counted.
                ignored += 1
                continue
            slot = by_registration.setdefault(registration_id, {"intervals": [], "extra": 0.0})
            slot["intervals"] += [(datetime.fromisoformat(a), datetime.fromisoformat(b))
                                  for a, b in person.get("intervals", [])]
            slot["extra"] += float(person.get("extra_seconds") or 0)
        minutes = {pk: total_minutes(slot["intervals"], slot["extra"]) for pk, slot in by_registration.items()}
        written = write_minutes(event, minutes, now=now)
        locked.state = ReportImport.State.SAVED
        locked.matched = len(people) - ignored
        locked.unmatched = ignored
        locked.data = {}
        locked.saved_at = now
        locked.saved_by = request.user if request and request.user.is_authenticated else None
        locked.save()
        counts = {"written": written, "by_hand": by_hand, "ignored": ignored, "rows": locked.rows,
                  "people": locked.people}
        audit.record("attendance.report_imported", library=event.library, obj=locked, request=request,
                     event=event.pk, file=locked.file_name, format=locked.format, **counts)
    return counts


def discard_import(report_import, *, request=None) -> bool:
    """Drop a pending import (and the parsed personal data it holds)."""
    with transaction.atomic():
        done = ReportImport.objects.filter(pk=report_import.pk, state=ReportImport.State.PENDING).update(
            state=ReportImport.State.DISCARDED, data={})
        if done:
            audit.record("attendance.report_discarded", library=report_import.event.library,
                         obj=report_import, request=request, file=report_import.file_name)
    return bool(done)


def report_days(report_import) -> list:
    """The days (in the event's time zone) on which the people of an import joined."""
    tz = ZoneInfo(report_import.event.time_zone)
    days = set()
    for person in report_import.data.get("people", []):
        for start, _end in person.get("intervals", []):
            days.add(datetime.fromisoformat(start).astimezone(tz).date())
    return sorted(days)


PENDING_KEPT = timedelta(days=2)


def purge_pending_imports(older_than=PENDING_KEPT, now=None) -> int:
    """Discard pending imports nobody finished: their parsed data holds names and emails."""
    cutoff = (now or timezone.now()) - older_than
    ChatImport.objects.filter(state=ChatImport.State.PENDING, created_at__lt=cutoff).update(
        state=ChatImport.State.DISCARDED, data={})
    return ReportImport.objects.filter(state=ReportImport.State.PENDING, created_at__lt=cutoff).update(
        state=ReportImport.State.DISCARDED, data={})


# --- The Zoom chat -------------------------------------------------------------------------


def preview_chat(event, data: bytes, file_name: str, *, request=None):
    """Read a saved Zoom chat and keep it as a pending import for the preview; the event's
    chat is not touched. Raises files.FileProblem (line and reason) for a file Sapa cannot read."""
    chat = parse_chat(data, tz_name=event.time_zone, starts_at=event.starts_at)
    messages = [{"sent_at": m.sent_at.isoformat() if m.sent_at else None, "sender": m.sender[:200],
                 "recipient": m.recipient[:200], "private": m.private, "text": m.text} for m in chat.messages]
    return ChatImport.objects.create(
        event=event, state=ChatImport.State.PENDING, file_name=(file_name or "")[:255], format=chat.format,
        messages=len(messages), data={"messages": messages},
        created_by=request.user if request and request.user.is_authenticated else None,
    )


def save_chat(record, *, request=None) -> bool:
    """Replace the event's chat with a pending import's messages, whole or nothing.
    False when it was already saved or discarded."""
    with transaction.atomic():
        locked = ChatImport.objects.select_for_update().get(pk=record.pk)
        if locked.state != ChatImport.State.PENDING:
            return False
        event = locked.event
        ChatMessage.objects.filter(event=event).delete()
        ChatMessage.objects.bulk_create([
            ChatMessage(event=event, chat_import=locked, position=i,
                        sent_at=datetime.fromisoformat(m["sent_at"]) if m["sent_at"] else None,
                        sender=m["sender"], recipient=m["recipient"], is_private=m["private"], text=m["text"],
                        is_question=is_question(m["text"]), is_thanks=is_thanks(m["text"]))
            for i, m in enumerate(locked.data.get("messages", []))
        ], batch_size=500)
        locked.state, locked.data = ChatImport.State.SAVED, {}
        locked.save(update_fields=["state", "data"])
        audit.record("attendance.chat_imported", library=event.library, obj=locked, request=request,
                     event=event.pk, file=locked.file_name, format=locked.format, messages=locked.messages)
    return True


def discard_chat(record, *, request=None) -> bool:
    """Drop a pending chat import (and the messages it holds); the event's chat stays."""
    return bool(ChatImport.objects.filter(pk=record.pk, state=ChatImport.State.PENDING).update(
        state=ChatImport.State.DISCARDED, data={}))


def import_chat(event, data: bytes, file_name: str, *, request=None):
    """Replace the event's chat with the messages of a saved Zoom chat file at once (the demo,
    scripts): preview_chat then save_chat. Raises files.FileProblem for a file Sapa cannot read."""
    record = preview_chat(event, data, file_name, request=request)
    try:
        save_chat(record, request=request)
    except Exception:
        record.delete()
        raise
    record.refresh_from_db()
    return record


def chat_stats(event, top: int = 10) -> dict:
    """Counts of the event's chat: messages, questions, thanks, direct messages, senders, top senders."""
    messages = ChatMessage.objects.filter(event=event)
    totals = messages.aggregate(
        messages=Count("id"), questions=Count("id", filter=Q(is_question=True)),
        thanks=Count("id", filter=Q(is_thanks=True)), private=Count("id", filter=Q(is_private=True)),
        senders=Count("sender", distinct=True),
    )
    totals["top_senders"] = list(messages.values("sender").annotate(n=Count("id")).order_by("-n", "sender")[:top])
    return totals


def erase_event_chat(sender, event, now, **kwargs):
    """The event's retention ended: its saved chat (names and words of the participants)
    goes, and so do chat files read but never saved; the import records keep their counts.
    Connected to events.erasure.event_erased."""
    ChatMessage.objects.filter(event=event).delete()
    ChatImport.objects.filter(event=event, state=ChatImport.State.PENDING).update(
        state=ChatImport.State.DISCARDED, data={})


# How early before the start a check-in is normal (people join a Zoom early).
EARLY_CHECKIN = timedelta(hours=1)


def not_held_yet(event, now=None) -> bool:
    """The event is more than an hour away: check-in and attendance now are most likely a mistake
    (the wrong event, or a test) and the staff pages say so."""
    return (now or timezone.now()) < event.starts_at - EARLY_CHECKIN


def erase_participant(sender, registration, now, personal=None, **kwargs):
    """A participant's data was erased: the lines of the saved chat they sent or received
    under their name go, and a meeting report still waiting for its check forgets them.
    Their Attendance row stays (minutes and check-in, for the counts), linked to the
    erased registration. Connected to sapa.events.erasure.registration_erased."""
    if kwargs.get("event_wide"):
        return  # erase_event_chat and erase_event_imports take the whole event's
    name = " ".join(((personal or {}).get("name") or "").split()).casefold()
    email = ((personal or {}).get("email") or "").strip().casefold()
    event = registration.event
    if name:
        doomed = [m.pk for m in ChatMessage.objects.filter(event=event).only("sender", "recipient")
                  if name in (" ".join(m.sender.split()).casefold(), " ".join(m.recipient.split()).casefold())]
        ChatMessage.objects.filter(pk__in=doomed).delete()
    for record in ReportImport.objects.filter(event=event, state=ReportImport.State.PENDING):
        people = (record.data or {}).get("people", [])
        kept = [p for p in people if not _is_person(p, registration.pk, name, email)]
        if len(kept) != len(people):
            ReportImport.objects.filter(pk=record.pk).update(data={**record.data, "people": kept})


def _is_person(entry: dict, registration_id: int, name: str, email: str) -> bool:
    """Whether a parsed report's person is this participant: matched to them, or their name or email."""
    if entry.get("registration") == registration_id:
        return True
    names = {" ".join(str(entry.get(key) or "").split()).casefold() for key in ("name", "email")}
    return bool((name and name in names) or (email and email in names))


def erase_event_imports(sender, event, now, **kwargs):
    """The event's retention ended: reports still waiting for their check forget everyone.
    Connected to sapa.events.erasure.event_erased."""
    ReportImport.objects.filter(event=event).exclude(data={}).update(data={})
