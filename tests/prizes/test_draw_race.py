"""Staff clicking "draw" (or "prepare") at the same moment: one result.

Real threads, each with its own database connection, released together by a
barrier, inside a `sapa shell` process against a fresh database configured as
in production (tests/serverproc.py): a SQLite file (WAL, BEGIN IMMEDIATE) when
the suite runs on SQLite, a new PostgreSQL database when DATABASE_URL is
postgres://. (pytest-django's in-memory SQLite cannot host writers in threads.)
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from serverproc import ROOT, fresh_database, sapa_executable

RACE = r"""
import json, threading
from datetime import timedelta
from django.db import connection
from django.utils import timezone
from sapa.attendance.services import record_attendance
from sapa.events import services as event_services
from sapa.events.models import Event
from sapa.libraries.models import Library
from sapa.prizes import services
from sapa.prizes.models import Draw, Prize, Winner

THREADS = 8
library = Library.objects.create(slug="uji-undian", name="Perpustakaan Uji")
now = timezone.now()
event = Event.objects.create(library=library, slug="uji-undian", title="Uji undian", capacity=100,
                             starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
for i in range(40):
    r = event_services.register(event, name=f"Peserta {i}", email=f"p{i}@contoh.id", consent=True,
                                source="staff").registration
    record_attendance(r, minutes=150)
Prize.objects.create(event=event, name="Mug", quantity=6)
connection.close()

def race(target):
    barrier = threading.Barrier(THREADS, timeout=60)
    out, errors = [], []
    def run():
        try:
            barrier.wait()
            out.append(target())
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()
    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for t in threads: t.start()
    for t in threads: t.join(120)
    return out, errors

def prepare():
    try:
        return services.prepare_draw(Event.objects.get(pk=event.pk)).round
    except services.PrizeError as refused:
        return refused.code

prepared, prepare_errors = race(prepare)
draw = Draw.objects.get(event=event)

def click():
    drawn, drew = services.run_draw(Draw.objects.get(pk=draw.pk))
    return [drew, [w.entry for w in drawn.winners.order_by("position")]]

clicks, click_errors = race(click)
draw.refresh_from_db()
print("RESULT=" + json.dumps({
    "vendor": connection.vendor, "prepared": prepared, "prepare_errors": prepare_errors,
    "draws": Draw.objects.filter(event=event).count(), "clicks": clicks, "click_errors": click_errors,
    "state": draw.state, "winners": [w.entry for w in Winner.objects.filter(draw=draw).order_by("position")],
}))
"""


@pytest.mark.slow
def test_racing_prepare_and_draw_clicks_produce_one_round_and_one_result():
    with tempfile.TemporaryDirectory(prefix="sapa-draw-race-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(os.environ.get("DATABASE_URL", ""), data_dir) as (db_url, vendor):
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith(("PYTEST_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")}
            env.update({"DJANGO_SETTINGS_MODULE": "sapa.settings", "SAPA_DATA_DIR": str(data_dir),
                        "DATABASE_URL": db_url, "SAPA_SMTP_URL": "console://", "SAPA_LOG_LEVEL": "WARNING"})
            sapa = sapa_executable()
            subprocess.run([*sapa, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True,
                           capture_output=True, timeout=300)
            done = subprocess.run([*sapa, "shell", "--no-imports", "-c", RACE], env=env, cwd=ROOT,
                                  capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("RESULT="))
    result = json.loads(line.removeprefix("RESULT="))
    assert result["vendor"] == vendor
    assert not result["prepare_errors"], result["prepare_errors"]
    assert sorted(result["prepared"], key=str) == [1] + ["pending"] * 7
    assert result["draws"] == 1
    assert not result["click_errors"], result["click_errors"]
    assert len(result["clicks"]) == 8
    assert sum(1 for drew, _ in result["clicks"] if drew) == 1  # one click drew
    assert {tuple(entries) for _, entries in result["clicks"]} == {tuple(result["winners"])}  # one result
    assert result["state"] == "drawn" and len(result["winners"]) == 6
