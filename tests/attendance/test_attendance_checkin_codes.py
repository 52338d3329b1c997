"""Check-in codes: staff open a window and show the code; participants check in on
/e/<slug>/hadir/ with their email, or from their personal link with the code alone."""

import re
from datetime import timedelta

import pytest
from attendance_helpers import member_client, t
from django.test import Client
from django.utils import timezone

from sapa.attendance import services
from sapa.attendance.models import Attendance, CheckInWindow
from sapa.libraries.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


def open_window(client, library, event, minutes=15):
    response = client.post(f"/staff/{library.slug}/events/{event.pk}/attendance/checkin/", {"minutes": minutes})
    assert response.status_code == 302
    return CheckInWindow.objects.filter(event=event).first()


def check_in(event, code, email, client=None):
    return (client or Client()).post(f"/e/{event.slug}/hadir/", {"code": code, "email": email})


def test_codes_are_short_readable_and_random():
    codes = {services.new_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == 5 and not set(code) & set("0O1IL2Z5S8BUV")


def test_staff_open_a_window_and_show_the_code_on_screen(staff, library, session, people):
    window = open_window(staff, library, session, 15)
    assert window.closes_at - window.opens_at == timedelta(minutes=15) and window.is_open()
    screen = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/{window.pk}/")
    page = screen.content.decode()
    assert screen.status_code == 200
    assert re.search(rf'<p class="code"[^>]*>{window.code}</p>', page)
    assert f"/e/{session.slug}/hadir/" in page and "<svg" in page  # the address and its QR code
    assert 'data-closes="' in page
    assert AuditEntry.objects.filter(action="attendance.checkin_opened", actor=staff.user).exists()


def test_a_new_window_closes_the_one_before(staff, library, session):
    first = open_window(staff, library, session)
    second = open_window(staff, library, session, 5)
    first.refresh_from_db()
    assert not first.is_open() and second.is_open()
    assert services.open_window(session) == second


def test_check_in_with_code_and_email(staff, library, session, people):
    window = open_window(staff, library, session)
    response = check_in(session, window.code.lower(), "  Siti.Rahmawati@Example.org ")
    assert response.status_code == 302 and response["Location"].startswith(f"/e/{session.slug}/hadir/?ok=")
    done = Client().get(response["Location"]).content.decode()
    assert "Siti Rahmawati" in done
    row = Attendance.objects.get(registration=people["Siti Rahmawati"])
    assert row.checked_in_at is not None and row.attended  # default rule: time or check-in

    # Idempotent: a second check-in keeps the first time.
    first = row.checked_in_at
    again = check_in(session, window.code, "siti.rahmawati@example.org")
    assert again.status_code == 302
    row.refresh_from_db()
    assert row.checked_in_at == first and Attendance.objects.count() == 1


def test_the_code_may_be_typed_with_spaces_and_dashes(staff, library, session, people):
    window = open_window(staff, library, session)
    spaced = " ".join(window.code[:2]) + "-" + window.code[2:]
    assert check_in(session, spaced, "budi.santoso@example.org").status_code == 302


@pytest.mark.parametrize(("case", "message"), [
    ("wrong code", "That code is not right. Check the code on the screen and try again."),
    ("unknown email", "No registration for this event has that email address. Use the address you registered "
                      "with."),
    ("cancelled", "This registration has been cancelled, so it cannot be checked in."),
    ("waitlisted", "You are on the waiting list and have no seat, so you cannot check in."),
    ("closed", "Check-in is not open now. Enter the code while the moderator shows it in the session."),
])
def test_refused_check_ins_store_nothing(staff, library, session, people, case, message):
    window = open_window(staff, library, session)
    code, email = window.code, "siti.rahmawati@example.org"
    if case == "wrong code":
        code = "ACDEF" if window.code != "ACDEF" else "ACDEH"
    elif case == "unknown email":
        email = "orang.lain@example.org"
    elif case == "cancelled":
        email = "rudi.hartono@example.org"
    elif case == "waitlisted":
        email = "wulan.sari@example.org"
    elif case == "closed":
        services.close_checkin(window)
    response = check_in(session, code, email)
    assert response.status_code == 400
    assert t(message) in response.content.decode()
    assert Attendance.objects.count() == 0


def test_a_window_that_ran_out_is_closed(staff, library, session, people):
    window = open_window(staff, library, session, 5)
    CheckInWindow.objects.filter(pk=window.pk).update(
        opens_at=timezone.now() - timedelta(minutes=6), closes_at=timezone.now() - timedelta(minutes=1))
    assert check_in(session, window.code, "siti.rahmawati@example.org").status_code == 400
    assert Attendance.objects.count() == 0


def test_another_events_code_does_not_work(staff, library, session, people):
    from attendance_helpers import add_people, make_session

    other = make_session(library, slug="lain")
    add_people(other, [("Siti Rahmawati", "siti.rahmawati@example.org", "confirmed")])
    CheckInWindow.objects.filter(pk=open_window(staff, library, other).pk).update(code="ACDEF")
    CheckInWindow.objects.filter(pk=open_window(staff, library, session).pk).update(code="HJKMN")
    assert check_in(session, "ACDEF", "siti.rahmawati@example.org").status_code == 400
    assert check_in(session, "HJKMN", "siti.rahmawati@example.org").status_code == 302


def test_wrong_guesses_are_rate_limited_per_address(settings, staff, library, session, people):
    settings.SAPA_CHECKIN_RATE = "3/600"
    window = open_window(staff, library, session)
    wrong = "ACDEF" if window.code != "ACDEF" else "ACDEH"
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):
        assert check_in(session, wrong, "siti.rahmawati@example.org", client).status_code == 400
    # Even the right code is refused now: guessing cannot go on.
    blocked = check_in(session, window.code, "siti.rahmawati@example.org", client)
    assert blocked.status_code == 429
    assert t("Too many wrong attempts from your network. Wait a few minutes and try again.") in \
        blocked.content.decode()
    assert Attendance.objects.count() == 0
    # Another address is not affected, and successful check-ins do not count.
    other = Client(REMOTE_ADDR="198.51.100.2")
    for email in ("siti.rahmawati@example.org", "budi.santoso@example.org", "dewi.lestari@example.org",
                  "hendra.wijaya@example.org"):
        assert check_in(session, window.code, email, other).status_code == 302


def test_the_public_page_is_light_and_works_without_javascript(session, people):
    response = Client().get(f"/e/{session.slug}/hadir/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in page and len(response.content) < 20_000
    assert 'name="code"' in page and 'name="email"' in page and 'for="id_code"' in page
    assert t("Check-in opens when the moderator shows the code in the session. Keep this page open and try "
             "again then.") in page
    assert Client().get(f"/e/{session.slug}/hadir").status_code == 301  # /hadir works too


def test_a_draft_events_page_is_404(library, session):
    from attendance_helpers import make_session

    draft = make_session(library, slug="draf", status="draft")
    assert Client().get(f"/e/{draft.slug}/hadir/").status_code == 404


def test_personal_link_shows_check_in_now_then_the_time(staff, library, session, people):
    siti = people["Siti Rahmawati"]
    manage = f"/p/{siti.public_id}/{siti.manage_token}/"
    participant = Client()
    assert 'id="presensi"' not in participant.get(manage).content.decode()  # no window: nothing to say
    window = open_window(staff, library, session)
    page = participant.get(manage).content.decode()
    assert t("Check in now") in page and 'name="code"' in page and 'name="email"' not in page
    wrong = "ACDEF" if window.code != "ACDEF" else "ACDEH"
    response = participant.post(f"{manage}hadir/", {"code": wrong}, follow=True)
    assert t("That code is not right. Check the code on the screen and try again.") in response.content.decode()
    assert Attendance.objects.count() == 0
    response = participant.post(f"{manage}hadir/", {"code": window.code})
    assert response.status_code == 302 and response["Location"] == f"{manage}#presensi"
    page = participant.get(manage).content.decode()
    assert t("Check in now") not in page
    assert re.search(r'class="checked-in"', page)
    assert Attendance.objects.get(registration=siti).checked_in_at is not None


def test_personal_check_in_needs_the_right_token(staff, library, session, people):
    siti = people["Siti Rahmawati"]
    window = open_window(staff, library, session)
    response = Client().post(f"/p/{siti.public_id}/wrong-token/hadir/", {"code": window.code})
    assert response.status_code == 404 and Attendance.objects.count() == 0


def test_close_now(staff, library, session):
    window = open_window(staff, library, session)
    response = staff.post(f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/{window.pk}/close/")
    assert response.status_code == 302
    window.refresh_from_db()
    assert not window.is_open()
    screen = staff.get(f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/{window.pk}/")
    assert t("Check-in is closed.") in screen.content.decode()


def test_only_members_open_windows_and_other_libraries_get_404(make_user, outsider, staff, library, session):
    window = open_window(staff, library, session)
    base = f"/staff/{library.slug}/events/{session.pk}/attendance/checkin/"
    own = f"/staff/perpus-b/events/{session.pk}/attendance/checkin/"
    for client, prefix in ((outsider, base), (outsider, own)):
        assert client.post(prefix, {"minutes": 15}).status_code == 404
        assert client.get(f"{prefix}{window.pk}/").status_code == 404
        assert client.post(f"{prefix}{window.pk}/close/").status_code == 404
    assert Client().get(f"{base}{window.pk}/").status_code == 302  # to the login
    window.refresh_from_db()
    assert window.is_open() and CheckInWindow.objects.count() == 1
    editor = member_client(make_user, library, Role.EDITOR)
    assert editor.get(f"{base}{window.pk}/").status_code == 200
