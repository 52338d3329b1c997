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

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from sapa.events.models import RegistrationStatus
from sapa.libraries import audit
from sapa.meetings import tasks
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
from sapa.meetings.sync import (
    SWEEP_GIVES_UP_AFTER,
    client,
    event_minutes,
    google_client,
    personal_link,
)

# Webhooks older (or newer) than this are refused: a captured request cannot be replayed later.
WEBHOOK_MAX_AGE = timedelta(minutes=5)


# --- The account ---------------------------------------------------------------------------


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
        minutes=event_minutes(event),
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
            synced_minutes=event_minutes(event),
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
    for pk in ids:
        tasks.sync_registrant(pk)


def event_saved(sender, instance, created=False, **kwargs):
    """post_save of Event: a new time, length or title goes to Zoom (a job, after commit)."""
    if created:
        return
    meeting = ZoomMeeting.objects.filter(event=instance.pk, state=ZoomMeeting.State.ACTIVE).first()
    if meeting is None:
        return
    if (meeting.synced_start, meeting.synced_minutes, meeting.synced_topic) != (
        instance.starts_at,
        event_minutes(instance),
        instance.title[:200],
    ):
        transaction.on_commit(lambda: tasks.update_meeting(meeting.pk))


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
    if registration_id is not None:
        transaction.on_commit(lambda: tasks.sync_registrant(registration_id))
    else:
        transaction.on_commit(lambda: tasks.sync_registrant(None, public_id))


def registration_erased(sender, *, registration, **kwargs):
    """events.erasure receiver: the personal link is forgotten now, the registrant leaves Zoom
    after commit (sync_registration sees the erased registration as not wanted)."""
    rows = ZoomRegistrant.objects.filter(registration=registration)
    if not rows.filter(state=ZoomRegistrant.State.ADDED).exists():
        return
    rows.update(join_url="")
    transaction.on_commit(lambda: tasks.sync_registrant(registration.pk))


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
    transaction.on_commit(lambda: tasks.fetch_attendance(meeting.pk))
    return "queued"


# --- Attendance ----------------------------------------------------------------------------


# --- Google Meet ---------------------------------------------------------------------------


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
        transaction.on_commit(lambda: tasks.update_meet(meeting.pk))


