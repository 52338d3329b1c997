"""PostgreSQL stopped for a few seconds under `sapa run`, then back (issue 12): the database
is reached through a proxy the test cuts. While it is gone, pages that need it answer 503
(never 500) and /healthz says so; once it is back, without a restart, registrations are
saved, the worker beats again and every saved registration's confirmation is delivered."""

import os
import threading
import time
from urllib.parse import urlparse, urlunparse

import httpx
import pytest
from conftest import TcpProxy, register, wait_for, worker_pids
from serverproc import create_event, sapa_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="PostgreSQL only (DATABASE_URL=postgres://...)",
    ),
]

OUTAGE = 5


def test_postgres_cut_and_restored(inbox):
    base = urlparse(os.environ["DATABASE_URL"])
    proxy = TcpProxy(base.hostname or "127.0.0.1", base.port or 5432).start()

    def through(url):
        parsed = urlparse(url)
        return urlunparse(
            parsed._replace(netloc=f"{parsed.username or 'postgres'}@127.0.0.1:{proxy.port}")
        )

    env = {"SAPA_SMTP_URL": inbox.url, "SAPA_WORKER_HEARTBEAT": "1", "SAPA_WEB_WORKERS": "1"}
    try:
        with sapa_server(supervised=True, through=through, env=env) as server:
            event = create_event(server, capacity=100)
            assert register(server, event, 0).status_code == 302
            (worker,) = wait_for(lambda: worker_pids(server), 30, "the worker", server)

            proxy.cut()
            # People register while it is gone: each request waits for a connection (the
            # pool's 30 s), and is answered when it comes back, or 503.
            during: dict[int, int] = {}

            def attempt(n):
                try:
                    during[n] = register(server, event, n, timeout=60).status_code
                except httpx.HTTPError as exc:
                    during[n] = repr(exc)

            threads = [threading.Thread(target=attempt, args=(n,)) for n in range(1, 4)]
            for thread in threads:
                thread.start()
            try:
                health = httpx.get(server.url + "/healthz", timeout=3)
                health_during = health.status_code
                assert health_during == 503 and health.json()["checks"]["database"] == {"ok": False, "error": "unavailable"}
            except httpx.ReadTimeout:
                health_during = "no answer in 3 s"  # a monitor's timeout says "down" as well
            time.sleep(OUTAGE)
            proxy.restore()
            restored_at = time.monotonic()
            wait_for(
                lambda: httpx.get(server.url + "/healthz", timeout=30).status_code == 200,
                30,
                "healthz 200",
                server,
            )
            healthy_after = time.monotonic() - restored_at
            for thread in threads:
                thread.join(60)
            assert set(during.values()) <= {302, 503}, during
            first = len(during) + 1
            after = [register(server, event, n).status_code for n in range(first, first + 3)]
            assert after == [302] * 3
            rows = {
                e
                for (e,) in server.query(
                    "SELECT email FROM events_registration WHERE event_id = %s", (event["id"],)
                )
            }
            saved_during = {f"peserta{n}@contoh.id" for n, s in during.items() if s == 302}
            assert saved_during <= rows
            wait_for(lambda: rows <= inbox.recipients(), 60, "every confirmation", server)
            beat = server.query("SELECT MAX(seen_at) FROM core_workerbeat")[0][0]
            assert worker_pids(server) == {worker}  # the same worker, beating again
            assert (server.query("SELECT NOW()")[0][0] - beat).total_seconds() < 5
            print(
                f"\nPostgreSQL cut {OUTAGE} s: registrations meanwhile answered {during}, "
                f"healthz {health_during}; back: healthz 200 after {healthy_after:.1f} s, {len(rows)} confirmations "
                f"delivered {time.monotonic() - restored_at:.1f} s after"
            )
    finally:
        proxy.cut()
