#!/usr/bin/env python3
"""Benchmark: 1,000 post variants due in the same minute, published by the real worker.

A local fake Mastodon server (tests/social/fakenet.py) answers every request
after 50 ms. The variants are created and scheduled through the workflow (the
checks run, revisions and audit entries are written), then `sapa worker`
starts with SAPA_WORKER_THREADS threads and publishes them. Printed: the time
from the first due moment to the last publish, the rate, and that the fake
network holds exactly one post per variant.

    .venv/bin/python bench/social_publish.py [--variants 1000] [--threads 32] [--delay 0.05]

Uses DATABASE_URL / REDIS_URL like the tests (SQLite in a temporary folder when unset).
Goal (issue 4): all 1,000 published within 60 s.
"""

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "social"))

from fakenet import FakeNetwork  # noqa: E402
from workerproc import sapa_site, schedule_posts  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.05, help="the fake network's answer time (s)")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    env = {"SAPA_WORKER_THREADS": str(args.threads)}
    with FakeNetwork(delay=args.delay) as net, sapa_site(env=env) as site:
        started = time.monotonic()
        due_iso = schedule_posts(site, net.url, networks=("mastodon",), count=args.variants, delay=0)
        print(f"setup: {args.variants} variants created, checked and scheduled in "
              f"{time.monotonic() - started:.1f} s (database: {site.vendor}, queue: "
              f"{'redis' if 'REDIS_URL' in site.env else 'sqlite'})", flush=True)
        due = datetime.fromisoformat(due_iso)
        worker_start = time.time()
        site.start_worker()
        deadline = time.monotonic() + args.timeout
        published = 0
        while time.monotonic() < deadline:
            published = site.query("SELECT COUNT(*) FROM social_postvariant WHERE state = 'published'")[0][0]
            if published >= args.variants:
                break
            time.sleep(0.25)
        rows = site.query("SELECT state, COUNT(*) FROM social_postvariant GROUP BY state")
        last = site.query("SELECT MAX(published_at) FROM social_postvariant")[0][0]
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        start = max(due.timestamp(), worker_start)
        elapsed = (last.timestamp() - start) if last else float("nan")
        print(f"states: {dict(rows)}")
        print(f"fake network: {len(net.statuses)} statuses for {args.variants} variants "
              f"({'one each' if len(net.statuses) == args.variants else 'MISMATCH'})")
        print(f"published {published} variants in {elapsed:.1f} s after they were due and the worker "
              f"started: {published / elapsed:.1f} variants/s with {args.threads} worker threads and a "
              f"{args.delay * 1000:.0f} ms network")
        ok = published == args.variants and len(net.statuses) == args.variants and elapsed <= 60
        print("RESULT: " + ("PASS (within 60 s)" if ok else "FAIL"))
        if not ok:
            print(site.log()[-3000:])
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
