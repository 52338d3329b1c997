"""Jobs: each registrant to Zoom, the meeting's new time, the report after the meeting, the sweep.

Direction: services import tasks (to queue a job after the commit); tasks never import services
(what the jobs run is in sapa.meetings.sync).
"""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from sapa.events.models import RegistrationStatus
from sapa.meetings import sync
from sapa.meetings.connectors import base, zoom
from sapa.meetings.models import ZoomMeeting, ZoomRegistrant


@db_task(retries=8, retry_delay=60)
def sync_registrant(registration_id=None, public_id=None):
    """A registration's registrant in Zoom (added, or removed). Zoom busy: retried later
    (after its Retry-After); the sweep below catches anything the retries gave up on."""
    try:
        return sync.sync_registration(registration_id, public_id)
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=5, retry_delay=120)
def update_meeting(meeting_id: int):
    try:
        return sync.update_meeting(meeting_id)
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=6, retry_delay=300)
def fetch_attendance(meeting_id: int):
    """After meeting.ended: Zoom's report takes a few minutes to appear, hence the retries."""
    try:
        return sync.fetch_attendance(meeting_id).pk
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None
    except zoom.ZoomNotFound:
        raise RetryTask(delay=300) from None


@db_periodic_task(crontab(minute="*/5"))
def sweep_zoom_registrants():
    return sweep()


@db_task(retries=5, retry_delay=120)
def update_meet(meeting_id: int):
    try:
        return sync.update_meet(meeting_id)
    except base.Busy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=3, retry_delay=600)
def fetch_meet_attendance(meeting_id: int):
    try:
        return sync.fetch_meet_attendance(meeting_id).pk
    except base.Busy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_periodic_task(crontab(minute="*/10"))
def read_meet_attendance():
    """Google Meet has no webhook here: read each ended meeting's attendance once."""
    for pk in sync.due_meet_reports():
        fetch_meet_attendance(pk)


def sweep(now=None) -> int:
    """Queue a sync for every confirmed registration of an active meeting still without its
    registrant, and every cancelled one still registered (what an outage left behind)."""
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
            .exclude(zoom_registrant__attempts__gte=sync.SWEEP_GIVES_UP_AFTER)
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
