"""What participants and staff read around check-in (issue 13, items 7, 11 and 15)."""

import re

import pytest
from attendance_helpers import add_people
from django.test import Client
from django.utils import timezone

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


# --- Issue 13, item 11: the meeting report import says what it means ---------------------------


def _upload(client, library, event, data, name="laporan.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(
        f"/staff/{library.slug}/events/{event.pk}/attendance/import/", {"file": file}
    )


REPORT_OF = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes)\n"
    "Siti Rahmawati,siti.rahmawati@example.org,{day} 09:00:00 AM,{day} 11:30:00 AM,150\n"
    "Siti Rahmawati,siti.rahmawati@example.org,{day} 11:31:00 AM,{day} 11:35:00 AM,4\n"
    "Budi Santoso,budi.santoso@example.org,{day} 09:05:00 AM,{day} 11:30:00 AM,145\n"
)


def test_a_report_of_another_day_is_warned_about(staff, library, session, people):
    from attendance_helpers import t

    response = _upload(staff, library, session, REPORT_OF.format(day="07/14/2020").encode())
    page = staff.get(response["Location"]).content.decode()
    assert 'id="other-day"' in page
    assert "Selasa, 14 Juli 2020" in page and "Selasa, 21 Juli 2020" in page
    # The report of the event's own day: no warning.
    response = _upload(staff, library, session, REPORT_OF.format(day="07/21/2020").encode())
    assert 'id="other-day"' not in staff.get(response["Location"]).content.decode()
    assert t("Check the import")  # the page itself is there in both cases


def test_the_preview_counts_people_and_says_so(staff, library, session, people):
    response = _upload(staff, library, session, REPORT_OF.format(day="07/21/2020").encode())
    page = staff.get(response["Location"]).content.decode()
    # Three rows, two people: the heading counts people and says it.
    assert "2 orang dalam laporan cocok dengan pendaftar" in page
    assert "baris cocok" not in page


def test_sizes_are_written_the_indonesian_way(staff, library, session):
    from sapa.attendance.files import MAX_BYTES

    data = b"a" * (MAX_BYTES + 700 * 1024)  # 5.68 MB
    page = _upload(staff, library, session, data).content.decode()
    assert "5,7 MB" in page and "5.7 MB" not in page


def test_a_file_with_control_bytes_is_refused_with_its_line(staff, library, session):
    data = b"Name,Email,Duration\nSiti,siti@example.org,150\nBudi\x00\x00,budi@example.org,140\n"
    response = _upload(staff, library, session, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Baris 3: karakter kendali (byte NUL)" in page


def test_an_unsaved_preview_is_labelled_and_expires(staff, library, session, people):
    from datetime import timedelta

    from sapa.attendance.models import ReportImport

    _upload(staff, library, session, REPORT_OF.format(day="07/21/2020").encode())
    page = staff.get(
        f"/staff/{library.slug}/events/{session.pk}/attendance/import/"
    ).content.decode()
    assert "Belum disimpan: buka untuk menyimpan atau membuangnya; disimpan sampai" in page
    assert "Menunggu diperiksa" not in page
    ReportImport.objects.update(created_at=timezone.now() - timedelta(days=3))
    page = staff.get(
        f"/staff/{library.slug}/events/{session.pk}/attendance/import/"
    ).content.decode()
    assert "Belum disimpan" not in page and "Dibatalkan" in page
    assert ReportImport.objects.get().data == {}
