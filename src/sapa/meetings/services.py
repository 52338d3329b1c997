"""Zoom from the event: the library's account, the event's meeting, each confirmed
registration as a registrant with a personal join link, and the participants report
into the attendance import.

A registration never waits for Zoom: the registration's transaction only queues a job
(`registration_notice`, on commit); the job (tasks.sync_registrant) asks Zoom, and a
sweep every few minutes catches whatever an outage left behind. Until Zoom answers,
`meeting_link` gives the meeting's shared link (Zoom's own registration page) and the
personal page says the personal link is on its way; it is emailed when it comes late.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from sapa.attendance.reports import people_from_sessions
from sapa.attendance.services import start_report_import
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import manage_url
from sapa.libraries import audit
from sapa.mail.services import enqueue_message, render_templated
from sapa.meetings.connectors import base, google_meet, zoom
from sapa.meetings.models import (
    GoogleAccount,
    GoogleMeeting,
    MeetingKind,
    WebhookReceipt,
    ZoomAccount,
    ZoomMeeting,
    ZoomRegistrant,
)
from sapa.social.crypto import CredentialsUnreadable, decrypt, encrypt

# A personal link that comes this long after the confirmation is emailed on its own
# (the confirmation went out with the shared link).
LATE_LINK_AFTER = timedelta(minutes=5)
# A registrant Zoom refused this many times is left to staff (the sweep stops asking).
SWEEP_GIVES_UP_AFTER = 20
# Webhooks older (or newer) than this are refused: a captured request cannot be replayed later.
WEBHOOK_MAX_AGE = timedelta(minutes=5)


# --- The account ---------------------------------------------------------------------------


class DbTokens(zoom.TokenStore):
    """The access token, encrypted on the account's row (shared by the worker's processes)."""

    def __init__(self, account: ZoomAccount):
        self.account = account

    def get(self):
        a = self.account
        if (
            not a.access_token_encrypted
            or not a.token_expires_at
            or a.token_expires_at <= timezone.now()
        ):
            return None
        try:
            return decrypt(a.access_token_encrypted) or None
        except CredentialsUnreadable:
            return None

    def put(self, token, expires_at):
        a = self.account
        a.access_token_encrypted = encrypt(token) if token else ""
        a.token_expires_at = expires_at
        ZoomAccount.objects.filter(pk=a.pk).update(
            access_token_encrypted=a.access_token_encrypted, token_expires_at=expires_at
        )


def client(account: ZoomAccount) -> zoom.Zoom:
    secrets = account.secrets
    return zoom.Zoom(
        zoom.Credentials(account.account_id, account.client_id, secrets.get("client_secret", "")),
        DbTokens(account),
    )


def save_account(
    library,
    *,
    account_id: str,
    client_id: str,
    client_secret: str = "",
    webhook_secret: str = "",
    request=None,
) -> ZoomAccount:
    """Store the library's app; a secret left empty keeps the stored one."""
    account = ZoomAccount.objects.filter(library=library).first() or ZoomAccount(library=library)
    stored = account.secrets if account.pk else {}
    changed_app = (account.account_id, account.client_id) != (account_id, client_id) or bool(
        client_secret
    )
    account.account_id, account.client_id = account_id.strip(), client_id.strip()
    account.secrets = {
        "client_secret": client_secret.strip() or stored.get("client_secret", ""),
        "webhook_secret": webhook_secret.strip() or stored.get("webhook_secret", ""),
    }
    if changed_app:
        account.access_token_encrypted, account.token_expires_at = "", None
        account.tested_at, account.test_result = None, ""
    account.save()
    audit.record(
        "meetings.zoom_account_saved",
        library=library,
        obj=account,
        request=request,
        account_id=account.account_id,
    )
    return account


def test_connection(account: ZoomAccount, *, request=None) -> tuple[bool, str]:
    """Ask Zoom for a token and the app's user: (worked, message for staff)."""
    try:
        me = client(account).me()
        ok, message = True, _("Sapa reached Zoom as %(email)s.") % {"email": me.get("email") or "?"}
    except zoom.ZoomError as exc:
        ok, message = False, exc.message
    account.tested_at, account.test_result = timezone.now(), ("" if ok else message)[:300]
    account.save(update_fields=["tested_at", "test_result", "updated_at"])
    audit.record(
        "meetings.zoom_tested", library=account.library, obj=account, request=request, ok=ok
    )
    return ok, message


# --- The event's meeting -------------------------------------------------------------------


def _minutes(event) -> int:
    return max(1, int((event.ends_at - event.starts_at).total_seconds() // 60))


def create_meeting(event, *, kind: str = MeetingKind.MEETING, request=None) -> ZoomMeeting:
    """Create the event's Zoom meeting or webinar (registration on, approved automatically),
    make its link the event's meeting link and queue every confirmed registration as a
    registrant. Raises zoom.ZoomError (nothing stored) when Zoom refuses."""
    account = ZoomAccount.objects.filter(library=event.library_id).first()
    if account is None:
        raise zoom.ZoomError(_("Connect the library's Zoom account first."))
    existing = ZoomMeeting.objects.filter(event=event).first()
    if existing is not None and existing.state == ZoomMeeting.State.ACTIVE:
        raise zoom.ZoomError(_("This event already has a Zoom meeting."))
    data = client(account).create(
        kind,
        topic=event.title,
        start=event.starts_at,
        minutes=_minutes(event),
        time_zone=event.time_zone,
        agenda=event.description,
    )
    with transaction.atomic():
        if existing is not None:
            existing.delete()  # deleted in Zoom: its registrants went with it
        meeting = ZoomMeeting.objects.create(
            event=event,
            library_id=event.library_id,
            kind=kind,
            zoom_id=str(data["id"]),
            join_url=data.get("join_url") or data.get("registration_url") or "",
            synced_start=event.starts_at,
            synced_minutes=_minutes(event),
            synced_topic=event.title[:200],
        )
        event.meeting_url = meeting.join_url
        event.save(update_fields=["meeting_url", "updated_at"])
        audit.record(
            "meetings.zoom_created",
            library=event.library,
            obj=meeting,
            request=request,
            event=event.pk,
            kind=kind,
            zoom_id=meeting.zoom_id,
        )
        ids = list(
            event.registrations.filter(
                status=RegistrationStatus.CONFIRMED, anonymized_at__isnull=True
            ).values_list("pk", flat=True)
        )
        transaction.on_commit(lambda: _queue_sync(ids))
    return meeting


def _queue_sync(ids) -> None:
    # inside: loop: sapa.meetings.tasks imports this module
    from sapa.meetings.tasks import sync_registrant

    for pk in ids:
        sync_registrant(pk)


def _meeting_gone(meeting: ZoomMeeting, exc: zoom.ZoomError) -> None:
    ZoomMeeting.objects.filter(pk=meeting.pk).update(
        state=ZoomMeeting.State.DELETED, last_error=exc.message[:300]
    )


def event_saved(sender, instance, created=False, **kwargs):
    """post_save of Event: a new time, length or title goes to Zoom (a job, after commit)."""
    if created:
        return
    meeting = ZoomMeeting.objects.filter(event=instance.pk, state=ZoomMeeting.State.ACTIVE).first()
    if meeting is None:
        return
    if (meeting.synced_start, meeting.synced_minutes, meeting.synced_topic) != (
        instance.starts_at,
        _minutes(instance),
        instance.title[:200],
    ):
        # inside: loop: sapa.meetings.tasks imports this module
        from sapa.meetings.tasks import update_meeting

        transaction.on_commit(lambda: update_meeting(meeting.pk))


def update_meeting(meeting_id: int) -> str:
    """Tell Zoom the event's current time, length and title."""
    meeting = ZoomMeeting.objects.select_related("event", "library__zoom_account").get(
        pk=meeting_id
    )
    event = meeting.event
    if meeting.state != ZoomMeeting.State.ACTIVE:
        return "inactive"
    try:
        client(meeting.library.zoom_account).update(
            meeting.kind,
            meeting.zoom_id,
            topic=event.title,
            start=event.starts_at,
            minutes=_minutes(event),
            time_zone=event.time_zone,
        )
    except zoom.ZoomNotFound as exc:
        _meeting_gone(meeting, exc)
        return "deleted"
    ZoomMeeting.objects.filter(pk=meeting.pk).update(
        synced_start=event.starts_at,
        synced_minutes=_minutes(event),
        synced_topic=event.title[:200],
        last_error="",
    )
    return "updated"


# --- Registrants ---------------------------------------------------------------------------

_WATCHED = {"registered", "confirmed", "promoted", "cancelled", "event_cancelled"}


def registration_notice(sender, *, kind, library_id, registration_id, public_id, **kwargs):
    """events.notices receiver: a seat taken or given up → a job that tells Zoom (after commit).

    On the registration's hot path: one indexed query when the library has no active meeting.
    """
    if kind not in _WATCHED:
        return
    if not ZoomMeeting.objects.filter(
        library_id=library_id, state=ZoomMeeting.State.ACTIVE
    ).exists():
        return
    # inside: loop: sapa.meetings.tasks imports this module
    from sapa.meetings.tasks import sync_registrant

    if registration_id is not None:
        transaction.on_commit(lambda: sync_registrant(registration_id))
    else:
        transaction.on_commit(lambda: sync_registrant(None, public_id))


def registration_erased(sender, *, registration, **kwargs):
    """events.erasure receiver: the personal link is forgotten now, the registrant leaves Zoom
    after commit (sync_registration sees the erased registration as not wanted)."""
    rows = ZoomRegistrant.objects.filter(registration=registration)
    if not rows.filter(state=ZoomRegistrant.State.ADDED).exists():
        return
    rows.update(join_url="")
    # inside: loop: sapa.meetings.tasks imports this module
    from sapa.meetings.tasks import sync_registrant

    transaction.on_commit(lambda: sync_registrant(registration.pk))


def sync_registration(registration_id: int | None = None, public_id: str | None = None) -> str:
    """Make Zoom agree with the registration: a registrant while confirmed, none otherwise.

    Raises zoom.ZoomBusy when Zoom should be asked again later. Returns what was done.
    """
    rows = Registration.objects.select_related("event__library")
    registration = (
        rows.filter(pk=registration_id)
        if registration_id is not None
        else rows.filter(public_id=public_id)
    ).first()
    if registration is None:
        return "gone"
    meeting = (
        ZoomMeeting.objects.filter(event=registration.event_id)
        .select_related("library__zoom_account")
        .first()
    )
    if meeting is None or meeting.state != ZoomMeeting.State.ACTIVE:
        return "no meeting"
    row = ZoomRegistrant.objects.filter(registration=registration).first()
    wanted = (
        registration.status == RegistrationStatus.CONFIRMED and registration.anonymized_at is None
    )
    zoom_api = client(meeting.library.zoom_account)
    if wanted:
        if row is not None and row.state == ZoomRegistrant.State.ADDED:
            return "already"
        if row is None:
            row, _created = ZoomRegistrant.objects.get_or_create(
                registration=registration, defaults={"meeting": meeting}
            )
        row.attempts += 1
        try:
            data = zoom_api.add_registrant(
                meeting.kind, meeting.zoom_id, email=registration.email, name=registration.name
            )
        except zoom.ZoomNotFound as exc:
            _meeting_gone(meeting, exc)
            _failed(row, exc)
            return "meeting deleted"
        except zoom.ZoomError as exc:
            _failed(row, exc)
            raise
        row.state, row.registrant_id = (
            ZoomRegistrant.State.ADDED,
            str(data.get("registrant_id") or ""),
        )
        row.join_url, row.last_error = data.get("join_url") or "", ""
        row.save()
        if (
            registration.confirmed_at
            and timezone.now() - registration.confirmed_at > LATE_LINK_AFTER
        ):
            _send_late_link(registration)
        return "added"
    if row is None or row.state != ZoomRegistrant.State.ADDED:
        if row is not None:
            row.state = ZoomRegistrant.State.REMOVED
            row.save(update_fields=["state", "updated_at"])
        return "nothing"
    try:
        zoom_api.remove_registrant(meeting.kind, meeting.zoom_id, row.registrant_id)
    except zoom.ZoomNotFound:
        pass  # already gone in Zoom: nothing left to remove
    except zoom.ZoomError as exc:
        _failed(row, exc)
        raise
    row.state, row.join_url, row.last_error = ZoomRegistrant.State.REMOVED, "", ""
    row.save()
    return "removed"


def _failed(row: ZoomRegistrant, exc: zoom.ZoomError) -> None:
    row.last_error = exc.message[:300]
    row.save()


def _send_late_link(registration) -> None:
    """The personal link came after the confirmation: email it on its own (once)."""
    message = render_templated(
        to=registration.email,
        template="meetings/email/zoom_link",
        context={
            "registration": registration,
            "event": registration.event,
            "link": personal_link(None, registration=registration),
            "manage_url": manage_url(registration),
        },
        library=registration.event.library,
        language=registration.language or settings.LANGUAGE_CODE,
    )
    enqueue_message(
        message, library=registration.event.library, dedupe_key=f"zoom-link:{registration.pk}"
    )


def personal_link(sender, *, registration, **kwargs) -> str | None:
    """events.notices.personal_meeting_link receiver: the registrant's own join link."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return None
    return (
        ZoomRegistrant.objects.filter(
            registration=registration,
            state=ZoomRegistrant.State.ADDED,
            meeting__state=ZoomMeeting.State.ACTIVE,
        )
        .values_list("join_url", flat=True)
        .first()
    ) or None


def participant_section(registration, request):
    """On the personal page: a note while the personal Zoom link is not there yet."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return ""
    meeting = ZoomMeeting.objects.filter(
        event=registration.event_id, state=ZoomMeeting.State.ACTIVE
    ).first()
    if meeting is None or personal_link(None, registration=registration):
        return ""
    return format_html(
        '<p class="help">{}</p>',
        _(
            "Your personal Zoom link is being prepared. It will be sent to you by email; until then "
            "the meeting link above opens Zoom's own registration page."
        ),
    )


def sweep(now=None) -> int:
    """Queue a sync for every confirmed registration of an active meeting still without its
    registrant, and every cancelled one still registered (what an outage left behind)."""
    # inside: loop: sapa.meetings.tasks imports this module
    from sapa.meetings.tasks import sync_registrant

    now = now or timezone.now()
    queued = 0
    for meeting in ZoomMeeting.objects.filter(
        state=ZoomMeeting.State.ACTIVE, event__ends_at__gt=now
    ):
        missing = (
            meeting.event.registrations.filter(
                status=RegistrationStatus.CONFIRMED,
                anonymized_at__isnull=True,
            )
            .exclude(zoom_registrant__state=ZoomRegistrant.State.ADDED)
            # One Zoom keeps refusing (not an outage): staff see it on the event's page.
            .exclude(zoom_registrant__attempts__gte=SWEEP_GIVES_UP_AFTER)
            .values_list("pk", flat=True)
        )
        stale = (
            meeting.registrants.filter(state=ZoomRegistrant.State.ADDED)
            .exclude(registration__status=RegistrationStatus.CONFIRMED)
            .values_list("registration_id", flat=True)
        )
        for pk in [*missing, *stale]:
            sync_registrant(pk)
            queued += 1
    return queued


def registrant_counts(meeting: ZoomMeeting) -> dict:
    counts = {state: 0 for state in ZoomRegistrant.State.values}
    for state in meeting.registrants.values_list("state", flat=True):
        counts[state] += 1
    confirmed = meeting.event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
    counts["waiting"] = max(0, confirmed - counts[ZoomRegistrant.State.ADDED])
    counts["refused"] = list(
        meeting.registrants.filter(
            state=ZoomRegistrant.State.PENDING,
            attempts__gte=SWEEP_GIVES_UP_AFTER,
            registration__status=RegistrationStatus.CONFIRMED,
        ).select_related("registration")[:20]
    )
    return counts


# --- The webhook ---------------------------------------------------------------------------


class WebhookRefused(Exception):
    pass


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zoom's x-zm-signature: v0= + hex HMAC-SHA256 of "v0:{timestamp}:{raw body}"."""
    message = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_webhook(
    account: ZoomAccount, *, timestamp: str, given: str, body: bytes, now=None
) -> None:
    """Refuse a forged, stale or replayed request (WebhookRefused); record an accepted one."""
    secret = account.secrets.get("webhook_secret", "")
    if not secret or not timestamp or not given:
        raise WebhookRefused("unsigned")
    try:
        sent = datetime.fromtimestamp(int(timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookRefused("bad timestamp") from None
    now = now or timezone.now()
    if abs(now - sent) > WEBHOOK_MAX_AGE:
        raise WebhookRefused("stale")
    if not hmac.compare_digest(signature(secret, timestamp, body), given):
        raise WebhookRefused("signature")
    try:
        event = json.loads(body).get("event", "")
    except (ValueError, AttributeError):
        raise WebhookRefused("not json") from None

    try:
        with transaction.atomic():
            WebhookReceipt.objects.create(
                account=account, signature=given[:80], event=str(event)[:60]
            )
    except IntegrityError:
        raise WebhookRefused("replay") from None
    WebhookReceipt.objects.filter(received_at__lt=now - 2 * WEBHOOK_MAX_AGE).delete()


def url_validation(account: ZoomAccount, plain_token: str) -> dict:
    """The answer to Zoom's endpoint.url_validation challenge."""
    secret = account.secrets.get("webhook_secret", "")
    encrypted = hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()
    return {"plainToken": plain_token, "encryptedToken": encrypted}


def handle_event(account: ZoomAccount, payload: dict) -> str:
    """A verified notification: meeting.ended (or webinar.ended) queues the report fetch."""
    name = payload.get("event")
    if name not in ("meeting.ended", "webinar.ended"):
        return "ignored"
    zoom_id = str(((payload.get("payload") or {}).get("object") or {}).get("id") or "")
    meeting = ZoomMeeting.objects.filter(library=account.library_id, zoom_id=zoom_id).first()
    if meeting is None:
        return "unknown meeting"
    # inside: loop: sapa.meetings.tasks imports this module
    from sapa.meetings.tasks import fetch_attendance

    transaction.on_commit(lambda: fetch_attendance(meeting.pk))
    return "queued"


# --- Attendance ----------------------------------------------------------------------------


def _when(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def fetch_attendance(meeting_id: int, *, request=None):
    """Read Zoom's participants report (every page) into a pending attendance import, the
    same preview the uploaded report gets. Returns the import. Raises zoom.ZoomError."""
    meeting = ZoomMeeting.objects.select_related("event__library", "library__zoom_account").get(
        pk=meeting_id
    )
    rows = client(meeting.library.zoom_account).participants(meeting.kind, meeting.zoom_id)
    sessions = []
    for row in rows:
        start, end = _when(row.get("join_time")), _when(row.get("leave_time"))
        sessions.append(
            {
                "name": row.get("name") or "",
                "email": (row.get("user_email") or "").strip().lower(),
                "key": row.get("registrant_id") or "",
                "start": start,
                "end": end,
                "seconds": float(row.get("duration") or 0) if not (start and end) else 0.0,
            }
        )
    report = people_from_sessions(
        sessions, format="zoom_webinar" if meeting.kind == "webinars" else "zoom_meeting"
    )
    known = dict(
        meeting.registrants.exclude(registrant_id="").values_list(
            "registrant_id", "registration_id"
        )
    )
    name = _("Zoom (automatic) — meeting %(id)s") % {"id": meeting.zoom_id}
    pending = start_report_import(meeting.event, report, name, known=known, request=request)
    ZoomMeeting.objects.filter(pk=meeting.pk).update(report_fetched_at=timezone.now())
    return pending


# --- Google Meet ---------------------------------------------------------------------------


class GoogleTokens(DbTokens):
    def put(self, token, expires_at):
        a = self.account
        a.access_token_encrypted = encrypt(token) if token else ""
        a.token_expires_at = expires_at
        GoogleAccount.objects.filter(pk=a.pk).update(
            access_token_encrypted=a.access_token_encrypted, token_expires_at=expires_at
        )


def google_client(account):
    return google_meet.GoogleMeet(
        google_meet.ServiceAccount(account.client_email, account.private_key, account.user),
        GoogleTokens(account),
    )


def save_google_account(
    library, *, key_file: str = "", user: str, calendar_id: str = "primary", request=None
):
    """Store the library's service account (a key file left empty keeps the stored one).
    Raises ValueError with a message for staff when the key file is not one."""
    account = GoogleAccount.objects.filter(library=library).first() or GoogleAccount(
        library=library
    )
    if key_file.strip():
        parsed = google_meet.parse_key_file(key_file)
        account.client_email, account.private_key = parsed.client_email, parsed.private_key
    elif not account.key_encrypted:
        raise ValueError(_("Upload the service account's JSON key file."))
    account.user, account.calendar_id = user.strip(), (calendar_id or "primary").strip()
    account.access_token_encrypted, account.token_expires_at = "", None
    account.tested_at, account.test_result = None, ""
    account.save()
    audit.record(
        "meetings.google_account_saved",
        library=library,
        obj=account,
        request=request,
        client_email=account.client_email,
        user=account.user,
    )
    return account


def test_google(account, *, request=None) -> tuple[bool, str]:
    try:
        data = google_client(account).calendar(account.calendar_id)
        ok, message = (
            True,
            _("Sapa reached the calendar “%(name)s”.")
            % {"name": data.get("summary") or account.calendar_id},
        )
    except base.ConnectorError as exc:
        ok, message = False, exc.message
    account.tested_at, account.test_result = timezone.now(), ("" if ok else message)[:300]
    account.save(update_fields=["tested_at", "test_result", "updated_at"])
    audit.record(
        "meetings.google_tested", library=account.library, obj=account, request=request, ok=ok
    )
    return ok, message


def create_meet(event, *, request=None):
    """A calendar event with a Meet link for `event`; the link becomes the event's meeting link.
    Raises connectors.base.ConnectorError (nothing stored) when Google refuses."""
    account = GoogleAccount.objects.filter(library=event.library_id).first()
    if account is None:
        raise base.ConnectorError(_("Connect the library's Google account first."))
    existing = GoogleMeeting.objects.filter(event=event).first()
    if existing is not None and existing.state == GoogleMeeting.State.ACTIVE:
        raise base.ConnectorError(_("This event already has a Google Meet link."))
    data = google_client(account).create(
        account.calendar_id,
        summary=event.title,
        description=event.description,
        start=event.starts_at,
        end=event.ends_at,
        time_zone=event.time_zone,
    )
    conference = data.get("conferenceData") or {}
    link = data.get("hangoutLink") or next(
        (
            p.get("uri")
            for p in conference.get("entryPoints") or []
            if p.get("entryPointType") == "video"
        ),
        "",
    )
    if not link:
        raise base.ConnectorError(
            _(
                "Google created the calendar event without a Meet link. Is Google "
                "Meet turned on for this Workspace user?"
            )
        )
    code = conference.get("conferenceId") or link.rstrip("/").rsplit("/", 1)[-1]
    with transaction.atomic():
        if existing is not None:
            existing.delete()
        meeting = GoogleMeeting.objects.create(
            event=event,
            library_id=event.library_id,
            calendar_id=account.calendar_id,
            calendar_event_id=data["id"],
            meeting_code=code,
            join_url=link,
            synced_start=event.starts_at,
            synced_end=event.ends_at,
            synced_topic=event.title[:200],
        )
        event.meeting_url = link
        event.save(update_fields=["meeting_url", "updated_at"])
        audit.record(
            "meetings.meet_created",
            library=event.library,
            obj=meeting,
            request=request,
            event=event.pk,
            code=code,
        )
    return meeting


def google_event_saved(sender, instance, created=False, **kwargs):
    """post_save of Event: a new time or title goes to the calendar event (a job, after commit)."""
    if created:
        return
    meeting = GoogleMeeting.objects.filter(
        event=instance.pk, state=GoogleMeeting.State.ACTIVE
    ).first()
    if meeting is None:
        return
    if (meeting.synced_start, meeting.synced_end, meeting.synced_topic) != (
        instance.starts_at,
        instance.ends_at,
        instance.title[:200],
    ):
        # inside: loop: sapa.meetings.tasks imports this module
        from sapa.meetings.tasks import update_meet

        transaction.on_commit(lambda: update_meet(meeting.pk))


def update_meet(meeting_id: int) -> str:
    meeting = GoogleMeeting.objects.select_related("event", "library__google_account").get(
        pk=meeting_id
    )
    event = meeting.event
    if meeting.state != GoogleMeeting.State.ACTIVE:
        return "inactive"
    try:
        google_client(meeting.library.google_account).update(
            meeting.calendar_id,
            meeting.calendar_event_id,
            summary=event.title,
            start=event.starts_at,
            end=event.ends_at,
            time_zone=event.time_zone,
        )
    except base.NotFound as exc:
        GoogleMeeting.objects.filter(pk=meeting.pk).update(
            state=GoogleMeeting.State.DELETED, last_error=exc.message[:300]
        )
        return "deleted"
    GoogleMeeting.objects.filter(pk=meeting.pk).update(
        synced_start=event.starts_at,
        synced_end=event.ends_at,
        synced_topic=event.title[:200],
        last_error="",
    )
    return "updated"


def fetch_meet_attendance(meeting_id: int, *, request=None):
    """Read the Meet REST API's participant sessions into a pending attendance import (the same
    preview as an uploaded report). Meet gives names, not emails: matched by name."""
    meeting = GoogleMeeting.objects.select_related("event__library", "library__google_account").get(
        pk=meeting_id
    )
    sessions = google_client(meeting.library.google_account).sessions(meeting.meeting_code)
    report = people_from_sessions(
        [{**s, "email": "", "seconds": 0} for s in sessions], format="google_meet"
    )
    name = _("Google Meet (automatic) — %(code)s") % {"code": meeting.meeting_code}
    pending = start_report_import(meeting.event, report, name, request=request)
    GoogleMeeting.objects.filter(pk=meeting.pk).update(report_fetched_at=timezone.now())
    return pending


# Meet's records are complete a little after the call ends.
MEET_REPORT_AFTER = timedelta(minutes=20)


def due_meet_reports(now=None) -> list[int]:
    """Meetings whose event ended (20 minutes ago, within 2 days) and whose attendance was not read."""
    now = now or timezone.now()
    return list(
        GoogleMeeting.objects.filter(
            state=GoogleMeeting.State.ACTIVE,
            report_fetched_at__isnull=True,
            event__ends_at__lte=now - MEET_REPORT_AFTER,
            event__ends_at__gt=now - timedelta(days=2),
        ).values_list("pk", flat=True)
    )
