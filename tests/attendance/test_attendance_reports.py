"""Meeting reports of every format and encoding, imported through the service:
the minutes per person after rejoins, and the rows nobody matched."""

from datetime import date

import pytest
from attendance_helpers import read

from sapa.attendance import services
from sapa.attendance.files import FileProblem
from sapa.attendance.models import Attendance, ReportImport
from sapa.attendance.reports import (
    Clock,
    name_candidates,
    normalize_name,
    parse_minutes,
    parse_report,
    parse_when,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The reasons are compared in English (msgids) here; the pages' tests check Indonesian."""
    from django.utils import translation

    with translation.override("en"):
        yield


def import_file(event, name, choices=None):
    """Upload, then save with `choices`; (minutes by registration name, unmatched names, the import)."""
    pending = services.start_import(event, read(name), name)
    unmatched = sorted((p["name"], p["minutes"]) for p in pending.data["people"] if not p["registration"])
    services.save_import(pending, choices or {})
    pending.refresh_from_db()
    minutes = {row.registration.name: row.minutes
               for row in Attendance.objects.filter(event=event).select_related("registration")}
    return minutes, unmatched, pending


def test_zoom_meeting_report_with_meeting_block(session, people):
    minutes, unmatched, pending = import_file(session, "zoom_meeting_full.csv")
    assert pending.format == "zoom_meeting"
    assert minutes == {
        "Siti Rahmawati": 151,  # two joins: 64 min 28 s + 85 min 59 s
        "Ni Luh Putu Wéndi": 148,  # a guest without email, "NI LUH PUTU WENDI" in Zoom
        "Budi Santoso": 150,  # laptop 09.00–11.00 and phone 09.30–11.30 overlap: 150, not 240
        "Dewi Lestari": 90,  # "Dewi - Perpusda Sleman (Dewi Lestari)"
        "Hendra Wijaya": 150,  # HENDRA.Wijaya@Example.org
    }
    assert unmatched == [("Agus_SMAN 1 Bantul", 45), ("Perpustakaan Balitbangdiklat", 176),
                         ("iPhone Pak Joko", 60)]
    pending.refresh_from_db()
    assert (pending.state, pending.rows, pending.people, pending.matched, pending.unmatched) == (
        "saved", 10, 8, 5, 3)
    assert pending.data == {}  # the parsed names and emails are not kept after saving


def test_older_export_resaved_by_indonesian_excel_semicolon_cp1252(session, people):
    data = read("zoom_meeting_excel_cp1252.csv")
    assert b";" in data and "Wéndi".encode("cp1252") in data  # really Windows-1252
    minutes, unmatched, pending = import_file(session, "zoom_meeting_excel_cp1252.csv")
    assert pending.data == {} and pending.format == "zoom_meeting"
    # Times without seconds ("21/07/2020 08.58", day first): whole minutes.
    assert minutes == {"Siti Rahmawati": 150, "Ni Luh Putu Wéndi": 147, "Budi Santoso": 150,
                       "Dewi Lestari": 90, "Hendra Wijaya": 150}
    assert unmatched == [("Agus_SMAN 1 Bantul", 45), ("Perpustakaan Balitbangdiklat", 175),
                         ("iPhone Pak Joko", 60)]


def test_unique_users_export_with_bom_sums_durations(session, people):
    assert read("zoom_meeting_unique_bom.csv").startswith(b"\xef\xbb\xbf")
    minutes, unmatched, _ = import_file(session, "zoom_meeting_unique_bom.csv")
    # Without join and leave times the durations can only be added up (Budi's two devices: 240).
    assert minutes == {"Siti Rahmawati": 151, "Ni Luh Putu Wéndi": 148, "Budi Santoso": 240,
                       "Hendra Wijaya": 150}
    assert unmatched == [("Agus_SMAN 1 Bantul", 45)]


def test_zoom_meeting_report_as_xlsx(session, people):
    minutes, unmatched, pending = import_file(session, "zoom_meeting.xlsx")
    assert pending.format == "zoom_meeting"
    assert minutes == {"Siti Rahmawati": 151, "Ni Luh Putu Wéndi": 148, "Budi Santoso": 150,
                       "Dewi Lestari": 90, "Hendra Wijaya": 150}
    assert [name for name, _ in unmatched] == ["Agus_SMAN 1 Bantul", "Perpustakaan Balitbangdiklat",
                                               "iPhone Pak Joko"]


def test_zoom_webinar_attendee_report(session, people):
    pending = services.start_import(session, read("zoom_webinar.csv"), "webinar.csv")
    assert pending.format == "zoom_webinar"
    assert pending.data["no_shows"] == 2  # Attended = No, "--" in the time fields
    assert pending.data["skipped_hosts"] == 2  # the host and the panelist are not participants
    assert "Sharing Session" in pending.data["topic"]
    services.save_import(pending, {})
    minutes = {r.registration.name: r.minutes for r in Attendance.objects.filter(event=session)
               .select_related("registration")}
    assert minutes == {"Siti Rahmawati": 151, "Ni Luh Putu Wéndi": 148, "Hendra Wijaya": 60,
                       "Joko Susilo": 60}  # "Pak Joko (Joko Susilo)" with another email: by name
    assert "Agus Kurniawan" not in minutes and "Dewi Lestari" not in minutes


def test_google_meet_report_with_first_and_last_names(session, people):
    minutes, unmatched, pending = import_file(session, "google_meet_names.csv")
    assert pending.format == "google_meet"
    assert minutes == {"Siti Rahmawati": 153, "Budi Santoso": 120, "Dewi Lestari": 90}
    assert unmatched == [("Tamu Tanpa Nama", 45)]


def test_google_meet_report_with_preamble_as_xlsx(session, people):
    minutes, unmatched, pending = import_file(session, "google_meet_preamble.xlsx")
    assert pending.format == "google_meet"
    assert minutes == {"Siti Rahmawati": 153, "Ni Luh Putu Wéndi": 147, "Hendra Wijaya": 65}
    assert unmatched == [("Galaxy A12", 20)]


def test_cancelled_registrations_and_other_events_are_not_matched(session, people, library):
    from attendance_helpers import add_people, make_session

    other = make_session(library, slug="lain")
    add_people(other, [("Tamu Lain", "tamu.lain@example.org", "confirmed")])
    csv = (b"Name (Original Name),User Email,Duration (Minutes)\n"
           b"Rudi Hartono,rudi.hartono@example.org,100\n"  # cancelled
           b"Tamu Lain,tamu.lain@example.org,100\n"  # another event's registration
           b"Siti Rahmawati,SITI.RAHMAWATI@EXAMPLE.ORG,30\n")
    pending = services.start_import(session, csv, "r.csv")
    unmatched = sorted(p["name"] for p in pending.data["people"] if not p["registration"])
    assert unmatched == ["Rudi Hartono", "Tamu Lain"]


def test_saving_again_replaces_the_minutes_of_those_in_the_report(session, people):
    import_file(session, "zoom_meeting_full.csv")
    minutes, _, _ = import_file(session, "google_meet_names.csv")
    assert minutes["Siti Rahmawati"] == 153 and minutes["Budi Santoso"] == 120
    assert minutes["Hendra Wijaya"] == 150  # not in the second report: unchanged


@pytest.mark.parametrize(("name", "line", "reason"), [
    ("zoom_meeting_bad_time.csv", 4, "“kemarin pagi” in the Join Time column is not a time."),
    ("zoom_meeting_no_duration.csv", 1, "the duration column is missing"),
    ("not_a_report.csv", None, "Sapa does not recognise this file."),
])
def test_broken_files_are_answered_with_line_and_reason(session, people, name, line, reason):
    with pytest.raises(FileProblem) as problem:
        services.start_import(session, read(name), name)
    assert problem.value.line == line
    assert reason in problem.value.reason
    if line:
        assert problem.value.message.startswith(f"Line {line}: ")
    assert ReportImport.objects.count() == 0 and Attendance.objects.count() == 0


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV, XLSX or text file."),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "This is not a CSV, XLSX or text file."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "This is an old Excel file (.xls)."),
    (b"PK\x03\x04broken zip", "cannot be opened"),
    (b"", "The file is empty."),
    (b"a" * (5 * 1024 * 1024 + 1), "the most is 5 MB"),
])
def test_files_that_are_no_report_at_all(session, data, reason):
    with pytest.raises(FileProblem) as problem:
        services.start_import(session, data, "x")
    assert reason in problem.value.reason
    assert ReportImport.objects.count() == 0


def test_a_leave_time_before_the_join_time_is_refused_with_its_line(session):
    csv = (b"Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
           b"Siti,siti@example.org,07/21/2020 10:00:00 AM,07/21/2020 09:00:00 AM,60\n")
    with pytest.raises(FileProblem) as problem:
        services.start_import(session, csv, "x.csv")
    assert problem.value.line == 2 and "leave time is before the join time" in problem.value.reason


def test_a_session_past_midnight_counts_across_the_day(session, people):
    csv = (b"Name,Email,Duration,Time joined,Time exited\n"
           b"Siti Rahmawati,siti.rahmawati@example.org,,23:30,00:45\n")
    pending = services.start_import(session, csv, "meet.csv")
    assert pending.data["people"][0]["minutes"] == 75


@pytest.mark.parametrize(("text", "expected"), [
    ("85", 85), ("85,5", 85.5), ("1:25:00", 85), ("1:25", 85), ("1 hr 25 min", 85), ("1 jam 25 menit", 85),
    ("45 sec", 0.75), ("2 hr", 120), ("--", None), ("", None),
])
def test_durations(text, expected):
    assert parse_minutes(text) == expected


def test_durations_that_are_not():
    with pytest.raises(ValueError):
        parse_minutes("lama sekali")


@pytest.mark.parametrize(("text", "day_first", "expected"), [
    ("07/21/2020 08:58:12 AM", False, "2020-07-21 08:58:12"),
    ("07/21/2020 12:05:00 PM", False, "2020-07-21 12:05:00"),
    ("21/07/2020 08.58", True, "2020-07-21 08:58:00"),
    ("2020-07-21 08:58:12", False, "2020-07-21 08:58:12"),
    ("Jul 21, 2020 08:58:12", False, "2020-07-21 08:58:12"),
    ("21 Juli 2020 08.58", False, "2020-07-21 08:58:00"),
    ("8:58 AM", False, "2020-07-21 08:58:00"),
    ("--", False, None),
])
def test_times(text, day_first, expected):
    from zoneinfo import ZoneInfo

    clock = Clock(ZoneInfo("Asia/Jakarta"), date(2020, 7, 21), day_first)
    value = parse_when(text, clock)
    assert (value.strftime("%Y-%m-%d %H:%M:%S") if value else None) == expected


def test_names():
    assert normalize_name("Ni Luh Putu Wéndi, S.I.Pust.") == "ni luh putu wendi s i pust"
    assert name_candidates("Dewi - Perpusda Sleman (Dewi Lestari)")[:2] == ["dewi lestari", "dewi perpusda sleman"]
    assert "siti rahmawati" in name_candidates("Siti Rahmawati_Perpusda Sleman")


def test_parse_report_reads_semicolons_and_commas_alike():
    comma = b"Name (Original Name),User Email,Duration (Minutes)\nA B,a@x.org,10\n"
    semicolon = comma.replace(b",", b";")
    for data, table in ((comma, "csv ,"), (semicolon, "csv ;")):
        report = parse_report(data, tz_name="Asia/Jakarta", default_date=date(2020, 7, 21))
        assert report.table == table and report.people[0].minutes == 10
