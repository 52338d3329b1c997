"""What the jobs run: make Zoom and Google agree with the event (its time, its registrants) and
read their attendance reports (queued by sapa.meetings.services, run by sapa.meetings.tasks).

Imports neither services nor tasks.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from sapa.attendance.reports import people_from_sessions
from sapa.attendance.services import start_report_import
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import manage_url
from sapa.mail.services import enqueue_message, render_templated
from sapa.meetings.connectors import base, google_meet, zoom
from sapa.meetings.models import (
    GoogleAccount,
    GoogleMeeting,
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


def event_minutes(event) -> int:
    return max(1, int((event.ends_at - event.starts_at).total_seconds() // 60))


def _meeting_gone(meeting: ZoomMeeting, exc: zoom.ZoomError) -> None:
    ZoomMeeting.objects.filter(pk=meeting.pk).update(
        state=ZoomMeeting.State.DELETED, last_error=exc.message[:300]
    )


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
            minutes=event_minutes(event),
            time_zone=event.time_zone,
        )
    except zoom.ZoomNotFound as exc:
        _meeting_gone(meeting, exc)
        return "deleted"
    ZoomMeeting.objects.filter(pk=meeting.pk).update(
        synced_start=event.starts_at,
        synced_minutes=event_minutes(event),
        synced_topic=event.title[:200],
        last_error="",
    )
    return "updated"


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
