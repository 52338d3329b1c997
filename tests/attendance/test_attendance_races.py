"""Racing real threads against the real database.

- Check-in through the real HTTP stack (granian started as `sapa run` starts it,
  tests/serverproc.py) on the suite's database kind (SQLite file or a fresh
  PostgreSQL database): 30 participants check in at the same moment, each twice
  at once (the second time with the email in other letter case): every attempt
  is answered as a check-in, and each person has one attendance row.
- A preview saved by four threads at once is written once; that race runs in
  this process on PostgreSQL (SQLite's shared in-memory test database cannot
  serve concurrent writers; the check-in race above covers SQLite for real).
"""

import re
import threading

import httpx
import pytest
from attendance_helpers import add_people, make_session, read
from django.db import connection
from serverproc import _marked, create_event, sapa_server

from sapa.attendance import services
from sapa.attendance.models import Attendance, ReportImport

PEOPLE = 30
TIMEOUT = 60

_SETUP = """
import json
from sapa.attendance import services
from sapa.events.models import Event, Registration
event = Event.objects.get(slug="{slug}")
for n in range({people}):
    email = f"hadir{{n}}@contoh.id"
    Registration.objects.create(event=event, status="confirmed", name=f"Peserta {{n}}", email=email,
                                email_normalized=email)
window = services.open_checkin(event, 15)
print("WINDOW=" + json.dumps({{"code": window.code}}))
"""

_COUNT = """
import json
from django.db.models import Count
from sapa.attendance.models import Attendance
rows = Attendance.objects.filter(event__slug="{slug}")
print("ROWS=" + json.dumps({{"rows": rows.count(), "checked_in": rows.filter(checked_in_at__isnull=False).count(),
      "per_registration": max(rows.values("registration").annotate(n=Count("id")).values_list("n", flat=True))}}))
"""


def race(target, n):
    barrier = threading.Barrier(n, timeout=TIMEOUT)
    results = [None] * n

    def run(i):
        try:
            results[i] = ("ok", target(i, barrier))
        except Exception as exc:  # noqa: BLE001 - every outcome is counted
            results[i] = ("error", exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    return results


@pytest.mark.slow
def test_simultaneous_check_ins_through_the_real_server():
    with sapa_server() as server:
        event = create_event(server, capacity=100)
        code = _marked(server.python(_SETUP.format(slug=event["slug"], people=PEOPLE)), "WINDOW")["code"]
        page = f"/e/{event['slug']}/hadir/"

        def check_in(i, barrier):
            email = f"hadir{i // 2}@contoh.id"
            with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
                got = client.get(page)
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', got.text).group(1)
                barrier.wait()
                answer = client.post(page, data={"csrfmiddlewaretoken": token, "code": code.lower(),
                                                 "email": email.upper() if i % 2 else email})
                return answer.status_code, answer.headers.get("location", "")

        results = race(check_in, 2 * PEOPLE)
        counts = _marked(server.python(_COUNT.format(slug=event["slug"])), "ROWS")
        log = server.log()
    assert all(kind == "ok" for kind, _ in results), [r for r in results if r[0] != "ok"][:3]
    assert all(status == 302 and "?ok=" in location for _, (status, location) in results), results[:3]
    assert counts == {"rows": PEOPLE, "checked_in": PEOPLE, "per_registration": 1}, (counts, log[-2000:])


@pytest.fixture
def racing_session(transactional_db, library):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database cannot serve concurrent writers; "
                    "this race runs in the PostgreSQL run")
    event = make_session(library)
    return event, add_people(event)


def test_a_preview_saved_four_times_at_once_is_written_once(racing_session):
    event, people = racing_session
    pending = services.start_import(event, read("zoom_meeting_full.csv"), "zoom.csv")
    agus = people["Agus Kurniawan"]
    index = next(i for i, p in enumerate(pending.data["people"]) if p["name"] == "Agus_SMAN 1 Bantul")

    def save(i, barrier):
        barrier.wait()
        return services.save_import(pending, {index: agus.pk})

    results = race(save, 4)
    assert sorted(kind for kind, _ in results) == ["error", "error", "error", "ok"], results
    assert all(isinstance(value, services.ImportRefused) for kind, value in results if kind == "error")
    assert ReportImport.objects.get().state == "saved"
    assert dict(Attendance.objects.values_list("registration__name", "minutes"))["Agus Kurniawan"] == 45
    assert Attendance.objects.filter(event=event).count() == 6
