"""What participants and staff read around check-in (issue 13, items 7, 11 and 15)."""

import re

import pytest
from attendance_helpers import add_people
from django.test import Client

from sapa.attendance.models import CheckInWindow
from sapa.events.models import RegistrationStatus

pytestmark = pytest.mark.django_db


def test_a_name_ending_in_a_period_is_not_followed_by_a_second_one(staff, library, session):
    add_people(
        session,
        [("Dra. Siti Aminah, S.IP.", "siti.aminah@example.org", RegistrationStatus.CONFIRMED)],
    )
    staff.post(f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/", {"minutes": 15})
    window = CheckInWindow.objects.get(event=session)
    response = Client().post(
        f"/e/{session.slug}/hadir/", {"code": window.code, "email": "siti.aminah@example.org"}
    )
    page = Client().get(response["Location"]).content.decode()
    assert "S.IP.." not in page
    assert re.search(r"Dra\. Siti Aminah, S\.IP\. ", page)


def test_check_in_a_week_before_the_event_is_warned_about(staff, library):
    """Issue 13, item 7: the attendance page and opening a check-in say the event is still ahead."""
    from datetime import timedelta

    from attendance_helpers import make_session, t
    from django.utils import timezone

    from sapa.core import timefmt

    starts = timezone.now() + timedelta(days=7)
    event = make_session(
        library, slug="minggu-depan", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    url = f"/staff/{library.slug}/events/{event.pk}/attendance/"
    page = staff.get(url).content.decode()
    assert 'id="not-held-yet"' in page and timefmt.format_datetime(starts, event.time_zone) in page
    response = staff.post(f"{url}checkin/", {"minutes": 15}, follow=True)
    assert (
        t(
            "Careful: this event starts on %(t)s. Participants who check in now are counted as present at a "
            "session that has not taken place yet."
        )
        % {"t": timefmt.format_datetime(starts, event.time_zone)}
        in response.content.decode()
    )


def test_no_warning_on_the_day_of_the_event(staff, library, session):
    page = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/").content.decode()
    assert 'id="not-held-yet"' not in page
    response = staff.post(
        f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/",
        {"minutes": 15},
        follow=True,
    )
    assert "Careful" not in response.content.decode()
