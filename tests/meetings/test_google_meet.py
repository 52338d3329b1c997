"""Google Meet at the HTTP boundary: the service account's signed token, the Calendar API's
Meet link, the Meet REST API's attendance (records → participants → sessions, signed-in,
anonymous and phone users) into the import's preview; 401, 404, 429 and 5xx."""

from datetime import timedelta

import pytest
from factories import make_registration
from google_fake import CLIENT_EMAIL, USER
from meeting_helpers import make_event

from sapa.attendance.models import Attendance, ReportImport
from sapa.attendance.services import save_import
from sapa.libraries.models import Role
from sapa.meetings import services, sync
from sapa.meetings.connectors import base
from sapa.meetings.models import GoogleAccount, GoogleMeeting

pytestmark = pytest.mark.django_db


def test_key_is_encrypted_and_a_bad_file_refused(
    library, fake_google, google_account, admin_client
):
    row = GoogleAccount.objects.values("key_encrypted", "client_email").get(pk=google_account.pk)
    assert "PRIVATE KEY" not in row["key_encrypted"] and row["client_email"] == CLIENT_EMAIL
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = admin_client.post(
        f"/staff/{library.slug}/google/",
        {
            "user": USER,
            "calendar_id": "primary",
            "key_file": SimpleUploadedFile("key.json", b'{"type": "authorized_user"}'),
        },
    )
    assert page.status_code == 200
    assert "JSON" in page.content.decode()
    assert (
        GoogleAccount.objects.get(pk=google_account.pk).key_encrypted
        == google_account.key_encrypted
    )


def test_test_connection_signs_a_token_request(fake_google, google_account):
    ok, message = services.test_google(google_account)
    assert ok, message
    token = fake_google.requests[0]
    assert (
        token["path"] == "/token"
        and token["json"]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    )


def test_create_meet_link(fake_google, library, google_account):
    event = make_event(library)
    meeting = services.create_meet(event)
    (create,) = fake_google.calls("POST", "/events$")
    assert create["path"] == "/calendar/v3/calendars/primary/events"
    assert create["query"] == {"conferenceDataVersion": "1"}
    assert create["json"]["conferenceData"]["createRequest"]["conferenceSolutionKey"] == {
        "type": "hangoutsMeet"
    }
    assert create["json"]["start"] == {
        "dateTime": event.starts_at.isoformat(),
        "timeZone": "Asia/Jakarta",
    }
    event.refresh_from_db()
    assert event.meeting_url == meeting.join_url == "https://meet.google.com/abc-defg-h01"
    assert event.meeting_platform == "Google Meet" and meeting.meeting_code == "abc-defg-h01"


def test_expired_token_then_time_change(
    fake_google, library, google_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    meeting = services.create_meet(event)
    fake_google.expire_tokens()
    event.starts_at += timedelta(hours=1)
    event.ends_at += timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    patch = fake_google.calls("PATCH")[-1]
    assert patch["path"].endswith(f"/events/{meeting.calendar_event_id}")
    assert patch["json"]["start"]["dateTime"] == event.starts_at.isoformat()
    assert fake_google.tokens_issued == 2
    assert (
        len(fake_google.calls("PATCH")) == 2
    )  # refused with 401, then sent again with the new token


def test_calendar_event_deleted_in_google(
    fake_google, library, google_account, django_capture_on_commit_callbacks
):
    event = make_event(library)
    meeting = services.create_meet(event)
    del fake_google.events[meeting.calendar_event_id]
    event.title = "Judul baru"
    with django_capture_on_commit_callbacks(execute=True):
        event.save()
    meeting.refresh_from_db()
    assert meeting.state == GoogleMeeting.State.DELETED and meeting.last_error


def test_429_and_5xx(fake_google, library, google_account):
    fake_google.fail(
        "POST",
        "/events$",
        429,
        headers={"Retry-After": "3"},
        body={"error": {"code": 429, "status": "RESOURCE_EXHAUSTED"}},
    )
    fake_google.fail(
        "POST", "/events$", 503, body={"error": {"code": 503, "status": "UNAVAILABLE"}}
    )
    services.create_meet(make_event(library))
    assert fake_google.slept == [3, 2]
    assert len(fake_google.calls("POST", "/events$")) == 3
    fake_google.fail("GET", "/calendars/", 429, headers={"Retry-After": "600"})
    with pytest.raises(base.Busy):
        services.google_client(GoogleAccount.objects.get(pk=google_account.pk)).calendar()


def test_attendance_from_the_meet_api(fake_google, library, google_account, member_client):
    event = make_event(library, capacity=10)
    meeting = services.create_meet(event)
    people = {}
    for name in ("Siti Rahmawati", "Budi Santoso", "Dewi Lestari"):
        people[name] = make_registration(event, name)
    start = event.starts_at

    def at(minutes):
        return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")

    fake_google.records[meeting.meeting_code] = [
        {
            "participants": [
                {
                    "signedinUser": {"user": "users/1001", "displayName": "Siti Rahmawati"},
                    "sessions": [(at(0), at(60)), (at(65), at(120)), (at(119), at(120))],
                },
                {"anonymousUser": {"displayName": "Budi Santoso"}, "sessions": [(at(0), at(30))]},
                {"phoneUser": {"displayName": "+62 812-xxx-x123"}, "sessions": [(at(0), at(120))]},
            ]
        },
        # A second call in the same space (the host reconnected).
        {
            "participants": [
                {
                    "signedinUser": {"user": "users/1001", "displayName": "Siti Rahmawati"},
                    "sessions": [(at(60), at(65))],
                }
            ]
        },
    ]
    staff = member_client(Role.STAFF)
    response = staff.post(f"/staff/{library.slug}/events/{event.pk}/meet/attendance/")
    pending = ReportImport.objects.get(event=event)
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{pending.pk}/")
    # Pages of two: conference records, participants and sessions are all followed.
    pages = [r["query"].get("pageToken") for r in fake_google.calls("GET", "/participantSessions$")]
    assert "2" in pages
    assert pending.format == "google_meet" and pending.matched == 2 and pending.unmatched == 1
    save_import(pending, {})
    minutes = dict(Attendance.objects.filter(event=event).values_list("registration_id", "minutes"))
    assert minutes == {people["Siti Rahmawati"].pk: 120, people["Budi Santoso"].pk: 30}


def test_attendance_is_read_after_the_event_by_itself(fake_google, library, google_account):
    from django.utils import timezone

    event = make_event(library)
    meeting = services.create_meet(event)
    fake_google.records[meeting.meeting_code] = []
    assert sync.due_meet_reports() == []
    later = event.ends_at + timedelta(minutes=25)
    assert sync.due_meet_reports(now=later) == [meeting.pk]
    from sapa.meetings.tasks import fetch_meet_attendance

    fetch_meet_attendance(meeting.pk)
    assert ReportImport.objects.filter(event=event).count() == 1
    assert sync.due_meet_reports(now=later) == []
    assert timezone.now() < later
