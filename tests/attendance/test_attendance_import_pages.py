"""The two-step import on the staff pages: upload, preview with the unmatched rows
and a select for each, save (all or nothing), discard; broken files; tenancy."""

import re

import pytest
from attendance_helpers import read, t
from django.core.files.uploadedfile import SimpleUploadedFile

from sapa.attendance.models import Attendance, ReportImport
from sapa.libraries.models import AuditEntry

pytestmark = pytest.mark.django_db


def url(library, event, tail=""):
    return f"/staff/{library.slug}/events/{event.pk}/attendance/{tail}"


def upload(client, library, event, name, data=None):
    file = SimpleUploadedFile(name, data if data is not None else read(name), content_type="text/csv")
    return client.post(url(library, event, "import/"), {"file": file})


def unmatched_rows(page: str) -> dict[str, str]:
    """The preview's unmatched rows: the select's name → the name in the report."""
    rows = re.findall(r'<tr>\s*<td data-label="[^"]+">([^<]+)</td>.*?<select name="(match-\d+)"', page, re.S)
    return {select: name.strip() for name, select in rows}


def test_upload_preview_match_by_hand_and_save(staff, library, session, people):
    response = upload(staff, library, session, "zoom_meeting_full.csv")
    assert response.status_code == 302
    pending = ReportImport.objects.get()
    assert response["Location"] == url(library, session, f"import/{pending.pk}/")
    assert Attendance.objects.count() == 0  # nothing written before the save

    page = staff.get(response["Location"]).content.decode()
    rows = unmatched_rows(page)
    assert sorted(rows.values()) == ["Agus_SMAN 1 Bantul", "Perpustakaan Balitbangdiklat", "iPhone Pak Joko"]
    assert "Ni Luh Putu Wéndi" in page and "151" in page  # matched, with minutes
    by_name = {v: k for k, v in rows.items()}
    agus, joko = people["Agus Kurniawan"], people["Joko Susilo"]
    response = staff.post(response["Location"], {
        by_name["Agus_SMAN 1 Bantul"]: str(agus.pk),
        by_name["iPhone Pak Joko"]: str(joko.pk),
        by_name["Perpustakaan Balitbangdiklat"]: "",  # the host: ignored
    })
    assert response.status_code == 302 and response["Location"] == url(library, session)
    minutes = dict(Attendance.objects.values_list("registration__name", "minutes"))
    assert minutes == {"Siti Rahmawati": 151, "Ni Luh Putu Wéndi": 148, "Budi Santoso": 150,
                       "Dewi Lestari": 90, "Hendra Wijaya": 150, "Agus Kurniawan": 45, "Joko Susilo": 60}
    # The default rule (70 % of 150 minutes = 105, or a check-in) is applied.
    attended = set(Attendance.objects.filter(attended=True).values_list("registration__name", flat=True))
    assert attended == {"Siti Rahmawati", "Ni Luh Putu Wéndi", "Budi Santoso", "Hendra Wijaya"}
    pending.refresh_from_db()
    assert (pending.state, pending.matched, pending.unmatched, pending.saved_by) == ("saved", 7, 1, staff.user)
    entry = AuditEntry.objects.get(action="attendance.report_imported")
    assert entry.actor == staff.user and entry.data["by_hand"] == 2 and entry.data["file"] == "zoom_meeting_full.csv"
    # Saved once: the preview is gone, a second save changes nothing.
    again = staff.post(url(library, session, f"import/{pending.pk}/"), {by_name["Perpustakaan Balitbangdiklat"]:
                                                                       str(agus.pk)})
    assert again.status_code == 302
    assert Attendance.objects.get(registration=agus).minutes == 45


def test_a_hand_match_to_someone_matched_already_merges_their_time(staff, library, session, people):
    csv = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
           b"Siti Rahmawati,siti.rahmawati@example.org,07/21/2020 09:00:00 AM,07/21/2020 10:00:00 AM,60\n"
           b"HP Samsung,,07/21/2020 09:30:00 AM,07/21/2020 10:30:00 AM,60\n")
    response = upload(staff, library, session, "r.csv", csv)
    rows = unmatched_rows(staff.get(response["Location"]).content.decode())
    staff.post(response["Location"], {next(iter(rows)): str(people["Siti Rahmawati"].pk)})
    assert Attendance.objects.get(registration=people["Siti Rahmawati"]).minutes == 90  # 09.00–10.30, not 120


def test_a_choice_outside_the_event_saves_nothing(staff, library, session, people, other_library):
    from attendance_helpers import add_people, make_session

    stranger = add_people(make_session(other_library, slug="lain"), [("X Y", "x@example.org", "confirmed")])["X Y"]
    response = upload(staff, library, session, "zoom_meeting_full.csv")
    rows = unmatched_rows(staff.get(response["Location"]).content.decode())
    cancelled = people["Rudi Hartono"]
    for bad in (stranger.pk, cancelled.pk, "abc"):
        answer = staff.post(response["Location"], {next(iter(rows)): str(bad)})
        assert answer.status_code == 400
        assert t("A chosen participant is not registered for this event.") in answer.content.decode()
        assert Attendance.objects.count() == 0
        assert ReportImport.objects.get().state == "pending"


def test_the_parsed_data_stays_on_the_server(staff, library, session, people):
    """The save reads the people from the pending import, not from the form."""
    response = upload(staff, library, session, "google_meet_names.csv")
    staff.post(response["Location"], {"people": '[{"registration": 1, "minutes": 999}]', "minutes": "999"})
    assert max(Attendance.objects.values_list("minutes", flat=True)) == 153


def test_discard(staff, library, session, people):
    response = upload(staff, library, session, "zoom_webinar.csv")
    pending = ReportImport.objects.get()
    answer = staff.post(url(library, session, f"import/{pending.pk}/discard/"))
    assert answer.status_code == 302
    pending.refresh_from_db()
    assert pending.state == "discarded" and pending.data == {}
    assert staff.get(response["Location"]).status_code == 302  # no preview any more
    assert Attendance.objects.count() == 0


@pytest.mark.parametrize(("name", "line"), [
    ("zoom_meeting_bad_time.csv", 4),
    ("zoom_meeting_no_duration.csv", 1),
    ("not_a_report.csv", None),
])
def test_a_broken_file_is_answered_on_the_page_and_nothing_is_imported(staff, library, session, people, name,
                                                                     line):
    response = upload(staff, library, session, name)
    assert response.status_code == 400
    page = response.content.decode()
    assert t("Nothing was imported.") in page
    if line:
        assert (t("Line %(line)d: %(reason)s") % {"line": line, "reason": ""}).strip() in page
    else:
        assert t("Sapa does not recognise this file. Upload the Zoom meeting participants report, the "
                 "Zoom webinar attendee report or the Google Meet attendance report, as CSV or XLSX.") in page
    assert ReportImport.objects.count() == 0 and Attendance.objects.count() == 0


def test_an_image_is_refused(staff, library, session):
    response = upload(staff, library, session, "poster.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    assert response.status_code == 400
    assert t("This is not a CSV, XLSX or text file.") in response.content.decode()
    assert ReportImport.objects.count() == 0


def test_another_librarys_staff_get_404(outsider, staff, library, session, people):
    upload(staff, library, session, "zoom_meeting_full.csv")
    pending = ReportImport.objects.get()
    for path in ("import/", f"import/{pending.pk}/"):
        assert outsider.get(url(library, session, path)).status_code == 404
        # Their own library's address with this event's id: 404 as well.
        assert outsider.get(f"/staff/perpus-b/events/{session.pk}/attendance/{path}").status_code == 404
    assert outsider.post(f"/staff/perpus-b/events/{session.pk}/attendance/import/{pending.pk}/discard/") \
        .status_code == 404
    pending.refresh_from_db()
    assert pending.state == "pending"


def test_stale_pending_imports_are_discarded_with_their_data(staff, library, session, people):
    from datetime import timedelta

    from django.utils import timezone

    from sapa.attendance.tasks import discard_stale_imports

    upload(staff, library, session, "zoom_meeting_full.csv")
    upload(staff, library, session, "zoom_webinar.csv")
    old, fresh = ReportImport.objects.order_by("id")
    ReportImport.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert discard_stale_imports.call_local() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.state, old.data) == ("discarded", {})
    assert fresh.state == "pending" and fresh.data["people"]
