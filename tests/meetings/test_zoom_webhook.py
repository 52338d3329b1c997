"""Zoom's webhook: the signature (x-zm-signature), stale and replayed requests, the
endpoint.url_validation challenge, and meeting.ended → the participants report → the
attendance import's preview (matched by registrant id, then email, then name)."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from meeting_helpers import ended as _ended
from meeting_helpers import make_event, register
from meeting_helpers import signed_post as _post

from sapa.attendance.models import Attendance, ReportImport
from sapa.attendance.services import save_import
from sapa.meetings import services
from sapa.meetings.models import ZoomRegistrant

pytestmark = pytest.mark.django_db

# Zoom's documented challenge (developers.zoom.us/docs/api/webhooks, "Validate your webhook endpoint").
VALIDATION = {
    "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
    "event_ts": 1654503849680,
    "event": "endpoint.url_validation",
}


def test_url_validation_challenge(client, zoom_account):
    response = _post(client, zoom_account, json.dumps(VALIDATION).encode())
    assert response.status_code == 200
    # HMAC-SHA256 of the plain token with the secret token, hex (computed apart with this secret).
    assert response.json() == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        "encryptedToken": "4a17d877072dd64e7393c857dd1081d0d8696db833929e8d777c5b18be64cf64",
    }


def test_signature_is_zooms_formula():
    # v0= + hex HMAC-SHA256("v0:{timestamp}:{raw body}") with the secret token.
    body = b'{"event":"meeting.ended"}'
    assert (
        services.signature("s", "1658940994", body)
        == "v0="
        + hmac.new(b"s", b'v0:1658940994:{"event":"meeting.ended"}', hashlib.sha256).hexdigest()
    )


def test_forged_stale_and_replayed_requests_are_refused(client, zoom_account, other_library):
    body = json.dumps(VALIDATION).encode()
    assert _post(client, zoom_account, body, secret="not-the-secret").status_code == 401
    assert _post(client, zoom_account, body, timestamp=int(time.time()) - 600).status_code == 401
    assert (
        client.post(
            f"/hooks/zoom/{zoom_account.webhook_key}/", body, content_type="application/json"
        ).status_code
        == 401
    )  # unsigned
    now = int(time.time())
    assert _post(client, zoom_account, body, timestamp=now).status_code == 200
    assert (
        _post(client, zoom_account, body, timestamp=now).status_code == 401
    )  # the same request again
    assert (
        client.post("/hooks/zoom/unknown-key/", body, content_type="application/json").status_code
        == 404
    )
    assert client.get(f"/hooks/zoom/{zoom_account.webhook_key}/").status_code == 405


def test_meeting_ended_reads_the_report_into_the_preview(
    fake_zoom, client, library, zoom_account, django_capture_on_commit_callbacks
):
    event = make_event(library, capacity=10)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.create_meeting(event)
    a, b, c, d = register(event, 4, capture=django_capture_on_commit_callbacks)
    rid_a = ZoomRegistrant.objects.get(registration=a).registrant_id
    start = event.starts_at

    def iso(minutes):
        return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    rows = [
        # a: joined through the personal link under another name and email, twice (rejoin).
        {
            "id": "u1",
            "name": "HP Samsung",
            "user_email": "",
            "registrant_id": rid_a,
            "join_time": iso(0),
            "leave_time": iso(50),
            "duration": 3000,
            "status": "in_meeting",
        },
        {
            "id": "u1",
            "name": "HP Samsung",
            "user_email": "",
            "registrant_id": rid_a,
            "join_time": iso(55),
            "leave_time": iso(120),
            "duration": 3900,
            "status": "in_meeting",
        },
        # b: by email; c: by name only; d: absent; a stranger.
        {
            "id": "u2",
            "name": "Bee",
            "user_email": "PESERTA001@example.org",
            "registrant_id": "",
            "join_time": iso(0),
            "leave_time": iso(100),
            "duration": 6000,
        },
        {
            "id": "u3",
            "name": "Peserta peserta 002",
            "user_email": "",
            "registrant_id": "",
            "join_time": iso(10),
            "leave_time": iso(20),
            "duration": 600,
        },
        {
            "id": "u4",
            "name": "Tamu",
            "user_email": "tamu@example.org",
            "registrant_id": "",
            "join_time": iso(0),
            "leave_time": iso(120),
            "duration": 7200,
        },
    ]
    # Three pages of two rows: Sapa follows next_page_token.
    fake_zoom.participants[meeting.zoom_id] = rows
    import sapa.meetings.connectors.zoom as zoom_module

    zoom_module.PAGE_SIZE, saved = 2, zoom_module.PAGE_SIZE
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(client, zoom_account, _ended(meeting.zoom_id))
    finally:
        zoom_module.PAGE_SIZE = saved
    assert response.status_code == 204
    pages = fake_zoom.api("GET", "/report/meetings/")
    assert [p["query"].get("next_page_token") for p in pages] == [None, "2", "4"]
    pending = ReportImport.objects.get(event=event)
    assert (
        pending.state == "pending"
        and pending.rows == 5
        and pending.matched == 3
        and pending.unmatched == 1
    )
    matched = {
        p["registration"]: p["matched_by"] for p in pending.data["people"] if p["registration"]
    }
    assert matched == {a.pk: "registrant", b.pk: "email", c.pk: "name"}
    # The same save as an uploaded file.
    save_import(pending, {})
    minutes = dict(Attendance.objects.filter(event=event).values_list("registration_id", "minutes"))
    assert minutes == {a.pk: 115, b.pk: 100, c.pk: 10}
    assert set(
        Attendance.objects.filter(attended=True).values_list("registration_id", flat=True)
    ) == {a.pk, b.pk}
    assert d.pk not in minutes


def test_staff_can_read_attendance_without_the_webhook(
    fake_zoom, library, zoom_account, member_client, make_user, other_library
):
    from sapa.libraries.models import Role

    event = make_event(library)
    meeting = services.create_meeting(event)
    fake_zoom.participants[meeting.zoom_id] = []
    staff = member_client(Role.STAFF)
    response = staff.post(f"/staff/{library.slug}/events/{event.pk}/zoom/attendance/")
    pending = ReportImport.objects.get(event=event)
    assert response.status_code == 302 and response["Location"].endswith(f"/import/{pending.pk}/")
    # Another library's staff do not reach this event.
    from testkit import member

    outsider = member(make_user, other_library, Role.ADMIN)
    assert (
        outsider.post(f"/staff/{other_library.slug}/events/{event.pk}/zoom/attendance/").status_code
        == 404
    )
