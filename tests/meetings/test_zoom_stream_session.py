"""The article's session with the overflow stream (issue 16 item 4), end to end against a fake
Zoom on 127.0.0.1: 130 registrations for 100 seats, the 30 beyond the seats choosing the
YouTube stream → 100 Zoom registrants and 30 stream registrants; the stream people get the
stream link, never a Zoom one; check-in codes at the start and at the end; certificates and a
door prize draw for those who meet the rule on either track."""

import pytest
from django.test import Client
from meeting_helpers import make_event

from sapa.attendance import services as attendance
from sapa.attendance.models import AttendanceRule
from sapa.certificates import services as certificates
from sapa.events import services as event_services
from sapa.events.models import RegistrationStatus, Track
from sapa.libraries.models import Role
from sapa.mail.models import Email
from sapa.meetings.models import ZoomRegistrant
from sapa.prizes import services as prizes

pytestmark = pytest.mark.django_db

STREAM = "https://www.youtube.com/live/literasi-digital"


def test_session_with_overflow_stream_end_to_end(
    fake_zoom, library, zoom_account, member_client, django_capture_on_commit_callbacks
):
    event = make_event(library, capacity=100, stream_url=STREAM)
    editor = member_client(Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        page = editor.post(f"/staff/{library.slug}/events/{event.pk}/zoom/", {"kind": "meetings"})
    assert page.status_code == 302
    meeting = event.zoom_meeting

    # 130 people register; the last 30 find the seats full and choose the stream.
    people = []
    for i in range(130):
        with django_capture_on_commit_callbacks(execute=True):
            people.append(
                event_services.register(
                    event,
                    name=f"Peserta {i:03d}",
                    email=f"peserta{i:03d}@example.org",
                    consent=True,
                    overflow="stream" if i >= 100 else "",
                ).registration
            )
    seated, watchers = people[:100], people[100:]
    assert [p.status for p in seated] == [RegistrationStatus.CONFIRMED] * 100
    assert [p.status for p in watchers] == [RegistrationStatus.STREAM] * 30
    seats = event_services.seat_counts(event)
    assert (seats.confirmed, seats.stream, seats.waiting) == (100, 30, 0)
    # Zoom registrants only for the seats.
    assert len(fake_zoom.registrants(meeting.zoom_id)) == 100
    assert ZoomRegistrant.objects.filter(state="added").count() == 100
    assert not ZoomRegistrant.objects.filter(registration__in=watchers).exists()

    # The stream people get the stream link (confirmation, personal page); the seats their Zoom link.
    assert all(event_services.meeting_link(w) == STREAM for w in watchers)
    zoom_links = {r.join_url for r in ZoomRegistrant.objects.all()}
    assert event_services.meeting_link(seated[0]) in zoom_links
    stream_mail = event_services.registration_message(watchers[0], "confirmed")
    assert STREAM in stream_mail.body and "zoom" not in stream_mail.body.lower()
    # The 30 confirmations sent carry the stream link; none of them a Zoom link.
    sent = Email.objects.filter(body_text__contains=STREAM)
    assert sent.count() == 30
    assert not sent.filter(body_text__icontains="zoom").exists(), sent.first().body_text
    page = Client().get(event_services.manage_url(watchers[0]).replace("http://testserver", ""))
    assert STREAM in page.content.decode() and "zoom" not in page.content.decode().lower()

    # The session: the rule needs time in the session and a check-in with both codes.
    attendance.save_rule(
        event,
        min_minutes=None,
        min_percent=70,
        combine=AttendanceRule.Combine.BOTH,
        require_both_checkins=True,
    )
    staff = member_client(Role.STAFF, email="staff2@example.org")
    base = f"/staff/{library.slug}/events/{event.pk}/attendance/checkin/"
    visitor = Client()

    def check_in_everyone(moment, who):
        assert staff.post(base, {"minutes": 15, "moment": moment}).status_code == 302
        code = attendance.open_window(event).code
        for person in who:
            answer = visitor.post(f"/e/{event.slug}/hadir/", {"code": code, "email": person.email})
            assert answer.status_code == 302, answer.content.decode()[:300]

    # 25 of the stream people enter both codes, 3 only the start one, 2 neither; 90 seats
    # check in at the start, 85 of them at the end too.
    check_in_everyone("start", seated[:90] + watchers[:28])
    check_in_everyone("end", seated[:85] + watchers[:25])
    # Minutes for the seats from the meeting report (as the webhook or a file would give them).
    with django_capture_on_commit_callbacks(execute=True):
        for i, person in enumerate(seated[:90]):
            attendance.record_attendance(person, minutes=100 if i < 80 else 30)
    attended = attendance.attended_registration_ids(event)
    expected_seats = {p.pk for p in seated[:80]}  # long enough and both codes
    expected_stream = {p.pk for p in watchers[:25]}  # both codes; no minutes on a stream
    assert attended == expected_seats | expected_stream

    # Certificates for those who meet the rule on either track; a design for one track only.
    design = certificates.create_design(event, name="Sertifikat")
    assert set(design.tracks) == {Track.SEAT, Track.STREAM}
    issued = certificates.issue(design)
    assert {c.registration_id for c in issued} == attended
    stream_only = certificates.create_design(event, name="Sertifikat siaran")
    stream_only.tracks = [Track.STREAM]
    stream_only.save()
    assert {
        r.registration_id
        for r in certificates.recipients(stream_only, without_certificate=False)
        if r.registration_id
    } == expected_stream

    # A door prize draw only among those with a seat.
    eligible = prizes.eligible_registrations(event, exclude_staff=False, tracks=[Track.SEAT])
    assert {r.pk for r in eligible} == expected_seats
    both = prizes.eligible_registrations(event, exclude_staff=False)
    assert {r.pk for r in both} == attended
    print(
        f"\nstream session: {seats.confirmed} seats, {seats.stream} stream, "
        f"{len(expected_seats)} + {len(expected_stream)} attended, {len(issued)} certificates"
    )


def test_the_stream_link_stays_out_of_zoom_after_a_cancellation(
    fake_zoom, library, zoom_account, member_client, django_capture_on_commit_callbacks
):
    """A seat freed goes to the waiting list, never to a stream registrant, and only the
    promoted person becomes a Zoom registrant."""
    event = make_event(library, capacity=2, stream_url=STREAM)
    editor = member_client(Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"/staff/{library.slug}/events/{event.pk}/zoom/", {"kind": "meetings"})
    meeting = event.zoom_meeting
    people = []
    for i, overflow in enumerate(["", "", "stream", "waitlist"]):
        with django_capture_on_commit_callbacks(execute=True):
            people.append(
                event_services.register(
                    event, name=f"P {i}", email=f"p{i}@example.org", consent=True, overflow=overflow
                ).registration
            )
    with django_capture_on_commit_callbacks(execute=True):
        event_services.cancel_registration(people[0], by="participant")
    for p in people:
        p.refresh_from_db()
    assert [p.status for p in people] == ["cancelled", "confirmed", "stream", "confirmed"]
    registered = set(
        ZoomRegistrant.objects.filter(state="added").values_list("registration_id", flat=True)
    )
    assert registered == {people[1].pk, people[3].pk}
    assert len(fake_zoom.registrants(meeting.zoom_id)) == 2
