#!/usr/bin/env python3
"""Benchmark: 1,000 queued WhatsApp template messages, sent by the real worker.

A local fake Cloud API (tests/whatsapp/fakeapi.py) answers every request after 50 ms. 1,000
people register for an event and tick the WhatsApp opt-in (each registration queues one
template message in its transaction, as the web form does); then `sapa worker` starts with
SAPA_WORKER_THREADS threads and sends them. Printed: the time from the worker's start to the
last message accepted, the rate, and the number of requests the fake API received (it must be
exactly one per message).

    .venv/bin/python bench/whatsapp.py [--messages 1000] [--threads 16] [--delay 0.05]

Uses DATABASE_URL / REDIS_URL like the tests (SQLite in a temporary folder when unset).
Goal (issue 17): all 1,000 sent within 30 s with exactly 1,000 requests.
"""

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "social"))
sys.path.insert(0, str(ROOT / "tests" / "whatsapp"))

from fakeapi import FakeCloudAPI  # noqa: E402
from workerproc import sapa_site  # noqa: E402

SETUP = """
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from sapa.events import services as events
from sapa.events.models import Event
from sapa.libraries.models import Library
from sapa.whatsapp import services
library = Library.objects.create(slug="perpus-a", name="Perpustakaan A")
services.save_account(library, phone_number_id="1100000000", business_account_id="2200000000",
                      access_token="EAAG-token", app_secret="app-secret", daily_budget={count})
now = timezone.now()
event = Event.objects.create(library=library, slug="webinar", title="Webinar Literasi", capacity={count},
    starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
    meeting_url="https://zoom.us/j/1", registration_opens_at=now - timedelta(days=1))
events.create_default_categories(event)
category = event.categories.first()
for n in range({count}):
    with transaction.atomic():
        r = events.register(event, name=f"Peserta {{n}}", email=f"p{{n}}@example.org",
                            whatsapp=f"+62812{{n:08d}}", category=category, consent=True).registration
        services.give_consent(r)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.05, help="the fake API's answer time (s)")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    with FakeCloudAPI(delay=args.delay) as api:
        env = {"SAPA_WORKER_THREADS": str(args.threads), "SAPA_WHATSAPP_API_URL": api.url,
               "SAPA_ENCRYPTION_KEY": "bench-passphrase"}
        with sapa_site(env=env) as site:
            started = time.monotonic()
            site.python(SETUP.format(count=args.messages), timeout=600)
            queued = site.query("SELECT COUNT(*) FROM whatsapp_message WHERE state = 'queued'")[0][0]
            print(f"setup: {args.messages} registrations with the opt-in, {queued} messages queued in "
                  f"{time.monotonic() - started:.1f} s (database: {site.vendor}, queue: "
                  f"{'redis' if 'REDIS_URL' in site.env else 'sqlite'})", flush=True)
            worker_start = time.time()
            site.start_worker()
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                done = site.query("SELECT COUNT(*) FROM whatsapp_message WHERE state = 'accepted'")[0][0]
                if done >= args.messages:
                    break
                time.sleep(0.25)
            rows = dict(site.query("SELECT state, COUNT(*) FROM whatsapp_message GROUP BY state"))
            last = site.query("SELECT MAX(sent_at) FROM whatsapp_message")[0][0]
            if isinstance(last, str):
                last = datetime.fromisoformat(last)
            elapsed = (last.timestamp() - worker_start) if last else float("nan")
            requests = len(api.sends)
            distinct = len({r[3]["biz_opaque_callback_data"] for r in api.sends})
            print(f"states: {rows}")
            print(f"sent: {rows.get('accepted', 0)} of {args.messages} in {elapsed:.1f} s from the worker's start "
                  f"({rows.get('accepted', 0) / elapsed if elapsed else 0:.0f}/s, {args.threads} threads, "
                  f"API answering in {args.delay * 1000:.0f} ms)")
            print(f"requests to the API: {requests} ({distinct} distinct messages)")
            ok = rows.get("accepted", 0) == args.messages and requests == args.messages and elapsed < 30
            print("goal (all sent in < 30 s, exactly one request each):", "MET" if ok else "NOT MET")
            return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
