"""Jobs: each registrant to Zoom, the meeting's new time, the report after the meeting, the sweep."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task
from huey.exceptions import RetryTask

from sapa.meetings import services
from sapa.meetings.connectors import base, zoom


@db_task(retries=8, retry_delay=60)
def sync_registrant(registration_id=None, public_id=None):
    """A registration's registrant in Zoom (added, or removed). Zoom busy: retried later
    (after its Retry-After); the sweep below catches anything the retries gave up on."""
    try:
        return services.sync_registration(registration_id, public_id)
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=5, retry_delay=120)
def update_meeting(meeting_id: int):
    try:
        return services.update_meeting(meeting_id)
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=6, retry_delay=300)
def fetch_attendance(meeting_id: int):
    """After meeting.ended: Zoom's report takes a few minutes to appear, hence the retries."""
    try:
        return services.fetch_attendance(meeting_id).pk
    except zoom.ZoomBusy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None
    except zoom.ZoomNotFound:
        raise RetryTask(delay=300) from None


@db_periodic_task(crontab(minute="*/5"))
def sweep_zoom_registrants():
    return services.sweep()


@db_task(retries=5, retry_delay=120)
def update_meet(meeting_id: int):
    try:
        return services.update_meet(meeting_id)
    except base.Busy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_task(retries=3, retry_delay=600)
def fetch_meet_attendance(meeting_id: int):
    try:
        return services.fetch_meet_attendance(meeting_id).pk
    except base.Busy as exc:
        raise RetryTask(delay=max(5, exc.retry_after)) from None


@db_periodic_task(crontab(minute="*/10"))
def read_meet_attendance():
    """Google Meet has no webhook here: read each ended meeting's attendance once."""
    for pk in services.due_meet_reports():
        fetch_meet_attendance(pk)
