"""The attendance rule: X minutes and/or Y % of the session, combined with the check-in;
saving it on the staff page applies it again to everyone."""

from datetime import timedelta

import pytest
from attendance_helpers import t

from sapa.attendance import services
from sapa.attendance.models import Attendance, AttendanceRule
from sapa.libraries.models import AuditEntry

pytestmark = pytest.mark.django_db
C = AttendanceRule.Combine


@pytest.mark.parametrize(("min_minutes", "min_percent", "combine", "minutes", "checked_in", "expected"), [
    (60, None, C.DURATION_ONLY, 60, False, True),
    (60, None, C.DURATION_ONLY, 59, True, False),
    (None, 70, C.DURATION_ONLY, 105, False, True),  # 70 % of 150 minutes
    (None, 70, C.DURATION_ONLY, 104, False, False),
    (120, 50, C.DURATION_ONLY, 75, False, True),  # either threshold is enough
    (120, 90, C.DURATION_ONLY, 119, False, False),
    (None, 70, C.CHECK_IN_ONLY, 150, False, False),
    (None, 70, C.CHECK_IN_ONLY, 0, True, True),
    (None, 70, C.EITHER, 0, True, True),
    (None, 70, C.EITHER, 110, False, True),
    (None, 70, C.EITHER, 50, False, False),
    (None, 70, C.BOTH, 110, False, False),
    (None, 70, C.BOTH, 50, True, False),
    (None, 70, C.BOTH, 110, True, True),
])
def test_rule(session, min_minutes, min_percent, combine, minutes, checked_in, expected):
    rule = AttendanceRule(event=session, min_minutes=min_minutes, min_percent=min_percent, combine=combine)
    assert services.meets_rule(rule, session, minutes, checked_in) is expected


def test_saving_the_rule_applies_it_again(staff, library, session, people):
    services.write_minutes(session, {people["Siti Rahmawati"].pk: 150, people["Budi Santoso"].pk: 80,
                                     people["Dewi Lestari"].pk: 20})
    services.record_attendance(people["Dewi Lestari"], checked_in_at=session.starts_at + timedelta(minutes=30))
    attended = lambda: set(Attendance.objects.filter(attended=True)  # noqa: E731
                           .values_list("registration__name", flat=True))
    assert attended() == {"Siti Rahmawati", "Dewi Lestari"}  # default: 70 % or a check-in

    url = f"/staff/{library.slug}/events/{session.pk}/attendance/rule/"
    response = staff.post(url, {"combine": "duration", "min_minutes": "60", "min_percent": ""})
    assert response.status_code == 302
    assert attended() == {"Siti Rahmawati", "Budi Santoso"}
    assert AuditEntry.objects.get(action="attendance.rule_changed").data["changed"] == 2

    staff.post(url, {"combine": "both", "min_minutes": "", "min_percent": "10"})
    assert attended() == {"Dewi Lestari"}
    staff.post(url, {"combine": "checkin", "min_minutes": "", "min_percent": ""})
    assert attended() == {"Dewi Lestari"}
    rule = AttendanceRule.objects.get(event=session)
    assert (rule.combine, rule.min_minutes, rule.min_percent) == ("checkin", None, None)


@pytest.mark.parametrize(("data", "message"), [
    ({"combine": "duration", "min_minutes": "", "min_percent": ""},
     "Give the minutes, the percentage, or both: the rule counts the time in the session."),
    ({"combine": "either", "min_minutes": "", "min_percent": "120"}, "Give a percentage from 1 to 100."),
])
def test_a_rule_that_cannot_work_is_refused(staff, library, session, data, message):
    response = staff.post(f"/staff/{library.slug}/events/{session.pk}/attendance/rule/", data)
    assert response.status_code == 400
    assert t(message) in response.content.decode()
    assert not AttendanceRule.objects.filter(event=session).exists()


def test_other_libraries_cannot_change_the_rule(outsider, library, session):
    for slug in (library.slug, "perpus-b"):
        response = outsider.post(f"/staff/{slug}/events/{session.pk}/attendance/rule/",
                                 {"combine": "checkin", "min_minutes": "", "min_percent": ""})
        assert response.status_code == 404
    assert not AttendanceRule.objects.filter(event=session).exists()


def test_contract_functions(session, people):
    siti, budi = people["Siti Rahmawati"], people["Budi Santoso"]
    services.record_attendance(siti, minutes=140)
    services.record_attendance(budi, minutes=30)
    assert services.attended_registration_ids(session) == {siti.pk}
    assert services.minutes_by_registration(session) == {siti.pk: 140, budi.pk: 30}
    summary = services.attendance_summary(session)
    assert summary[siti.pk] == services.Presence(140, False, True)
    assert summary[budi.pk] == services.Presence(30, False, False)
