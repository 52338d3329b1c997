"""Attendance on the overflow stream (issue 16 item 4): a check-in code at the start and one
at the end; the rule may require both; a stream viewer, never in a meeting report, attends
by the check-ins alone."""

import pytest
from attendance_helpers import add_people, t
from django.test import Client

from sapa.attendance import services
from sapa.attendance.models import Attendance, CheckInWindow
from sapa.events.models import RegistrationStatus

pytestmark = pytest.mark.django_db

STREAM_URL = "https://www.youtube.com/live/abcDEF12345"


@pytest.fixture
def people(session):
    session.stream_url = STREAM_URL
    session.save()
    return add_people(
        session,
        [
            ("Siti Rahmawati", "siti@example.org", RegistrationStatus.CONFIRMED),
            ("Budi Santoso", "budi@example.org", RegistrationStatus.STREAM),
            ("Dewi Lestari", "dewi@example.org", RegistrationStatus.STREAM),
            ("Wulan Sari", "wulan@example.org", RegistrationStatus.WAITLISTED),
        ],
    )


def open_window(client, library, event, moment):
    response = client.post(
        f"/staff/{library.slug}/events/{event.pk}/attendance/checkin/",
        {"minutes": 15, "moment": moment},
    )
    assert response.status_code == 302
    window = CheckInWindow.objects.filter(event=event).first()
    assert window.moment == moment and window.is_open()
    return window


def check_in(event, code, email):
    return Client().post(f"/e/{event.slug}/hadir/", {"code": code, "email": email}, follow=True)


def save_rule(client, library, event, **fields):
    data = {"combine": "either", "min_minutes": "", "min_percent": "70", **fields}
    response = client.post(f"/staff/{library.slug}/events/{event.pk}/attendance/rule/", data)
    assert response.status_code == 302, response.content.decode()[:500]


def row(registration):
    return Attendance.objects.filter(registration=registration).first()


def test_stream_viewer_checks_in_at_the_start_and_at_the_end(staff, library, session, people):
    budi = people["Budi Santoso"]
    start = open_window(staff, library, session, "start")
    assert check_in(session, start.code, "budi@example.org").status_code == 200
    assert row(budi).checked_in_at and row(budi).checked_in_end_at is None
    end = open_window(staff, library, session, "end")
    page = check_in(session, end.code, "budi@example.org")
    assert t("You are checked in") in page.content.decode()
    budi_row = row(budi)
    assert budi_row.checked_in_end_at and budi_row.checked_in_end_at > budi_row.checked_in_at
    # The start code no longer works once the end window replaced it.
    refused = Client().post(
        f"/e/{session.slug}/hadir/", {"code": start.code, "email": "dewi@example.org"}
    )
    assert refused.status_code == 400 and row(people["Dewi Lestari"]) is None
    # The staff page and the CSV show both times and count the tracks apart.
    overview = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/").content.decode()
    assert f"<strong>2</strong><span>{t('registered for the stream')}" in overview
    assert f"<strong>1</strong><span>{t('checked in at the end')}" in overview
    assert f"<strong>1</strong><span>{t('attended under the rule (stream)')}" in overview


def test_waiting_list_cannot_check_in_with_either_code(staff, library, session, people):
    end = open_window(staff, library, session, "end")
    response = Client().post(
        f"/e/{session.slug}/hadir/", {"code": end.code, "email": "wulan@example.org"}
    )
    assert response.status_code == 400
    assert row(people["Wulan Sari"]) is None


def test_rule_requiring_both_codes(staff, library, session, people):
    budi, dewi, siti = people["Budi Santoso"], people["Dewi Lestari"], people["Siti Rahmawati"]
    start = open_window(staff, library, session, "start")
    for email in ("budi@example.org", "dewi@example.org", "siti@example.org"):
        check_in(session, start.code, email)
    end = open_window(staff, library, session, "end")
    check_in(session, end.code, "budi@example.org")
    # Either code is a check-in by default: all three attended (the rule: 70 % or a check-in).
    assert services.attended_registration_ids(session) == {budi.pk, dewi.pk, siti.pk}
    save_rule(staff, library, session, require_both_checkins="on")
    # Now only who entered both codes is checked in.
    assert services.attended_registration_ids(session) == {budi.pk}
    check_in(session, end.code, "dewi@example.org")
    assert services.attended_registration_ids(session) == {budi.pk, dewi.pk}
    save_rule(staff, library, session)  # unticked: either code again
    assert services.attended_registration_ids(session) == {budi.pk, dewi.pk, siti.pk}


def test_stream_viewers_attend_by_check_in_even_when_the_rule_wants_minutes(
    staff, library, session, people
):
    """Time in the session AND a check-in: the seat needs minutes from the meeting report; the
    stream, which has no report, is judged on its check-ins."""
    budi, siti = people["Budi Santoso"], people["Siti Rahmawati"]
    save_rule(staff, library, session, combine="both", require_both_checkins="on")
    start = open_window(staff, library, session, "start")
    (
        check_in(session, start.code, "budi@example.org"),
        check_in(session, start.code, "siti@example.org"),
    )
    end = open_window(staff, library, session, "end")
    check_in(session, end.code, "budi@example.org"), check_in(session, end.code, "siti@example.org")
    assert services.attended_registration_ids(session) == {budi.pk}
    services.record_attendance(siti, minutes=120)
    assert services.attended_registration_ids(session) == {budi.pk, siti.pk}


def test_personal_page_offers_the_end_code_after_the_start_one(staff, library, session, people):
    from sapa.events.services import manage_url

    budi = people["Budi Santoso"]
    page_url = manage_url(budi).replace("http://testserver", "")
    start = open_window(staff, library, session, "start")
    visitor = Client()
    visitor.post(f"/p/{budi.public_id}/{budi.manage_token}/hadir/", {"code": start.code})
    assert 'name="code"' not in visitor.get(page_url).content.decode()
    end = open_window(staff, library, session, "end")
    assert 'name="code"' in visitor.get(page_url).content.decode()
    visitor.post(f"/p/{budi.public_id}/{budi.manage_token}/hadir/", {"code": end.code})
    assert row(budi).checked_in_end_at is not None


def test_open_window_refuses_an_unknown_moment(staff, library, session):
    with pytest.raises(ValueError):
        services.open_checkin(session, 15, moment="middle")
    response = staff.post(
        f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/",
        {"minutes": 15, "moment": "middle"},
    )
    assert response.status_code == 302 and not CheckInWindow.objects.exists()
