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
