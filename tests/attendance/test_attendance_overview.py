"""The attendance page of an event: counts, the list with its filters, the CSV export,
the link in the event's menu; and the demo data."""

import csv
import io
from datetime import timedelta

import pytest
from attendance_helpers import member_client, t

from sapa.attendance import services
from sapa.libraries.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(session, people):
    services.write_minutes(session, {people["Siti Rahmawati"].pk: 150, people["Budi Santoso"].pk: 40})
    services.record_attendance(people["Dewi Lestari"], checked_in_at=session.starts_at + timedelta(minutes=20))
    return people


def test_counts_and_list(staff, library, session, seen):
    response = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts == {"registered": 7, "checked_in": 1, "seen": 2, "attended": 2,
                      "stream": 0, "checked_in_end": 0, "attended_stream": 0}
    names = [r.name for r in response.context["page"]]
    assert "Rudi Hartono" not in names  # cancelled, never seen
    assert names[0] == "Agus Kurniawan" and len(names) == 8  # the 7 confirmed and the waitlisted one
    assert t("Import a meeting report") in response.content.decode()


@pytest.mark.parametrize(("query", "expected"), [
    ("state=attended", ["Dewi Lestari", "Siti Rahmawati"]),
    ("state=checked_in", ["Dewi Lestari"]),
    ("state=not_attended&q=budi", ["Budi Santoso"]),
    ("state=no_record&q=example.org", ["Agus Kurniawan", "Hendra Wijaya", "Joko Susilo", "Ni Luh Putu Wéndi",
                                       "Wulan Sari"]),
    ("q=SITI", ["Siti Rahmawati"]),
])
def test_filters(staff, library, session, seen, query, expected):
    response = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/?{query}")
    assert [r.name for r in response.context["page"]] == expected


def test_export_is_for_editors_and_audited(make_user, staff, library, session, seen):
    url = f"/staff/{library.slug}/events/{session.pk}/attendance/export/"
    assert staff.get(url).status_code == 404
    editor = member_client(make_user, library, Role.EDITOR)
    response = editor.get(url + "?state=attended")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Siti Rahmawati"][4] == "150"
    assert by_name["Dewi Lestari"][5] == "2020-07-21 09:20"  # in the event's time zone
    entry = AuditEntry.objects.get(action="attendance.exported")
    assert entry.actor == editor.user and entry.data["rows"] == 2


def test_the_event_menu_links_here(staff, library, session):
    page = staff.get(f"/staff/{library.slug}/events/{session.pk}/").content.decode()
    assert f"/staff/{library.slug}/events/{session.pk}/attendance/" in page
    page = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/").content.decode()
    for tail in ("chat/", "attendance/import/"):
        assert f"/staff/{library.slug}/events/{session.pk}/{tail}" in page


def test_other_libraries_get_404(outsider, library, session, seen):
    for path in ("attendance/", "attendance/export/", "chat/"):
        assert outsider.get(f"/staff/{library.slug}/events/{session.pk}/{path}").status_code == 404
        assert outsider.get(f"/staff/perpus-b/events/{session.pk}/{path}").status_code == 404


def test_demo_data_twice(library, admin_user):
    from sapa.attendance.demo import load_demo
    from sapa.attendance.models import Attendance, AttendanceRule, ChatImport, ChatMessage
    from sapa.events.demo import load_demo as load_event_demo

    event = load_event_demo(library, admin_user)
    load_demo(library, admin_user)
    first = (Attendance.objects.count(), Attendance.objects.filter(attended=True).count(),
             ChatMessage.objects.count(), AttendanceRule.objects.count())
    load_demo(library, admin_user)
    assert (Attendance.objects.count(), Attendance.objects.filter(attended=True).count(),
            ChatMessage.objects.count(), AttendanceRule.objects.count()) == first
    assert first[0] > 20 and 0 < first[1] < first[0] and first[2] >= 5 and first[3] == 1
    assert ChatImport.objects.count() == 1
    assert ChatMessage.objects.filter(event=event, is_question=True).exists()
    assert ChatMessage.objects.filter(event=event, is_private=True).exists()
