"""Numbers under concurrency, with real processes against a real database (the suite's:
a fresh SQLite file, or a fresh PostgreSQL database when DATABASE_URL is postgres://).

Four events share one number series (`{seq:03d}/SS-MEDSOS/{month_roman}/{year}`, all in
July 2020). Six processes start together: one per event records attendance in batches and
generates after each batch (40 generations), and two more run generations of the first
event's design in a loop at the same time (rivals for the same people). Afterwards the
series holds exactly 1..N with no gap and no duplicate, its counter says N, and every
attendee has exactly one valid certificate.
"""

import json
import os
import subprocess
import time

import pytest
from serverproc import ROOT, fresh_database, sapa_executable

from sapa.certificates import numbering

EVENTS = 4
PEOPLE = 30  # per event
BATCH = 3

SETUP = """
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from sapa.certificates import services
from sapa.events.models import Event, Registration
from sapa.libraries.models import Library
library = Library.objects.create(slug="balap", name="Perpustakaan Balap")
starts = datetime(2020, 7, 21, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
designs = []
for e in range(%(events)d):
    event = Event.objects.create(library=library, slug=f"acara-{e}", title=f"Acara {e}",
                                 starts_at=starts + timedelta(days=e), ends_at=starts + timedelta(days=e, hours=2))
    for p in range(%(people)d):
        Registration.objects.create(event=event, status="confirmed", name=f"Peserta {e}-{p}",
                                    email=f"p{e}-{p}@example.org", email_normalized=f"p{e}-{p}@example.org")
    design = services.create_design(event)
    design.number_pattern = "{seq:03d}/SS-MEDSOS/{month_roman}/{year}"
    design.save()
    designs.append(design.pk)
print(json.dumps(designs))
"""

WORKER = """
import os, time
from sapa.attendance.services import record_attendance
from sapa.certificates import services
from sapa.certificates.models import CertificateDesign
from sapa.events.models import Registration
design = CertificateDesign.objects.select_related("event__library").get(pk=int(os.environ["DESIGN"]))
start = float(os.environ["START"])
while time.time() < start:
    time.sleep(0.005)
made = 0
if os.environ["MODE"] == "attend":
    people = list(Registration.objects.filter(event=design.event).order_by("id"))
    for i in range(0, len(people), %(batch)d):
        for registration in people[i:i + %(batch)d]:
            record_attendance(registration, minutes=120)
        made += len(services.issue(design))
else:
    deadline = time.time() + float(os.environ["SECONDS"])
    while time.time() < deadline:
        made += len(services.issue(design))
print(made)
"""

REPORT = """
import json
from sapa.attendance.services import attended_registration_ids
from sapa.certificates.models import Certificate, NumberSeries
from sapa.events.models import Event
rows = list(Certificate.objects.values("series", "seq", "number", "registration_id", "revoked_at", "event_id"))
for row in rows:
    row["revoked_at"] = bool(row["revoked_at"])
attended = sorted(i for e in Event.objects.all() for i in attended_registration_ids(e))
print(json.dumps({"rows": rows, "series": list(NumberSeries.objects.values("key", "last")), "attended": attended}))
"""


def _sapa(env, code, timeout=300) -> str:
    done = subprocess.run([*sapa_executable(), "shell", "--no-imports", "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.slow
def test_concurrent_generations_never_share_or_skip_a_number(tmp_path):
    base = os.environ.get("DATABASE_URL")
    with fresh_database(base, tmp_path) as (url, vendor):
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL",)}
        env.update({"SAPA_DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SAPA_LOG_LEVEL": "WARNING"})
        migrate = subprocess.run([*sapa_executable(), "migrate", "-v0"], env=env, cwd=ROOT, capture_output=True,
                                 text=True, timeout=600)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        designs = json.loads(_sapa(env, SETUP % {"events": EVENTS, "people": PEOPLE}))
        start = time.time() + 6
        procs = []
        for design in designs:
            procs.append(subprocess.Popen(
                [*sapa_executable(), "shell", "--no-imports", "-c", WORKER % {"batch": BATCH}],
                env={**env, "DESIGN": str(design), "MODE": "attend", "START": str(start)},
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        for _ in range(2):
            procs.append(subprocess.Popen(
                [*sapa_executable(), "shell", "--no-imports", "-c", WORKER % {"batch": BATCH}],
                env={**env, "DESIGN": str(designs[0]), "MODE": "rival", "START": str(start), "SECONDS": "8"},
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        outputs = [p.communicate(timeout=300) for p in procs]
        for p, (_out, err) in zip(procs, outputs, strict=True):
            assert p.returncode == 0, err[-3000:]
        made = [int(out.strip().splitlines()[-1]) for out, _ in outputs]
        report = json.loads(_sapa(env, REPORT))

    rows = report["rows"]
    total = EVENTS * PEOPLE
    assert sum(made) == len(rows) == total, (made, len(rows))
    key = numbering.series_key("{seq:03d}/SS-MEDSOS/{month_roman}/{year}", numbering.values(
        __import__("datetime").date(2020, 7, 21)))
    assert {r["series"] for r in rows} == {key}
    assert sorted(r["seq"] for r in rows) == list(range(1, total + 1))  # no gap, no duplicate
    assert len({r["number"] for r in rows}) == total
    assert report["series"] == [{"key": key, "last": total}]
    assert sorted(r["registration_id"] for r in rows) == report["attended"]  # one each
    print(f"{vendor}: {total} numbers from {len(made)} processes, made per process {made}")
