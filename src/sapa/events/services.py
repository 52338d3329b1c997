"""The rules of events and registration.

The quota: every change to an event's seats (a registration, a cancellation, a
promotion, a new quota) runs in one transaction that first locks the event's
row (`_lock_event`). On PostgreSQL that is `SELECT ... FOR UPDATE`; on SQLite
every transaction starts with `BEGIN IMMEDIATE` (see sapa.config), which
takes the database's write lock. Either way, two registrations for the same
event never count seats at the same time, across threads, processes and
machines, so the number of confirmed registrations never exceeds the seats.
The unique index on (event, normalized email) backs up the de-duplication.

A registration's status moves only as `sapa.events.states.TRANSITIONS` allows
(`states.move`); the seat rule decides a new one (`_SeatInsert`, in SQL) and one
registering again (`states.seat_status`, in Python), tested alike in
tests/events/test_seat_rule.py.

Emails are queued through the outbox after the transaction commits.
"""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    Q,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sapa.events import erasure, states
from sapa.events.ical import registration_ics
from sapa.events.models import (
    DEFAULT_CATEGORIES,
    Category,
    ConsentVersion,
    DataRequest,
    Event,
    EventStatus,
    MeetingLinkPolicy,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from sapa.events.notices import notice, personal_meeting_link
from sapa.events.snapshots import forget_seats
from sapa.libraries import audit
from sapa.mail.services import (
    enqueue_message,
    erase_event_emails,
    erase_person_emails,
    queue_rendered_later,
    render_templated,
)


class RegistrationRefused(Exception):
    """A registration that cannot be taken; `message` is for the participant."""

    def __init__(self, code: str, message):
        super().__init__(str(message))
        self.code = code
        self.message = message


STATE_MESSAGES = {
    "not_yet": gettext_lazy("Registration has not opened yet."),
    "closed": gettext_lazy("Registration is closed."),
    "cancelled": gettext_lazy("This event has been cancelled."),
    "draft": gettext_lazy("This event is not published."),
}

# The answer to every accepted registration, new or already registered (the form's page
# and the API say the same, so neither tells anyone whether an email is registered).
CHECK_YOUR_EMAIL = gettext_lazy(
    "Registration received. Check your email: it says whether you have a seat or a place on the "
    "waiting list, with your personal link. If this address was already registered, we sent its "
    "personal link again.")


# --- Normalization ------------------------------------------------------------------


def normalize_email(email: str) -> str:
    """The key of de-duplication: trimmed and lowercased."""
    return (email or "").strip().lower()


def normalize_phone(raw: str, *, mobile_only: bool, empty_message, invalid_message) -> str:
    """An Indonesian (or international) phone number in E.164, e.g. +6281234567890.

    The one reading of phone numbers in Sapa: accepts 0812-3456-7890,
    812 3456 7890, 62812..., +62 812...; raises ValidationError with the caller's
    message otherwise (and, with `mobile_only`, for an Indonesian landline).
    """
    text = (raw or "").strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not digits:
        raise ValidationError(empty_message)
    if text.startswith("+") or digits.startswith("62"):
        candidate = "+" + digits
    elif digits.startswith("0"):
        candidate = "+62" + digits[1:]
    elif digits.startswith("8"):
        candidate = "+62" + digits
    else:
        candidate = "+" + digits
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        raise ValidationError(invalid_message) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(invalid_message)
    if mobile_only and number.country_code == 62 and phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("Enter a mobile number that has WhatsApp, e.g. 0812 3456 7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_whatsapp(raw: str) -> str:
    """A participant's WhatsApp number in E.164 (a mobile number; see normalize_phone)."""
    return normalize_phone(
        raw,
        mobile_only=True,
        empty_message=_("Enter a WhatsApp number, e.g. 0812 3456 7890."),
        invalid_message=_("This is not a valid WhatsApp number. Use e.g. 0812 3456 7890."),
    )


# --- Seats ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seats:
    """An event's seats as counted now: the one count behind every "seats left"."""

    capacity: int
    confirmed: int
    waiting: int
    stream: int = 0  # watching the stream: no seat, never counted against the capacity

    @property
    def left(self) -> int:
        return max(self.capacity - self.confirmed, 0)

    @property
    def full(self) -> bool:
        """Whether a new registration goes to the waiting list (no seat left, or people waiting:
        nobody jumps the queue). The same rule as _SeatInsert's, which decides under the lock."""
        return self.status_for(RegistrationStatus.WAITLISTED) != RegistrationStatus.CONFIRMED

    def status_for(self, overflow: str) -> str:
        """The status the seat rule gives a new registration now (states.seat_status)."""
        return states.seat_status(capacity=self.capacity, confirmed=self.confirmed, waiting=self.waiting,
                                  overflow=overflow)


def seat_counts(event: Event) -> Seats:
    """Confirmed and waiting registrations of the event (one query)."""
    counts = Registration.objects.filter(event_id=event.pk).aggregate(
        confirmed=Count("id", filter=Q(status=RegistrationStatus.CONFIRMED)),
        waiting=Count("id", filter=Q(status=RegistrationStatus.WAITLISTED)),
        stream=Count("id", filter=Q(status=RegistrationStatus.STREAM)),
    )
    return Seats(event.capacity, counts["confirmed"], counts["waiting"], counts["stream"])


def seats_taken(event: Event) -> int:
    return seat_counts(event).confirmed


def seats_left(event: Event) -> int:
    return seat_counts(event).left


def waitlist(event: Event):
    """The waiting list in order of arrival."""
    return event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlisted_at", "id")


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person waiting (order of arrival); None when not waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    # The question of waitlist(event).filter(Q(waitlisted_at__lt=...) | Q(waitlisted_at=..., id__lt=...))
    # .count(), asked after every API registration: its SQL is built once per database.
    from django.db import connection

    sql = _HOT_SQL.get(("position", connection.vendor))
    if sql is None:
        q = connection.ops.quote_name
        sql = _HOT_SQL[("position", connection.vendor)] = (
            f"SELECT COUNT(*) FROM {q(Registration._meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {q('event_id')} = %s AND {q('status')} = %s "
            # (a, b) < (x, y): a < x, or a = x and b < y, i.e. a range of the index
            # on (event, status, waitlisted_at, id).
            f"AND ({q('waitlisted_at')}, {q('id')}) < (%s, %s)"
        )
    stamp = connection.ops.adapt_datetimefield_value(registration.waitlisted_at)
    with connection.cursor() as cursor:
        cursor.execute(sql, [registration.event_id, RegistrationStatus.WAITLISTED, stamp, registration.pk])
        ahead = cursor.fetchone()[0]
    return ahead + 1


# SQL of the registration's hot path, by (statement, database vendor): built from
# the models' own names once, so that no ORM query is compiled per registration.
_HOT_SQL: dict[tuple[str, str], str] = {}

# What register() needs of the locked event: a narrow row is a cheaper lock.
_SEAT_FIELDS = ("id", "library_id", "capacity", "status", "starts_at", "ends_at",
                "registration_opens_at", "registration_closes_at")


def _lock_event_seats(event: Event) -> Event:
    """_lock_event() for the registration's hot path: only the fields the seat rule reads
    (Event.objects.select_for_update().only(*_SEAT_FIELDS).get(pk=...), SQL built once)."""
    from django.db import connection

    # In the model's field order, as Model.from_db() wants them.
    fields = [f for f in Event._meta.concrete_fields if f.attname in _SEAT_FIELDS]
    sql = _HOT_SQL.get(("lock", connection.vendor))
    if sql is None:
        q = connection.ops.quote_name
        columns = ", ".join(q(f.column) for f in fields)
        sql = f"SELECT {columns} FROM {q(Event._meta.db_table)} WHERE {q('id')} = %s"  # noqa: S608
        if connection.features.has_select_for_update:
            sql += " FOR UPDATE"
        _HOT_SQL[("lock", connection.vendor)] = sql
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
        row = cursor.fetchone()
    if row is None:
        raise Event.DoesNotExist
    # SQLite hands back its UTC datetimes naive.
    values = [value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
              for value in row]
    return Event.from_db(connection.alias, [f.attname for f in fields], values)


def _seats_changed(event_id: int) -> None:
    """After commit, drop this process's snapshot of the public page's seats."""
    # Now (this request's next page must not show the old seats) and after the
    # commit (a page rendered meanwhile in this process saw the old ones).
    forget_seats(event_id)
    transaction.on_commit(lambda: forget_seats(event_id))


def _lock_event(event: Event) -> Event:
    """Lock the event's row for the rest of the transaction (see the module docstring)."""
    return Event.objects.select_for_update().select_related("library").get(pk=event.pk)


def _fill_free_seats(event: Event, now) -> list[Registration]:
    """Confirm people from the waiting list while seats are free. Call under the event lock."""
    free = event.capacity - event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    if free <= 0 or event.registration_state(now) in ("cancelled", "draft") or now >= event.starts_at:
        return []
    promoted = list(waitlist(event)[:free])
    for registration in promoted:
        states.move(registration, RegistrationStatus.CONFIRMED, confirmed_at=now, promoted_at=now)
        _queue_mail(registration, "promoted")
    return promoted


# --- Consent -------------------------------------------------------------------------------


# (event id, event created, text) -> ConsentVersion: the text rarely changes,
# registrations are many.
_consent_cache: dict[tuple, ConsentVersion] = {}


def current_consent(event: Event) -> ConsentVersion:
    """The consent version for the event's current text; a new version when the text changed."""
    text = event.consent_text_effective
    key = (event.pk, event.created_at, text)
    cached = _consent_cache.get(key)
    if cached is not None:
        return cached
    latest = event.consent_versions.order_by("-version").first()
    if latest is None or latest.text != text:
        version = (latest.version + 1) if latest else 1
        try:
            with transaction.atomic():
                latest = ConsentVersion.objects.create(event=event, version=version, text=text)
        except IntegrityError:
            latest = event.consent_versions.order_by("-version").first()
            if latest.text != text:
                return latest  # a concurrent edit; do not cache
    if len(_consent_cache) > 1000:
        _consent_cache.clear()
    _consent_cache[key] = latest
    return latest


# --- Registration --------------------------------------------------------------------------


@dataclass
class RegistrationResult:
    registration: Registration
    created: bool


def register(
    event: Event,
    *,
    name: str,
    email: str,
    whatsapp: str = "",
    institution: str = "",
    category: Category | None = None,
    answers: dict | None = None,
    consent: bool,
    language: str = "id",
    source: str = RegistrationSource.FORM,
    channel: str = "",
    overflow: str = "",
    now=None,
) -> RegistrationResult:
    """Register someone: a seat while seats are left, else a place on the waiting list,
    or, with `overflow` "stream" at an event with a stream link, the stream (no seat).

    The data must already be validated (sapa.events.forms). A second
    registration with the same email answers with the existing one and sends
    its personal link again instead of creating a duplicate. Raises
    RegistrationRefused when the event does not take registrations or consent
    is missing.
    """
    now = now or timezone.now()
    if not consent:
        raise RegistrationRefused("consent", _("Registration needs your consent to the processing of your data."))
    email_key = normalize_email(email)
    staff = source == RegistrationSource.STAFF
    # Outside the lock: the lock is held for as few statements as possible.
    consent_version = current_consent(event)
    registration = Registration(
        event=event, public_id=uuid.uuid4(), created_at=now,
        name=name.strip(), email=email.strip(), email_normalized=email_key, whatsapp=whatsapp,
        institution=institution.strip(), category=category, answers=answers or {},
        language=language, source=source, channel=channel, consent=consent_version,
        consent_given_at=now,
    )
    overflow_status = overflow_status_for(event, overflow)
    insert = _SeatInsert(registration, now, overflow_status)  # SQL and parameters built before the lock
    try:
        with transaction.atomic():
            # The email first, while no lock is held; the worker picks its wording
            # from the registration's status (see render_registration_mail).
            _queue_registered_mail(registration.public_id, event.library_id)
            locked = _lock_event_seats(event)
            _check_open(locked, category, staff=staff, now=now)
            insert.execute()
            _seats_changed(locked.pk)
    except IntegrityError:
        # The unique index on (event, normalized email) found this person's earlier
        # registration (a second submit, or one racing this one): answer with it.
        # Not looked up first: most submits are new, and that saves a query each.
        existing = Registration.objects.filter(event=event, email_normalized=email_key).first()
        if existing is None:
            raise
        return _register_again(event, existing, staff=staff, now=now, overflow_status=overflow_status, fields={
            "name": name.strip(), "email": email.strip(), "whatsapp": whatsapp,
            "institution": institution.strip(), "category": category, "answers": answers or {},
            "language": language, "source": source, "channel": channel, "consent": consent_version,
        })
    return RegistrationResult(registration, True)


def add_registration_by_staff(event: Event, *, request=None, **fields) -> RegistrationResult:
    """Staff add someone by hand (register(), also while registration is closed); a new
    registration is audited. An email already registered answers with its registration."""
    result = register(event, **fields, source=RegistrationSource.STAFF)
    if result.created:
        audit.record("registration.added_by_staff", library=event.library, obj=result.registration,
                     request=request, status=result.registration.status)
    return result


def overflow_status_for(event: Event, overflow: str) -> str:
    """The status of a registration that finds no seat: the stream when the person chose
    it and the event has a stream link, else the waiting list."""
    if overflow == "stream" and event.stream_url:
        return RegistrationStatus.STREAM
    return RegistrationStatus.WAITLISTED


class _SeatInsert:
    """The INSERT of a new registration whose status the seat rule decides in SQL.

    A seat is free when nobody is waiting (somebody already waiting keeps their
    turn: no seat jumps the queue) and fewer are confirmed than the event has
    seats. The rule runs inside the INSERT, the statement after the event's
    lock: on PostgreSQL each statement sees everything committed before it
    started, so it counts the registration of whoever held the lock before; on
    SQLite the whole transaction holds the write lock. The SQL and its
    parameters are prepared before the lock is taken, so that the lock is
    held for this one statement and the commit.

    Without a seat the status is `overflow` (the waiting list, or the stream the person
    chose): a stream registration is never counted as a seat, so it cannot break the quota.
    """

    # Per database vendor: (SQL, the fields whose values come first).
    _sql: dict[str, tuple[str, tuple]] = {}

    def __init__(self, registration: Registration, now, overflow=RegistrationStatus.WAITLISTED):
        from django.db import connection

        self.registration = registration
        self.now = now
        sql, fields = self._sql.get(connection.vendor) or self._build(connection)
        params = [field.get_db_prep_save(field.pre_save(registration, add=True), connection) for field in fields]
        event_id = registration.event_id
        seat_params = [event_id, RegistrationStatus.WAITLISTED, event_id, RegistrationStatus.CONFIRMED, event_id]
        stamp = connection.ops.adapt_datetimefield_value(now)
        self.sql = sql
        stream = overflow == RegistrationStatus.STREAM
        self.params = [*params,
                       *seat_params, RegistrationStatus.CONFIRMED, overflow,
                       *seat_params, stream, stamp,
                       *seat_params, stream, stamp]

    @classmethod
    def _build(cls, connection) -> tuple[str, tuple]:
        meta = Registration._meta
        q = connection.ops.quote_name
        decided = {"status", "confirmed_at", "waitlisted_at"}
        fields = tuple(f for f in meta.concrete_fields if not f.primary_key and f.name not in decided)
        columns = [q(f.column) for f in fields]
        table = q(meta.db_table)
        event_table = q(Event._meta.db_table)
        seat = (
            f"(NOT EXISTS (SELECT 1 FROM {table} WHERE {q('event_id')} = %s AND {q('status')} = %s) "
            f"AND (SELECT COUNT(*) FROM {table} WHERE {q('event_id')} = %s AND {q('status')} = %s) "
            f"< (SELECT {q('capacity')} FROM {event_table} WHERE {q('id')} = %s))"
        )
        values = ", ".join(["%s"] * len(columns))
        columns += [q("status"), q("confirmed_at"), q("waitlisted_at")]
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values}, "  # noqa: S608 - names from the model
            f"CASE WHEN {seat} THEN %s ELSE %s END, "
            # The stream (the last %s before the time: a boolean) is confirmed, without a seat,
            # and not waiting.
            f"CASE WHEN {seat} OR %s THEN %s ELSE NULL END, "
            f"CASE WHEN {seat} OR %s THEN NULL ELSE %s END) "
            f"RETURNING {q('id')}, {q('status')}"
        )
        cls._sql[connection.vendor] = (sql, fields)
        return sql, fields

    def execute(self) -> Registration:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            pk, status = cursor.fetchone()
        registration = self.registration
        registration.pk = pk
        registration.status = status
        registration.confirmed_at = (self.now if status in (RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM)
                                     else None)
        registration.waitlisted_at = self.now if status == RegistrationStatus.WAITLISTED else None
        registration._state.adding = False
        registration._state.db = connection.alias
        return registration


def _check_open(locked: Event, category, *, staff: bool, now) -> None:
    """Refuse a registration the event does not take (call under the event lock)."""
    state = locked.registration_state(now)
    # Staff may add people by hand while registration is closed, not to a cancelled event.
    if state != "open" and not (staff and state in ("closed", "not_yet")):
        raise RegistrationRefused(state, STATE_MESSAGES[state])
    if category is not None and category.event_id != locked.pk:
        raise RegistrationRefused("category", _("Choose one of this event's categories."))


def _register_again(event: Event, existing: Registration, *, staff: bool, now, fields,
                    overflow_status=RegistrationStatus.WAITLISTED) -> RegistrationResult:
    """A second submit with a known email: the existing registration and its link again;
    someone who had cancelled gets the same row back with a new turn."""
    if existing.is_active or existing.anonymized_at:
        if existing.is_active:
            with transaction.atomic():
                _queue_mail(existing, "link", dedupe=f"link:{existing.pk}:{int(now.timestamp()) // 600}")
        return RegistrationResult(existing, False)
    with transaction.atomic():
        locked = _lock_event_seats(event)
        _check_open(locked, fields["category"], staff=staff, now=now)
        current = Registration.objects.get(pk=existing.pk)
        if current.is_active:
            return RegistrationResult(current, False)
        # _SeatInsert's seat rule, in Python: this row exists already (rare path).
        status = seat_counts(locked).status_for(overflow_status)
        # The same personal link as before: the first email's link leads to this registration
        # (it was only ever sent to this address, and the new email is sent there too).
        states.move(current, status, **fields, consent_given_at=now, created_at=now,
                    confirmed_at=now if status != RegistrationStatus.WAITLISTED else None,
                    waitlisted_at=now if status == RegistrationStatus.WAITLISTED else None,
                    cancelled_at=None, promoted_at=None, cancelled_by="")
        _seats_changed(locked.pk)
        _queue_mail(current, "waitlisted" if status == RegistrationStatus.WAITLISTED else "confirmed")
    return RegistrationResult(current, True)


def cancel_registration(registration: Registration, *, by: str, request=None, now=None) -> bool:
    """Cancel a seat or leave the waiting list; a freed seat goes to the next person waiting.

    `by` is "participant", "staff" or "event". Returns False when it was not active.
    """
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(registration.event)
        current = Registration.objects.get(pk=registration.pk)
        if not current.is_active:
            return False
        was_confirmed = current.status == RegistrationStatus.CONFIRMED
        states.move(current, RegistrationStatus.CANCELLED, cancelled_at=now, cancelled_by=by)
        _seats_changed(event.pk)
        if by != "event":
            _queue_mail(current, "cancelled")
        if was_confirmed and by != "event":
            _fill_free_seats(event, now)
        if by == "staff":
            audit.record("registration.cancelled", library=event.library, obj=current, request=request)
    registration.refresh_from_db()
    return True


def promote(registration: Registration, *, request=None, now=None) -> None:
    """Staff promote one person from the waiting list into a free seat (out of turn)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(registration.event)
        current = Registration.objects.get(pk=registration.pk)
        if current.status != RegistrationStatus.WAITLISTED:
            raise RegistrationRefused("not_waitlisted", _("This person is not on the waiting list."))
        confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        if confirmed >= event.capacity:
            raise RegistrationRefused("full", _("All seats are taken. Raise the number of seats first."))
        states.move(current, RegistrationStatus.CONFIRMED, confirmed_at=now, promoted_at=now)
        _seats_changed(event.pk)
        _queue_mail(current, "promoted")
        audit.record("registration.promoted", library=event.library, obj=current, request=request)
    registration.refresh_from_db()


def update_event(event: Event, save, *, capacity: int, changed, request=None) -> list[Registration]:
    """Staff's changes to an event: `save()` (the form's) runs under the same lock as
    registrations take, so no seat is given while the quota changes. Refused
    ("capacity") when fewer seats than people holding one; a higher quota (or a
    draft now published) gives seats to the waiting list, who are returned."""
    with transaction.atomic():
        _lock_event_seats(event)
        taken = seats_taken(event)
        if capacity < taken:
            raise RegistrationRefused("capacity", _(
                "%(taken)d people already hold a seat. Cancel registrations "
                "first, or keep at least %(taken)d seats.") % {"taken": taken})
        save()
        audit.record("event.updated", library=event.library, obj=event, request=request, fields=sorted(changed))
    return capacity_changed(event)


def capacity_changed(event: Event, *, now=None) -> list[Registration]:
    """After staff changed the seats: promote from the waiting list into new free seats."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_event(event)
        _seats_changed(locked.pk)
        return _fill_free_seats(locked, now)


def update_registration(registration: Registration, *, by: str, request=None, **fields) -> Registration:
    """Change a registration's details (the participant's name, staff edits)."""
    if "email" in fields:
        fields["email_normalized"] = normalize_email(fields["email"])
        clash = Registration.objects.filter(
            event=registration.event_id, email_normalized=fields["email_normalized"]
        ).exclude(pk=registration.pk)
        if clash.exists():
            raise RegistrationRefused("duplicate", _("Another registration of this event uses that email."))
    changed = {k: v for k, v in fields.items() if getattr(registration, k) != v}
    for key, value in changed.items():
        setattr(registration, key, value)
    if changed:
        registration.save()
        if by == "staff":
            audit.record("registration.updated", library=registration.event.library, obj=registration,
                         request=request, fields=sorted(k for k in changed if k != "email_normalized"))
    return registration


def cancel_event(event: Event, *, request=None, now=None) -> int:
    """Cancel an event: every registration is cancelled and told by email."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_event(event)
        if locked.status == EventStatus.CANCELLED:
            return 0
        locked.status = EventStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        _seats_changed(locked.pk)
        active = list(locked.registrations.filter(
            status__in=[RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.STREAM]))
        for registration in active:
            states.move(registration, RegistrationStatus.CANCELLED, cancelled_at=now, cancelled_by="event")
            _queue_mail(registration, "event_cancelled")
        audit.record("event.cancelled", library=locked.library, obj=locked, request=request,
                     registrations=len(active))
    event.refresh_from_db()
    return len(active)


def create_event(event: Event, *, library, request=None) -> Event:
    """Save a new event (built by the staff form) for `library`, with the default categories."""
    with transaction.atomic():
        event.library = library
        event.created_by = request.user if request else None
        event.save()
        create_default_categories(event)
        audit.record("event.created", library=library, obj=event, request=request)
    return event


def create_default_categories(event: Event) -> None:
    for position, name in enumerate(DEFAULT_CATEGORIES):
        Category.objects.get_or_create(event=event, name=name, defaults={"position": position})


def duplicate_event(event: Event, *, request=None) -> Event:
    """A draft copy of an event with its speakers, categories and questions, without registrations."""
    with transaction.atomic():
        copy = Event.objects.get(pk=event.pk)
        copy.pk = None
        copy.id = None
        copy.slug = unique_slug(event.slug)
        copy.title = event.title
        copy.status = EventStatus.DRAFT
        copy.cancelled_at = copy.anonymized_at = None
        copy.created_by = getattr(request, "user", None) if request else None
        copy.save()
        for related in ("speakers", "categories", "questions"):
            for item in getattr(event, related).all():
                item.pk = None
                item.id = None
                item.event = copy
                item.save()
        audit.record("event.duplicated", library=event.library, obj=copy, request=request, source=event.pk)
    return copy


def unique_slug(base: str) -> str:
    from django.utils.text import slugify

    base = slugify(base)[:70] or "acara"
    candidate = base
    n = 2
    while Event.objects.filter(slug=candidate).exists():
        candidate = f"{base}-{n}"
        n += 1
    return candidate


# --- Privacy -------------------------------------------------------------------------------


def anonymize_registration(registration: Registration, *, now=None, event_wide: bool = False) -> dict:
    """Remove the personal data, keep what counts need (status, category, channel, times).

    The other apps erase their copies in receivers of erasure.registration_erased, in this
    transaction; `personal` hands them what was erased (name, email, WhatsApp number), so
    that copies kept as text (the outbox, a saved chat) can be found. `event_wide` (the
    retention job) tells them the whole event follows in erasure.event_erased, with every
    `personal` at once: what they would search per person they do there in one pass.
    Returns `personal`."""
    now = now or timezone.now()
    current = Registration.objects.filter(pk=registration.pk).values("name", "email", "whatsapp").first() or {}
    personal = {key: value for key, value in current.items() if value}
    Registration.objects.filter(pk=registration.pk).update(
        name="", email="", email_normalized=f"anonymized-{registration.public_id}", whatsapp="",
        institution="", answers={}, anonymized_at=now, manage_token=secrets.token_urlsafe(24),
    )
    registration.refresh_from_db()
    # The audit log keeps that something happened, not to whom by name, nor from where.
    audit.scrub_object(registration, label=registration.audit_label(), forget_address=True)
    # The outbox first (mail sits below events and does not listen to its signals).
    erase_person_emails(sender=Registration, registration=registration, now=now,
                        personal=personal, event_wide=event_wide)
    erasure.registration_erased.send(sender=Registration, registration=registration, now=now,
                                     personal=personal, event_wide=event_wide)
    return personal


def delete_my_data(registration: Registration, *, now=None) -> None:
    """The participant asked for deletion: free their seat, then erase their data now."""
    now = now or timezone.now()
    cancel_registration(registration, by="participant", now=now)
    with transaction.atomic():
        DataRequest.objects.create(event=registration.event, registration=registration,
                                   kind=DataRequest.Kind.DELETION, completed_at=now)
        anonymize_registration(registration, now=now)
        audit.record("registration.erased_by_participant", library=registration.event.library,
                     obj=registration)


def export_my_data(registration: Registration) -> dict:
    """Everything Sapa keeps about this registration, for the participant."""
    DataRequest.objects.create(event=registration.event, registration=registration,
                               kind=DataRequest.Kind.EXPORT, completed_at=timezone.now())
    questions = {str(q.pk): q.label for q in registration.event.questions.all()}
    return {
        "event": registration.event.title,
        "library": registration.event.library.name,
        "status": registration.status,
        "name": registration.name,
        "email": registration.email,
        "whatsapp": registration.whatsapp,
        "institution": registration.institution,
        "category": registration.category.name if registration.category else None,
        "answers": {questions.get(k, k): v for k, v in registration.answers.items()},
        "registered_at": registration.created_at.isoformat(),
        "consent": {
            "text": registration.consent.text if registration.consent else None,
            "version": registration.consent.version if registration.consent else None,
            "given_at": registration.consent_given_at.isoformat() if registration.consent_given_at else None,
        },
        "retention_days_after_event": registration.event.retention_days,
        **_other_apps_data(registration),
    }


def _other_apps_data(registration: Registration) -> dict:
    """What the other apps keep about this registration: each AppConfig's
    participant_data(registration) -> dict, merged (attendance, prize claim, survey...)."""
    from django.apps import apps

    data = {}
    for config in apps.get_app_configs():
        provider = getattr(config, "participant_data", None)
        if provider is not None:
            data.update(provider(registration) or {})
    return data


def anonymize_expired(now=None) -> int:
    """Retention: erase the personal data of events whose retention period ended."""
    now = now or timezone.now()
    done = 0
    for event in Event.objects.filter(anonymized_at__isnull=True):
        if event.ends_at + timedelta(days=event.retention_days) > now:
            continue
        # One transaction per event: its registrations, the other apps' receivers
        # (sapa.events.erasure) and the mark are erased whole or not at all.
        with transaction.atomic():
            people = []
            for registration in event.registrations.filter(anonymized_at__isnull=True):
                people.append(anonymize_registration(registration, now=now, event_wide=True))
                done += 1
            Event.objects.filter(pk=event.pk).update(anonymized_at=now)
            erase_event_emails(sender=Event, event=event, now=now, people=people)
            erasure.event_erased.send(sender=Event, event=event, now=now, people=people)
            audit.record("event.personal_data_erased", library=event.library, obj=event, reason="retention")
    return done


# --- Links and mail --------------------------------------------------------------------------


def manage_url(registration: Registration) -> str:
    return settings.BASE_URL + reverse(
        "registration-manage", args=[registration.public_id, registration.manage_token]
    )


def event_url(event: Event) -> str:
    return settings.BASE_URL + reverse("event-public", args=[event.slug])


def meeting_link(registration: Registration) -> str:
    """The link this participant joins the meeting with.

    The one place every email, the personal page, the .ics and any other message
    take it from, so that a personal link (a Zoom registrant's own join link, for
    instance) replaces the event's shared link everywhere at once. Someone watching the
    stream gets the event's stream link, never the meeting's.
    """
    if registration.status == RegistrationStatus.STREAM:
        return registration.event.stream_url
    for _receiver, link in personal_meeting_link.send(Registration, registration=registration):
        if link:
            return link
    return registration.event.meeting_url


def show_meeting_link(registration: Registration, kind: str) -> bool:
    event = registration.event
    if registration.status == RegistrationStatus.STREAM:
        if not event.stream_url:
            return False
    elif not event.meeting_url or registration.status != RegistrationStatus.CONFIRMED:
        return False
    if kind in ("reminder_day", "reminder_hour"):
        return True
    return event.meeting_link_policy == MeetingLinkPolicy.ON_CONFIRMATION


# Mail kinds: their template and whether they carry the .ics.
MAIL_KINDS = {
    "confirmed": True,
    "waitlisted": False,
    "promoted": True,
    "link": False,
    "cancelled": False,
    "event_cancelled": False,
    "reminder_day": True,
    "reminder_hour": False,
}


# The statuses in which each mail still makes sense when the worker renders it:
# a waiting-list notice for someone promoted a moment later is not sent.
MAIL_EXPECTS = {
    "confirmed": {RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM},
    "waitlisted": {RegistrationStatus.WAITLISTED},
    "promoted": {RegistrationStatus.CONFIRMED},
    "link": {RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.STREAM},
    "cancelled": {RegistrationStatus.CANCELLED},
    "event_cancelled": {RegistrationStatus.CANCELLED},
    "reminder_day": {RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM},
    "reminder_hour": {RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM},
}

# The statuses that take part in the event (a seat, or the stream): confirmations, reminders, .ics.
TAKING_PART = (RegistrationStatus.CONFIRMED, RegistrationStatus.STREAM)


def registration_calendar(registration: Registration, kind: str = "confirmed") -> bytes:
    """The participant's .ics: their personal page, and the meeting link only when they may see it."""
    link = meeting_link(registration) if show_meeting_link(registration, kind) else None
    return registration_ics(registration, manage=manage_url(registration), meeting=link)


def registration_message(registration: Registration, kind: str):
    """One of the registration emails (see MAIL_KINDS) in the participant's language,
    or None when it no longer applies (data erased, status changed since)."""
    event = registration.event
    if registration.anonymized_at or not registration.email:
        return None
    if registration.status not in MAIL_EXPECTS[kind]:
        return None
    attachments = []
    if MAIL_KINDS[kind] and registration.status in TAKING_PART:
        attachments.append(("undangan.ics", registration_calendar(registration, kind), "text/calendar"))
    return render_templated(
        to=registration.email,
        template=f"events/email/{kind}",
        context={
            "registration": registration, "event": event, "manage_url": manage_url(registration),
            "event_url": event_url(event), "show_meeting_link": show_meeting_link(registration, kind),
            "meeting_link": meeting_link(registration),
            "seats_ahead": (waitlist_position(registration) - 1
                            if registration.status == RegistrationStatus.WAITLISTED else None),
        },
        library=event.library,
        language=registration.language or settings.LANGUAGE_CODE,
        attachments=attachments,
    )


def send_registration_mail(registration: Registration, kind: str, dedupe: str | None = None):
    """Render one of the registration emails now and queue it (used by the worker)."""
    message = registration_message(registration, kind)
    if message is None:
        return None
    return enqueue_message(message, library=registration.event.library, dedupe_key=dedupe)


def render_registration_mail(kind: str, registration_id: int | None = None, public_id: str | None = None):
    """The outbox renderer "events.registration" (see sapa.mail.renderers).

    Kind "registered" is the mail of a new registration, queued before its
    status was known: the confirmation or the waiting-list notice, by the
    status it has now; nothing when it was promoted meanwhile (the promotion
    mail says it all).
    """
    rows = Registration.objects.select_related("event__library", "category")
    registration = (rows.filter(pk=registration_id) if registration_id is not None
                    else rows.filter(public_id=public_id)).first()
    if registration is None:
        return None
    if kind == "registered":
        if registration.promoted_at:
            return None
        kind = "waitlisted" if registration.status == RegistrationStatus.WAITLISTED else "confirmed"
    return registration_message(registration, kind)


def _queue_registered_mail(public_id, library_id) -> None:
    """Queue the mail of a registration about to be created (see render_registration_mail)."""
    queue_rendered_later("events.registration", {"public_id": str(public_id), "kind": "registered"},
                         library_id=library_id)
    notice.send(Registration, kind="registered", library_id=library_id, registration_id=None,
                public_id=str(public_id), dedupe=None)


def _queue_mail(registration: Registration, kind: str, dedupe: str | None = None) -> None:
    """Queue a registration email in the current transaction; the worker renders it.

    One INSERT while the event is locked: the email exists exactly when the
    change that causes it was committed, and the request does no rendering.
    """
    queue_rendered_later("events.registration", {"registration_id": registration.pk, "kind": kind},
                         library_id=registration.event.library_id, dedupe_key=dedupe)
    notice.send(Registration, kind=kind, library_id=registration.event.library_id,
                registration_id=registration.pk, public_id=str(registration.public_id), dedupe=dedupe)


def send_due_reminders(now=None) -> int:
    """Reminders a day and an hour before the start; each sent once (outbox dedupe keys).

    Runs every few minutes from the worker; a restart only delays it.
    """
    now = now or timezone.now()
    sent = 0
    upcoming = Event.objects.filter(
        status=EventStatus.PUBLISHED, starts_at__gt=now, starts_at__lte=now + timedelta(hours=24)
    ).select_related("library")
    for event in upcoming:
        kind = "reminder_hour" if event.starts_at - now <= timedelta(hours=1) else "reminder_day"
        registrations = event.registrations.filter(status__in=TAKING_PART, anonymized_at__isnull=True)
        if kind == "reminder_day":
            # Who registered in the last day has just had the confirmation.
            registrations = registrations.filter(confirmed_at__lt=event.starts_at - timedelta(hours=24))
        for registration in registrations:
            dedupe = f"{kind}:{registration.pk}"
            with transaction.atomic():
                if send_registration_mail(registration, kind, dedupe=dedupe) is not None:
                    sent += 1
                    notice.send(Registration, kind=kind, library_id=event.library_id,
                                registration_id=registration.pk, public_id=str(registration.public_id),
                                dedupe=dedupe)
    return sent
