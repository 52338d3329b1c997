"""A large generation rendered by the process pool (sapa.certificates.parallel), run as the
worker runs it, in a `sapa` process against a fresh database (SQLite file, or PostgreSQL
when DATABASE_URL says so): every certificate rendered once, its PDF whole, the
progress counted to the end."""

import json
import os
import subprocess

import pytest
from serverproc import ROOT, fresh_database, sapa_executable
from test_numbering_race import _sapa

from sapa.certificates import parallel

JOB = """
import json, os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from sapa.attendance.services import record_attendance
from sapa.certificates import services, tasks
from sapa.certificates.models import Certificate, Generation
from sapa.events.models import Event, Registration
from sapa.libraries.models import Library
library = Library.objects.create(slug="paralel", name="Perpustakaan Paralel")
starts = datetime(2020, 7, 21, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
event = Event.objects.create(library=library, slug="acara", title="Acara Besar", starts_at=starts,
                             ends_at=starts + timedelta(hours=2))
for i in range(%(n)d):
    r = Registration.objects.create(event=event, status="confirmed", name=f"Peserta Ñoño {i}",
                                    email=f"p{i}@example.org", email_normalized=f"p{i}@example.org")
    record_attendance(r, minutes=120)
design = services.create_design(event)
from sapa.certificates import parallel
pooled = []
real = parallel.render_in_processes
parallel.render_in_processes = lambda *a, **k: (pooled.append(1), real(*a, **k))
generation = Generation.objects.create(design=design, send_email=False)
state = tasks.run_generation(generation.pk)
generation.refresh_from_db()
rows = list(Certificate.objects.order_by("seq"))
heads = sorted({c.file.open("rb").read(5) for c in rows})
tails = sorted({c.file.open("rb").read()[-6:] for c in rows})
print(json.dumps({"state": state, "rendered": generation.rendered, "total": generation.total,
                  "count": len(rows), "files": len({c.file.name for c in rows if c.file}),
                  "unrendered": sum(1 for c in rows if c.rendered_at is None),
                  "heads": [h.decode() for h in heads], "tails": [t.decode().strip() for t in tails],
                  "error": generation.error, "pool": bool(pooled)}))
"""


@pytest.mark.slow
def test_a_large_generation_is_rendered_by_two_processes(tmp_path):
    n = parallel.PARALLEL_MIN
    with fresh_database(os.environ.get("DATABASE_URL"), tmp_path) as (url, vendor):
        env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
        env.update({"SAPA_DATA_DIR": str(tmp_path), "DATABASE_URL": url, "SAPA_CERTIFICATE_PROCESSES": "2"})
        migrate = subprocess.run([*sapa_executable(), "migrate", "-v0"], env=env, cwd=ROOT, capture_output=True,
                                 text=True, timeout=600)
        assert migrate.returncode == 0, migrate.stderr[-3000:]
        result = json.loads(_sapa(env, JOB % {"n": n}))
    assert result["error"] == "" and result["state"] == "done", result
    assert result["pool"], "the pool was not used"
    assert result["count"] == result["files"] == result["total"] == result["rendered"] == n
    assert result["unrendered"] == 0
    assert result["heads"] == ["%PDF-"] and result["tails"] == ["%%EOF"]
