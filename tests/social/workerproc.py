"""A real `sapa worker` on a fresh database, for the kill test and bench/social_publish.py.

    with sapa_site(env={...}) as site:
        site.python("...")            # `sapa shell -c` against the site's database
        worker = site.start_worker()
        os.killpg(worker.pid, signal.SIGKILL)
        site.query("SELECT state FROM social_postvariant")

SQLite (a file in a fresh SAPA_DATA_DIR) unless DATABASE_URL names PostgreSQL,
then a fresh database on that server, dropped afterwards; REDIS_URL is passed
on with a queue name of its own.
"""

from __future__ import annotations

import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))

from serverproc import ROOT, fresh_database, sapa_executable  # noqa: E402


@dataclass
class Site:
    env: dict
    data_dir: Path
    database_url: str
    vendor: str
    workers: list[subprocess.Popen] = field(default_factory=list)

    def sapa(self, *args: str, timeout: float = 180) -> str:
        done = subprocess.run([*sapa_executable(), *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"sapa {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str, timeout: float = 180) -> str:
        return self.sapa("shell", "--no-imports", "-c", code, timeout=timeout)

    def start_worker(self, log_name: str = "worker.log") -> subprocess.Popen:
        log = open(self.data_dir / log_name, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([*sapa_executable(), "worker"], env=self.env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self.workers.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen, sig=signal.SIGKILL) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
        proc.wait(15)

    def log(self, name: str = "worker.log") -> str:
        try:
            return (self.data_dir / name).read_text(errors="replace")
        except OSError:
            return ""

    def query(self, sql: str, params=()) -> list[tuple]:
        """Read the site's database directly (fast: no Django start)."""
        if self.vendor == "sqlite":
            with sqlite3.connect(self.data_dir / "sapa.sqlite3", timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()


@contextmanager
def sapa_site(env: dict | None = None) -> Iterator[Site]:
    """A migrated, empty Sapa database and its environment (no server started)."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    with tempfile.TemporaryDirectory(prefix="sapa-social-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(database_url, data_dir) as (db_url, vendor):
            site_env = {k: v for k, v in os.environ.items()
                        if not k.startswith(("PYTEST_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")}
            site_env.update({
                "DJANGO_SETTINGS_MODULE": "sapa.settings", "SAPA_DATA_DIR": str(data_dir),
                "DATABASE_URL": db_url, "SAPA_SMTP_URL": "console://", "SAPA_LOG_LEVEL": "WARNING",
                "SAPA_BASE_URL": "http://127.0.0.1:9",
                # The fake networks listen on 127.0.0.1, which Sapa reaches only when allowed.
                "SAPA_OUTBOUND_ALLOW": "127.0.0.0/8",
            })
            if redis_url:
                site_env["REDIS_URL"] = redis_url
                site_env["SAPA_QUEUE_NAME"] = f"sapa-social-{secrets.token_hex(4)}"
            site_env.update(env or {})
            site = Site(env=site_env, data_dir=data_dir, database_url=db_url, vendor=vendor)
            site.sapa("migrate", "--no-input", "-v", "0", timeout=300)
            try:
                yield site
            finally:
                for proc in site.workers:
                    if proc.poll() is None:
                        try:
                            os.killpg(proc.pid, signal.SIGTERM)
                            proc.wait(10)
                        except (ProcessLookupError, subprocess.TimeoutExpired):
                            os.killpg(proc.pid, signal.SIGKILL)
                            proc.wait(5)
                if redis_url:
                    _drop_queue(redis_url, site_env["SAPA_QUEUE_NAME"])


def _drop_queue(redis_url: str, name: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"huey.*{name}*"):
            client.delete(key)
    except Exception:  # noqa: BLE001 - best effort
        pass


SETUP = """
from datetime import timedelta
from django.utils import timezone
from sapa.libraries.models import Library, Membership, Role, User
from sapa.social import services, workflow
from sapa.social.models import Network

library, _ = Library.objects.get_or_create(slug="uji-sosmed", defaults={{"name": "Perpustakaan Uji"}})
admin = User.objects.filter(email="admin@uji.id").first() or User.objects.create_user("admin@uji.id", "x")
Membership.objects.get_or_create(user=admin, library=library, defaults={{"role": Role.ADMIN}})
channels = {{}}
for network, creds, account in {channels!r}:
    channels[network] = services.create_channel(
        library, network=network, name=network, by=admin, credentials=creds, account_id=account,
        handle="perpus", server_url={server!r})
at = timezone.now() + timedelta(seconds={delay})
for n in range({count}):
    for network in channels:
        post = services.create_post(library, by=admin, title=f"Post {{n}}")
        variant = services.add_variant(post, channels[network], by=admin, text=f"Kabar perpustakaan nomor {{n}}",
                                       scheduled_at=at)
        workflow.approve(post, by=admin)
        variant.refresh_from_db()
        workflow.schedule(variant, by=admin)
print("SCHEDULED_AT=" + at.isoformat())
"""


def schedule_posts(site: Site, server_url: str, *, networks=("mastodon",), count: int = 1,
                   delay: float = 3) -> str:
    """Create a library, channels on the fake network and `count` scheduled posts per channel."""
    creds = {"mastodon": ({"access_token": "masto-token"}, "1"),
             "telegram": ({"bot_token": "123:ABC"}, "@perpus")}
    channels = [(n, creds[n][0], creds[n][1]) for n in networks]
    out = site.python(SETUP.format(channels=channels, server=server_url, delay=delay, count=count))
    return next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("SCHEDULED_AT="))
