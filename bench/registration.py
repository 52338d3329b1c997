#!/usr/bin/env python3
"""Rush the public registration of a real Sapa server and print what it held.

    python bench/registration.py --db sqlite   -n 2000 -c 50 -q 100
    python bench/registration.py --db postgres -n 2000 -c 50 -q 100 --mode mixed

It starts the real server as `sapa run` does (tests/serverproc.py: granian
with sapa.cli's command, after `sapa migrate` and `collectstatic`) on a fresh
database (SQLite in a temporary data folder, or a fresh PostgreSQL database
`sapa_race_*`, dropped afterwards; with --db postgres also Redis for the cache
and rate limits unless --redis-url ''), creates an event with Q seats, then:

1. form mode: N/2 (mixed) or N "browsers" each GET the event page first (their
   own CSRF cookie and token, and the signed timestamp), untimed, as a page load;
2. the rush: N registration attempts (POST of the form, or POST to the API) from
   C concurrent keep-alive connections, as fast as the server answers;
3. the same server's /healthz and the public event page GET /e/<slug>/ for
   --seconds each at C connections (fresh visitors: no cookies).

It prints registrations/s, p50/p95/p99 latency, overbooked (confirmed beyond Q;
must be 0), lost (a success answer without its row; must be 0), errors, and
the two requests/s. Exit 1 when overbooked or lost is not 0 or any attempt failed.
The load client (bench/loadclient.py) is plain asyncio in its own process.
Only 127.0.0.1; the rush is bounded by N and --timeout.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadclient import Connection, form_body, percentile, throughput  # noqa: E402
from serverproc import (  # noqa: E402
    api_body,
    create_event,
    done_token_public_id,
    form_data,
    form_hidden_fields,
    person,
    sapa_server,
    snapshot,
)

DEFAULT_PG = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
DEFAULT_REDIS = os.environ.get("SAPA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def plan(event: dict, n: int, mode: str, duplicate_every: int) -> list[dict]:
    """N attempts: alternating form/API in mixed mode; every k-th repeats an earlier email
    in upper case (a person who submits twice)."""
    attempts, twinned = [], set()
    for i in range(n):
        channel = mode if mode != "mixed" else ("form" if i % 2 == 0 else "api")
        if duplicate_every and i and i % duplicate_every == 0:
            # Each person submits at most twice (a chain of twins would hit the per-email limit,
            # SAPA_REGISTRATION_EMAIL_RATE, which is not what this measures).
            j = i // 2
            while "twin" in attempts[j] or j in twinned:
                j -= 1
            twinned.add(j)
            twin = attempts[j]["person"]["email"].upper()
            attempts.append({"channel": channel, "person": person(event, i, email=twin), "twin": j})
        else:
            attempts.append({"channel": channel, "person": person(event, i)})
    return attempts


async def prepare_forms(host, port, event, attempts, concurrency):
    """Each form attempt's page load: its own cookie jar, CSRF token and timestamp (untimed)."""
    page = f"/e/{event['slug']}/"
    queue = [a for a in attempts if a["channel"] == "form"]

    async def worker():
        conn = Connection(host, port)
        try:
            while queue:
                attempt = queue.pop()
                jar: dict[str, str] = {}
                r = await conn.request("GET", page, cookies=jar)
                if r.status != 200:
                    raise RuntimeError(f"GET {page} answered {r.status}")
                jar.update(r.cookies)
                attempt["cookies"] = jar
                attempt["body"] = form_body(form_data(event, attempt["person"], form_hidden_fields(r.text)))
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def rush(host, port, event, attempts, concurrency, timeout):
    page = f"/e/{event['slug']}/"
    api = f"/api/v1/events/{event['slug']}/registrations"
    queue = list(reversed(attempts))

    async def one(conn, attempt):
        result = attempt["result"] = {"status": None, "public_id": None, "error": None}
        try:
            if attempt["channel"] == "form":
                r = await conn.request("POST", page, body=attempt["body"],
                                       content_type="application/x-www-form-urlencoded",
                                       cookies=attempt["cookies"])
                result["status"], result["seconds"] = r.status, r.seconds
                location = r.headers.get("location", "")
                if r.status == 302 and "/terdaftar/" in location:
                    result["location"] = location
                else:
                    result["error"] = r.text[:200]
            else:
                r = await conn.request("POST", api, body=json.dumps(api_body(event, attempt["person"])).encode(),
                                       content_type="application/json", cookies={})
                result["status"], result["seconds"] = r.status, r.seconds
                if r.status == 202:  # the same answer for a new and a known email: no status in it
                    result["public_id"] = json.loads(r.body)["public_id"]
                else:
                    result["error"] = r.text[:200]
        except Exception as exc:  # noqa: BLE001 - counted as an error
            result["error"] = f"{type(exc).__name__}: {exc}"
            await conn.close()

    async def worker():
        conn = Connection(host, port)
        try:
            while queue:
                await one(conn, queue.pop())
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), timeout)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("-n", type=int, default=2000, help="registration attempts (default 2000)")
    parser.add_argument("-c", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("-q", type=int, default=100, help="the event's seats (default 100)")
    parser.add_argument("--mode", choices=["mixed", "form", "api"], default="mixed")
    parser.add_argument("--duplicate-every", type=int, default=20,
                        help="every k-th attempt repeats an earlier email in other case (0: none)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each requests/s measurement")
    parser.add_argument("--timeout", type=float, default=300, help="upper bound of the rush, seconds")
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="PostgreSQL server (a fresh database is made on it)")
    parser.add_argument("--redis-url", default=None,
                        help=f"Redis for --db postgres (default {DEFAULT_REDIS}; '' for none)")
    parser.add_argument("--workers", type=int, default=0, help="SAPA_WEB_WORKERS (default: the run command's)")
    parser.add_argument("--threads", type=int, default=0, help="SAPA_WEB_THREADS (default: the run command's)")
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    args = parser.parse_args()
    if args.n < 1 or args.c < 1 or args.q < 0:
        parser.error("-n and -c must be positive, -q not negative")

    database_url = "" if args.db == "sqlite" else args.pg_url
    redis_url = "" if args.db == "sqlite" else (DEFAULT_REDIS if args.redis_url is None else args.redis_url)
    # Every run makes the same people (event 1 on a fresh database), and Redis keeps the per-email
    # counters between runs for their 10 minutes: the limit is raised (still counted, the same cost).
    env = {"SAPA_REGISTRATION_EMAIL_RATE": "1000/600"}
    if args.workers:
        env["SAPA_WEB_WORKERS"] = str(args.workers)
    if args.threads:
        env["SAPA_WEB_THREADS"] = str(args.threads)

    with sapa_server(database_url=database_url, redis_url=redis_url, env=env) as server:
        parsed = urlparse(server.url)
        host, port = parsed.hostname, parsed.port
        event = create_event(server, capacity=args.q)
        attempts = plan(event, args.n, args.mode, args.duplicate_every)
        loop = asyncio.new_event_loop()
        # Warm every worker up (imports, connections, template caches).
        loop.run_until_complete(throughput(host, port, f"/e/{event['slug']}/", concurrency=args.c,
                                           seconds=2, max_requests=500))
        loop.run_until_complete(prepare_forms(host, port, event, attempts, args.c))
        elapsed = loop.run_until_complete(rush(host, port, event, attempts, args.c, args.timeout))
        healthz = loop.run_until_complete(throughput(host, port, "/healthz", concurrency=args.c,
                                                     seconds=args.seconds))
        page = loop.run_until_complete(throughput(host, port, f"/e/{event['slug']}/", concurrency=args.c,
                                                  seconds=args.seconds))
        loop.close()
        db = snapshot(server, event["slug"])
        for attempt in attempts:
            result = attempt["result"]
            if result.get("location"):
                result["public_id"] = done_token_public_id(server, result["location"])
        vendor = server.vendor

    results = [a["result"] for a in attempts]
    latencies = [r["seconds"] for r in results if r.get("seconds") is not None]
    ok = [r for r in results if r["public_id"]]
    errors = [r for r in results if not r["public_id"]]
    status_counts: dict[str, int] = {}
    for r in results:
        status_counts[str(r["status"])] = status_counts.get(str(r["status"]), 0) + 1
    confirmed = db["by_status"].get("confirmed", 0)
    overbooked = max(confirmed - args.q, 0)
    lost = sum(1 for r in ok if r["public_id"] not in db["rows"])
    wrong_status = sum(1 for r in ok if r.get("answered") and db["rows"].get(r["public_id"], [None])[0] != r["answered"])
    distinct = len({a["person"]["email"].lower() for a in attempts})
    summary = {
        "db": vendor, "mode": args.mode, "n": args.n, "c": args.c, "q": args.q,
        "registrations_per_s": round(args.n / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
        "confirmed": confirmed, "waitlisted": db["by_status"].get("waitlisted", 0),
        "rows": len(db["rows"]), "distinct_people": distinct, "duplicate_rows": len(db["duplicates"]),
        "overbooked": overbooked, "lost": lost, "answered_wrong_status": wrong_status,
        "errors": len(errors), "answers": status_counts,
        "healthz_rps": round(healthz["rps"]), "healthz_p99_ms": round(healthz["p99_ms"], 1),
        "event_page_rps": round(page["rps"]), "event_page_p99_ms": round(page["p99_ms"], 1),
        "event_page_statuses": page["statuses"],
    }
    ratio = summary["registrations_per_s"] / summary["healthz_rps"] if summary["healthz_rps"] else 0
    print(f"""
Sapa registration rush: {vendor}, mode {args.mode}, N={args.n} attempts, C={args.c} clients, Q={args.q} seats
  registrations/s    {summary['registrations_per_s']:.1f}   ({elapsed:.2f} s for {args.n} attempts)
  latency            p50 {summary['p50_ms']} ms   p95 {summary['p95_ms']} ms   p99 {summary['p99_ms']} ms   max {summary['max_ms']} ms
  confirmed          {confirmed} of {args.q} seats; waitlisted {summary['waitlisted']}; rows {len(db['rows'])} for {distinct} people
  overbooked         {overbooked}   (must be 0)
  lost               {lost}   (must be 0)
  duplicate rows     {len(db['duplicates'])}
  errors             {len(errors)}   answers {status_counts}
  /healthz           {summary['healthz_rps']} requests/s (p99 {summary['healthz_p99_ms']} ms); registrations/healthz = {ratio:.2f}
  GET /e/<slug>/     {summary['event_page_rps']} requests/s (p99 {summary['event_page_p99_ms']} ms) {page['statuses']}""")
    if errors:
        print("  first errors:", [(r["status"], r["error"]) for r in errors[:3]])
    if args.json:
        print(json.dumps(summary))
    failed = overbooked or lost or errors or wrong_status or summary["duplicate_rows"] or confirmed != min(args.q, distinct)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
