"""Sapa through a real PgBouncer in transaction mode (issue 14, item 6).

PgBouncer (Debian's package) is started on a free port in front of the suite's
PostgreSQL, with a server pool smaller than the web process's own pool, and in
transaction mode: a client's next transaction may run on another server
connection. The real server (granian, as `sapa run` serves) then takes a
registration rush with SAPA_DB_PGBOUNCER=1: every attempt answered, the quota
exact. Without SAPA_DB_PGBOUNCER psycopg would prepare statements on one server
connection and run them on another ("prepared statement ... does not exist").
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import pytest
from serverproc import api_body, create_event, free_port, person, sapa_server, snapshot

PG_URL = os.environ.get("DATABASE_URL", "")
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL.startswith(("postgres", "pgsql")), reason="PostgreSQL run only"),
]


def _start_pgbouncer(tmp: Path, pg: str) -> tuple[subprocess.Popen, int]:
    target = urlparse(pg)
    port = free_port()
    run_as = ""
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: it drops to an unprivileged user
        import pwd

        for name in ("postgres", "nobody"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                continue
            run_as = f"user = {name}\n"
            tmp.chmod(0o777)
            break
    (tmp / "pgbouncer.ini").write_text(f"""
[databases]
* = host={target.hostname or '127.0.0.1'} port={target.port or 5432} user={target.username or 'postgres'}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = 4
max_client_conn = 400
ignore_startup_parameters = extra_float_digits,options
logfile = {tmp / 'pgbouncer.log'}
pidfile = {tmp / 'pgbouncer.pid'}
{run_as}""")
    proc = subprocess.Popen([PGBOUNCER, str(tmp / "pgbouncer.ini")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT, start_new_session=True)
    import psycopg

    deadline = time.monotonic() + 15
    while True:
        try:
            psycopg.connect(host="127.0.0.1", port=port, user=target.username or "postgres",
                            dbname="postgres", connect_timeout=2).close()
            return proc, port
        except psycopg.OperationalError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("PgBouncer did not start: " + (tmp / "pgbouncer.log").read_text()[-2000:]) from None
            time.sleep(0.2)


@pytest.mark.skipif(not Path(PGBOUNCER).exists(), reason="pgbouncer is not installed (apt-get install pgbouncer)")
def test_registration_rush_through_pgbouncer_in_transaction_mode():
    with tempfile.TemporaryDirectory(prefix="sapa-pgbouncer-") as tmp:
        bouncer, port = _start_pgbouncer(Path(tmp), PG_URL)
        try:
            through = urlunparse(urlparse(PG_URL)._replace(netloc=f"{urlparse(PG_URL).username or 'postgres'}"
                                                                  f"@127.0.0.1:{port}"))
            env = {"SAPA_DB_PGBOUNCER": "1", "SAPA_WEB_WORKERS": "2", "SAPA_DB_POOL_SIZE": "6"}
            with sapa_server(database_url=through, env=env) as server:
                event = create_event(server, capacity=30)
                api = f"/api/v1/events/{event['slug']}/registrations"
                statuses: list[int | str] = []
                lock = threading.Lock()

                def attempt(n: int):
                    try:
                        with httpx.Client(base_url=server.url, timeout=60) as client:
                            code = client.post(api, json=api_body(event, person(event, n))).status_code
                    except httpx.HTTPError as exc:
                        code = type(exc).__name__
                    with lock:
                        statuses.append(code)

                threads = [threading.Thread(target=attempt, args=(n,)) for n in range(80)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(120)
                db = snapshot(server, event["slug"])
                log = server.log()
        finally:
            bouncer.terminate()
            bouncer.wait(10)
    counts = Counter(statuses)
    assert set(counts) <= {202}, (counts, log[-2000:])
    assert db["by_status"] == {"confirmed": 30, "waitlisted": 50}
    assert db["duplicates"] == []
