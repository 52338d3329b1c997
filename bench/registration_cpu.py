#!/usr/bin/env python3
"""CPU cost of one public registration, measured in-process (no load, no other client).

    python bench/registration_cpu.py --db sqlite   -n 2000
    python bench/registration_cpu.py --db postgres -n 2000            # + Redis (cache, rate limits, queue)
    python bench/registration_cpu.py --db sqlite -n 500 --profile 30  # cProfile, top 30 by own time
    python bench/registration_cpu.py --db sqlite -n 1 --queries       # the SQL of one form and one API attempt
    valgrind --tool=callgrind --instr-atstart=no \
        python bench/registration_cpu.py --db sqlite -n 100 --rounds 1 --callgrind   # instructions

The wall-clock rush (bench/registration.py) depends on what else runs on the
machine; this does not, much: it sets Sapa up on a fresh database exactly as
the server would (same settings, SQLite file or a fresh PostgreSQL database
`sapa_race_*`, dropped afterwards; Huey on SQLite or Redis), creates the
rush's event (100 seats, the five categories, one required question), and
calls the WSGI application directly, one registration after the other, in
one thread. Form attempts are prepared first (each its own page load for the
CSRF cookie/token and the signed timestamp, untimed), as in the rush.

It prints, per registration: this process's CPU time (thread time, the
median of --rounds rounds of n attempts), the SQL statements, and on
PostgreSQL the database server's own CPU (its backend processes for this
database, in /proc). When even thread time is too noisy (other processes on
the same cores slow it down too), --callgrind under valgrind counts the
instructions of the timed registrations only (callgrind_control switches the
count on and off around them): the same to 0.1 % from run to run. Run it
from a scratch folder: valgrind leaves its callgrind.out.<pid> there at exit.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import serverproc  # noqa: E402
from serverproc import LOAD_RATE, api_body, form_data, form_hidden_fields, person  # noqa: E402

fresh_database = getattr(serverproc, "fresh_database", None) or serverproc._fresh_database

DEFAULT_PG = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
DEFAULT_REDIS = os.environ.get("SAPA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _environ(method, path, body=b"", content_type="", cookies=None, query=""):
    environ = {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000", "HTTP_USER_AGENT": "sapa-bench",
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.version": (1, 0), "CONTENT_LENGTH": str(len(body)),
    }
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    if cookies:
        environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return environ


def _call(app, environ):
    """(status code, headers, body) of one WSGI request."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split(" ", 1)[0]), headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return seen["status"], seen["headers"], body


def _cookies(headers) -> dict:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key] = rest.split(";", 1)[0]
    return jar


def _backend_cpu(pids) -> float:
    """CPU seconds (user + system) of local PostgreSQL backend processes."""
    total = 0.0
    for pid in pids or ():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=1000, help="registrations per round (default 1000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the median is printed (default 3)")
    parser.add_argument("--mode", choices=["mixed", "form", "api"], default="mixed")
    parser.add_argument("--warmup", type=int, default=100, help="untimed registrations first (default 100)")
    parser.add_argument("--profile", type=int, default=0, metavar="K", help="cProfile one round; top K functions")
    parser.add_argument("--queries", action="store_true", help="print the SQL of one form and one API attempt")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--redis-url", default=None, help=f"with --db postgres (default {DEFAULT_REDIS}; '' none)")
    parser.add_argument("--callgrind", action="store_true",
                        help="run under `valgrind --tool=callgrind --instr-atstart=no`: instrument the timed "
                             "rounds only (callgrind_control), then read the instruction count from its output")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="sapa-cpu-")
    data_dir = Path(tmp.name)
    base = "" if args.db == "sqlite" else args.pg_url
    with fresh_database(base, data_dir) as (db_url, vendor):
        os.environ.update({
            "DJANGO_SETTINGS_MODULE": "sapa.settings", "SAPA_DATA_DIR": str(data_dir), "DATABASE_URL": db_url,
            "SAPA_SMTP_URL": "console://", "SAPA_REGISTRATION_MIN_SECONDS": "0",
            "SAPA_REGISTRATION_RATE": LOAD_RATE, "SAPA_LOG_LEVEL": "WARNING",
        })
        os.environ.pop("REDIS_URL", None)
        redis_url = "" if args.db == "sqlite" else (DEFAULT_REDIS if args.redis_url is None else args.redis_url)
        if redis_url:
            os.environ["REDIS_URL"] = redis_url
            os.environ["SAPA_QUEUE_NAME"] = f"sapa-cpu-{os.getpid()}"
        try:
            return _run(args, vendor)
        finally:
            from django.db import connections

            connections.close_all()
            if redis_url:
                from huey.contrib.djhuey import HUEY

                HUEY.flush()


def _run(args, vendor) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)  # as the server: WhiteNoise's files
    from serverproc import _CREATE_EVENT

    out = io.StringIO()
    real_stdout, sys.stdout = sys.stdout, out
    try:
        exec(_CREATE_EVENT.format(slug="uji-cpu", capacity=100), {})  # noqa: S102 - our own code
    finally:
        sys.stdout = real_stdout
    event = json.loads(out.getvalue().split("EVENT=", 1)[1])
    connection.close()  # as the server: a fresh connection, kept between requests

    from sapa.wsgi import application

    page = f"/e/{event['slug']}/"
    api = f"/api/v1/events/{event['slug']}/registrations"
    total = args.warmup + args.n * args.rounds + 2
    serial = iter(range(10**9))

    def attempt(channel):
        p = person(event, next(serial))
        if channel == "form":
            status, headers, body = _call(application, _environ("GET", page))
            assert status == 200, status
            jar = _cookies(headers)
            data = form_data(event, p, form_hidden_fields(body.decode()))
            from urllib.parse import urlencode

            return ("POST", page, urlencode(data).encode(), "application/x-www-form-urlencoded", jar)
        return ("POST", api, json.dumps(api_body(event, p)).encode(), "application/json", {})

    def channels(n):
        return [args.mode if args.mode != "mixed" else ("form" if i % 2 == 0 else "api") for i in range(n)]

    def send(prepared):
        method, path, body, ctype, jar = prepared
        status, headers, answer = _call(application, _environ(method, path, body, ctype, jar))
        if status not in (202, 302):
            raise RuntimeError(f"{path} answered {status}: {answer[:300]!r}")

    def batch(n):
        return [attempt(c) for c in channels(n)]

    for prepared in batch(args.warmup):
        send(prepared)

    if args.queries:
        from django.test.utils import CaptureQueriesContext

        for prepared in batch(2):
            with CaptureQueriesContext(connection) as ctx:
                send(prepared)
            print(f"--- {prepared[1]} ({len(ctx.captured_queries)} statements)")
            for q in ctx.captured_queries:
                print("   ", q["sql"][:300])

    def backends():
        """The database's server processes (several with a connection pool)."""
        if vendor != "postgresql":
            return []
        with connection.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            return [row[0] for row in cur.fetchall()]

    statements = [0]

    def counting(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def callgrind(*options):
        import subprocess

        subprocess.run(["callgrind_control", *options, str(os.getpid())], check=True, stdout=subprocess.DEVNULL)

    rounds = []
    prepared_rounds = [batch(args.n) for _ in range(args.rounds)]
    if args.callgrind:
        # Under valgrind a request takes ~50 times longer: keep the one-second snapshot of
        # the event as a server under load would (it is read again every ~100 registrations).
        from sapa.events import public

        public.SNAPSHOT_SECONDS = 3600
        callgrind("-z")
        callgrind("-i", "on")
    for r, prepared in enumerate(prepared_rounds):
        statements[0] = 0
        profiler = cProfile.Profile() if args.profile and r == 0 else None
        pids = backends()
        db_before = _backend_cpu(pids)
        wall = time.perf_counter()
        cpu = time.thread_time()
        with connection.execute_wrapper(counting):
            if profiler:
                profiler.enable()
            for item in prepared:
                send(item)
            if profiler:
                profiler.disable()
        cpu = time.thread_time() - cpu
        wall = time.perf_counter() - wall
        db_cpu = _backend_cpu(pids) - db_before
        if profiler:
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(args.profile)
            stream.write("\n--- cumulative ---\n")
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(args.profile)
            print(stream.getvalue())
            continue  # a profiled round is slower: not counted
        rounds.append({"cpu_ms": cpu * 1000 / args.n, "wall_ms": wall * 1000 / args.n,
                       "db_cpu_ms": db_cpu * 1000 / args.n, "statements": statements[0] / args.n})

    instructions = None
    if args.callgrind:
        callgrind("-i", "off")
        callgrind("-d")
        dumps = sorted(Path.cwd().glob(f"callgrind.out.{os.getpid()}*"), key=lambda p: p.stat().st_mtime)
        for line in dumps[-1].read_text().splitlines() if dumps else []:
            if line.startswith(("totals:", "summary:")):
                instructions = int(line.split()[1]) / (args.n * args.rounds)
        for dump in dumps:
            dump.unlink()
    from sapa.events.models import Registration

    confirmed = Registration.objects.filter(event_id=event["id"], status="confirmed").count()
    rows = Registration.objects.filter(event_id=event["id"]).count()
    assert confirmed == min(100, rows) and rows <= total, (confirmed, rows)
    if not rounds:
        return 0
    summary = {
        "db": vendor, "mode": args.mode, "n": args.n, "rounds": len(rounds),
        "cpu_ms": round(statistics.median(r["cpu_ms"] for r in rounds), 3),
        "cpu_ms_min": round(min(r["cpu_ms"] for r in rounds), 3),
        "cpu_ms_max": round(max(r["cpu_ms"] for r in rounds), 3),
        "wall_ms": round(statistics.median(r["wall_ms"] for r in rounds), 3),
        "db_server_cpu_ms": round(statistics.median(r["db_cpu_ms"] for r in rounds), 3),
        "statements": round(statistics.median(r["statements"] for r in rounds), 2),
        "instructions": round(instructions) if instructions else None,
    }
    print(f"""
Sapa registration CPU: {vendor}, mode {args.mode}, {args.n} registrations x {len(rounds)} rounds, one thread
  Python CPU / registration   {summary['cpu_ms']} ms (median; rounds {summary['cpu_ms_min']}-{summary['cpu_ms_max']})
  wall / registration         {summary['wall_ms']} ms
  database server CPU         {summary['db_server_cpu_ms']} ms (PostgreSQL backend; 0 on SQLite: in-process)
  SQL statements              {summary['statements']} per registration""")
    if instructions:
        print(f"  instructions (callgrind)    {instructions / 1e6:.2f} million per registration")
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
