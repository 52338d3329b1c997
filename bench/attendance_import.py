#!/usr/bin/env python3
"""How long a big meeting report takes to read, match and save.

    python bench/attendance_import.py [--people 1000] [--rounds 3] [--postgres]

Builds, on a fresh database (SQLite in a temporary SAPA_DATA_DIR, or with
--postgres a fresh database on SAPA_TEST_DATABASE_URL's server), an event with
`--people` registrations and a Zoom meeting participants report of those people
(each joins twice, overlapping; a third are guests without email whose Zoom
name is "Name_Instansi"; 5 % strangers), then times:

- upload: decode, detect, parse, merge rejoins, match, keep the pending import;
- save: all minutes in one transaction with the rule applied.

Prints the best and median of --rounds.
"""

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def report(people: int) -> bytes:
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for n in range(people):
        guest = n % 3 == 0
        name = f"Peserta Nomor {n}" + ("_Perpusda Sleman" if guest else "")
        email = "" if guest else f"peserta{n}@contoh.id"
        lines.append(f"{name},{email},07/21/2020 09:0{n % 10}:00 AM,07/21/2020 10:15:00 AM,75,Yes")
        lines.append(f"{name},{email},07/21/2020 10:00:00 AM,07/21/2020 11:2{n % 10}:00 AM,80,Yes")
    for n in range(people // 20):
        lines.append(f"Tamu {n},,07/21/2020 09:00:00 AM,07/21/2020 09:30:00 AM,30,Yes")
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="sapa-bench-")
    os.environ["SAPA_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    pg_name = None
    if args.postgres:
        import psycopg

        base = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
        pg_name = f"sapa_bench_{secrets.token_hex(4)}"
        with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {pg_name}")
        os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + pg_name
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    try:
        return run(args)
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(base.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE {pg_name}")


def run(args) -> int:
    import django

    django.setup()
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection

    from sapa.attendance import services
    from sapa.events.models import Event, Registration
    from sapa.libraries.models import Library

    call_command("migrate", verbosity=0)
    jakarta = ZoneInfo("Asia/Jakarta")
    library = Library.objects.create(slug="bench", name="Bench")
    event = Event.objects.create(library=library, slug="bench", title="Bench", capacity=args.people,
                                 starts_at=datetime(2020, 7, 21, 9, tzinfo=jakarta),
                                 ends_at=datetime(2020, 7, 21, 11, 30, tzinfo=jakarta))
    Registration.objects.bulk_create([
        Registration(event=event, status="confirmed", name=f"Peserta Nomor {n}", email=f"peserta{n}@contoh.id",
                     email_normalized=f"peserta{n}@contoh.id") for n in range(args.people)])
    data = report(args.people)
    uploads, saves = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        pending = services.start_import(event, data, "bench.csv")
        uploads.append(time.perf_counter() - started)
        started = time.perf_counter()
        counts = services.save_import(pending, {})
        saves.append(time.perf_counter() - started)
    print(f"database: {connection.vendor}; report: {len(data) / 1024:.0f} KB, {pending.rows} rows, "
          f"{pending.people} people, {counts['written']} matched, {counts['ignored']} not matched")
    print(f"upload (parse, merge, match, keep): best {min(uploads) * 1000:.0f} ms, "
          f"median {statistics.median(uploads) * 1000:.0f} ms")
    print(f"save (minutes + rule, one transaction): best {min(saves) * 1000:.0f} ms, "
          f"median {statistics.median(saves) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
