#!/usr/bin/env python3
"""Short-link redirects per second against /healthz on the same server (target: at least 80%).

    python bench/shortlinks.py [--seconds 8] [--concurrency 32] [--postgres] [--rounds 2]

Starts the real server as `sapa run` does (tests/serverproc.py: migrate,
collectstatic, granian with sapa.cli._server_command) on a free port and a
fresh database: SQLite in a temporary SAPA_DATA_DIR, or with --postgres a
fresh PostgreSQL database and Redis (SAPA_TEST_DATABASE_URL /
SAPA_TEST_REDIS_URL, defaults postgres://postgres@127.0.0.1:5432/sapa and
redis://127.0.0.1:6379/15). It creates an event and its Instagram short link,
then measures, with the keep-alive load client of bench/loadclient.py:

- /healthz (a database query and a queue check);
- /s/<code> by one returning visitor (each request a repeat click: the
  visitor row already exists, nothing is counted twice);
- /s/<code> by new visitors (every request another browser: a new visitor
  row and an UPSERT of the day's counter, or one Redis call) — the worst case.

Rounds alternate the three, and the best round of each is reported with the
ratio to /healthz. Only 127.0.0.1; every run is bounded by --seconds.
"""

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadclient import Connection, ConnectionClosed, percentile  # noqa: E402
from serverproc import create_event, sapa_server  # noqa: E402

DEFAULT_PG = os.environ.get("SAPA_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sapa")
DEFAULT_REDIS = os.environ.get("SAPA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"

_LINK = """
from sapa.events.models import Event
from sapa.promotion import links
event = Event.objects.get(slug={slug!r})
print("LINK=" + links.event_link(event, "instagram").code)
"""

_COUNTS = """
import json
from django.db.models import Sum
from sapa.promotion import clicks
from sapa.promotion.models import ClickDay
clicks.flush()
print("COUNTS=" + json.dumps(ClickDay.objects.filter(link__code={code!r}).aggregate(v=Sum("visitors"), b=Sum("bots"))))
"""


async def load(port: int, path: str, *, concurrency: int, seconds: float, new_visitors: bool,
               expect: int) -> dict:
    """GET `path` on `concurrency` keep-alive connections for `seconds`; requests/s and latency."""
    latencies: list[float] = []
    bad = errors = 0
    deadline = time.perf_counter() + seconds
    counter = [0]

    async def worker(n: int):
        nonlocal bad, errors
        conn = Connection("127.0.0.1", port)
        try:
            while time.perf_counter() < deadline:
                counter[0] += 1
                # The client's own User-Agent line is "sapa-bench"; a second one makes the
                # server see "sapa-bench, <browser> v<n>": another browser, another visitor.
                agent = f"{BROWSER} v{counter[0]}" if new_visitors else f"{BROWSER} w{n}"
                try:
                    r = await conn.request("GET", path, cookies={}, headers={"User-Agent": agent})
                except (OSError, asyncio.IncompleteReadError, ConnectionClosed):
                    errors += 1
                    await conn.close()
                    continue
                if r.status != expect:
                    bad += 1
                latencies.append(r.seconds)
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"rps": len(latencies) / elapsed, "requests": len(latencies), "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000, "unexpected_status": bad, "errors": errors}


def marked(output: str, marker: str) -> str:
    for line in output.splitlines():
        if line.startswith(marker + "="):
            return line[len(marker) + 1:]
    raise RuntimeError(f"no {marker}= in {output}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis instead of SQLite")
    args = parser.parse_args()

    database_url = DEFAULT_PG if args.postgres else ""
    redis_url = DEFAULT_REDIS if args.postgres else ""
    with sapa_server(database_url=database_url, redis_url=redis_url) as server:
        port = int(server.url.rsplit(":", 1)[1])
        event = create_event(server, capacity=100)
        code = marked(server.python(_LINK.format(slug=event["slug"])), "LINK")
        workers = server.env.get("SAPA_WEB_WORKERS") or str(os.cpu_count())
        print(f"server: {server.url} ({server.vendor}{' + Redis' if redis_url else ''}), "
              f"{workers} granian workers; load: {args.concurrency} keep-alive connections, "
              f"{args.seconds:.0f} s a run, best of {args.rounds} rounds", flush=True)
        targets = [("healthz", "/healthz", False, 200), ("short link, returning visitor", f"/s/{code}", False, 302),
                   ("short link, new visitors", f"/s/{code}", True, 302)]
        best: dict[str, dict] = {}
        for _round in range(args.rounds):
            for name, path, new_visitors, expect in targets:
                result = asyncio.run(load(port, path, concurrency=args.concurrency, seconds=args.seconds,
                                          new_visitors=new_visitors, expect=expect))
                if name not in best or result["rps"] > best[name]["rps"]:
                    best[name] = result
        counts = json.loads(marked(server.python(_COUNTS.format(code=code)), "COUNTS"))
    base = best["healthz"]["rps"]
    print(f"{'':32} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs /healthz':>12}")
    for name, result in best.items():
        print(f"{name:32} {result['rps']:9.0f} {result['p50_ms']:8.1f} {result['p99_ms']:8.1f} "
              f"{result['rps'] / base:11.0%}"
              + (f"  ({result['unexpected_status']} unexpected, {result['errors']} errors)"
                 if result["unexpected_status"] or result["errors"] else ""))
    print(f"clicks counted: {counts['v']} people, {counts['b']} bots (new visitors are counted once each)")
    worst = min(best["short link, returning visitor"]["rps"], best["short link, new visitors"]["rps"]) / base
    print(f"target: short links at least 80% of /healthz: {'met' if worst >= 0.8 else 'NOT met'} "
          f"(worst case {worst:.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
