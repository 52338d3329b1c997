"""Start the real Sapa server, as `sapa run` does, on a free port and a fresh database.

    from tests.serverproc import sapa_server

    with sapa_server() as server:
        httpx.get(server.url + "/healthz")
        server.python("from sapa.events.models import Event; print(Event.objects.count())")

The server is granian started with `sapa.cli._server_command` (the command
`sapa run` uses), after `sapa migrate` and `sapa collectstatic` against:

- SQLite (DATABASE_URL unset or sqlite://): a file in a fresh temporary SAPA_DATA_DIR;
- PostgreSQL (DATABASE_URL=postgres://...): a fresh database `sapa_race_<random>`
  created on that server and dropped afterwards (the suite's own database and
  pytest-django's test database are left alone).

REDIS_URL is passed on when set (cache, rate limits and the queue on Redis,
under a queue name of its own). The registration bot checks are relaxed for
load (SAPA_REGISTRATION_MIN_SECONDS=0, a rate limit far above the load) unless
`env` says otherwise. The Huey worker is only started with `worker=True`.

Used by tests/events/test_race.py and bench/registration.py; runs outside
pytest too (it needs no fixture).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse, urlunparse

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Far above any load we send: the rate limit still counts (its cost is measured), never refuses.
LOAD_RATE = "1000000/600"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sapa_executable() -> list[str]:
    """The command that runs `sapa` (the venv's script, else `python -m sapa.cli`)."""
    exe = BIN / "sapa"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "sapa.cli"]


@dataclass
class Server:
    url: str
    env: dict
    data_dir: Path
    database_url: str
    vendor: str  # "sqlite" or "postgresql"
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def sapa(self, *args: str, timeout: float = 120) -> str:
        """Run a `sapa` command against the server's database; its stdout (raises on failure)."""
        done = subprocess.run([*sapa_executable(), *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"sapa {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python(self, code: str, timeout: float = 120) -> str:
        """Run Python code in `sapa shell -c` (Django set up, same database); its stdout."""
        return self.sapa("shell", "--no-imports", "-c", code, timeout=timeout)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def query(self, sql: str, params=()) -> list[tuple]:
        """Read the server's database directly (fast: no Django start); `%s` placeholders."""
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.data_dir / "sapa.sqlite3", timeout=30) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()


def _pg_admin_connect(url: str):
    import psycopg

    parsed = urlparse(url)
    admin = urlunparse(parsed._replace(path="/postgres"))
    return psycopg.connect(admin, autocommit=True, connect_timeout=5)


@contextmanager
def fresh_database(base_url: str | None, data_dir: Path) -> Iterator[tuple[str, str]]:
    """(DATABASE_URL, vendor) of a database nobody else uses; dropped afterwards (PostgreSQL)."""
    if not base_url or base_url.startswith("sqlite"):
        yield f"sqlite:///{data_dir / 'sapa.sqlite3'}", "sqlite"
        return
    name = f"sapa_race_{secrets.token_hex(4)}"
    with _pg_admin_connect(base_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunparse(urlparse(base_url)._replace(path=f"/{name}")), "postgresql"
    finally:
        with _pg_admin_connect(base_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_command(port: int, env: dict) -> list[str]:
    """The command `sapa run` serves with, computed under the server's environment."""
    keys = ("SAPA_WEB_WORKERS", "SAPA_WEB_THREADS", "SAPA_SERVER_LOG_LEVEL")
    with mock.patch.dict(os.environ, {k: env[k] for k in keys if k in env}):
        for k in keys:
            if k not in env:
                os.environ.pop(k, None)
        from sapa.cli import _server_command as command

        return command("127.0.0.1", port)


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before answering /healthz")
        try:
            response = httpx.get(url + "/healthz", timeout=2)
            if response.status_code == 200:
                return
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz with 200 in {timeout:.0f} s (last: {last})")


def _stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # granian and its workers: our own process group
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@contextmanager
def sapa_server(
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
    env: dict | None = None,
    worker: bool = False,
    supervised: bool = False,
    through=None,
    startup_timeout: float = 60,
) -> Iterator[Server]:
    """A running Sapa server on 127.0.0.1 and a free port (see the module docstring).

    `supervised`: started as `sapa run` does it in production (the supervisor with the web
    server and the worker under it; `server.process` is the supervisor).
    `through(database_url) -> url`: the URL the server's processes use (a proxy, say);
    `server.database_url` stays the direct one.

    database_url/redis_url default to the DATABASE_URL/REDIS_URL of this process
    (the test suite's configuration). `env` adds or overrides variables (e.g.
    SAPA_WEB_WORKERS, SAPA_REGISTRATION_RATE).
    """
    database_url = os.environ.get("DATABASE_URL", "") if database_url is None else database_url
    redis_url = os.environ.get("REDIS_URL", "") if redis_url is None else redis_url
    with tempfile.TemporaryDirectory(prefix="sapa-server-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(database_url, data_dir) as (db_url, vendor):
            server_env = {k: v for k, v in os.environ.items()
                          if not k.startswith(("PYTEST_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL")}
            server_env.update({
                "DJANGO_SETTINGS_MODULE": "sapa.settings",
                "SAPA_DATA_DIR": str(data_dir),
                "DATABASE_URL": through(db_url) if through else db_url,
                "SAPA_SMTP_URL": "console://",
                "SAPA_REGISTRATION_MIN_SECONDS": "0",
                "SAPA_REGISTRATION_RATE": LOAD_RATE,
                "SAPA_SERVER_LOG_LEVEL": "warning",
                "SAPA_LOG_LEVEL": "WARNING",
            })
            if redis_url:
                server_env["REDIS_URL"] = redis_url
                server_env["SAPA_QUEUE_NAME"] = f"sapa-race-{secrets.token_hex(4)}"
            server_env.update(env or {})
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            server_env.setdefault("SAPA_BASE_URL", url)  # links in emails, QR codes and review links
            server = Server(url=url, env=server_env, data_dir=data_dir, database_url=db_url,
                            vendor=vendor, log_path=data_dir / "server.log")
            # As `sapa run`: migrate and collect the static files (side by side: they are independent).
            collect = subprocess.Popen([*sapa_executable(), "collectstatic", "--no-input", "-v", "0"],
                                       env=server_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
            server.sapa("migrate", "--no-input", "-v", "0", timeout=300)
            _, collect_err = collect.communicate(timeout=120)
            if collect.returncode != 0:
                raise RuntimeError(f"sapa collectstatic failed: {collect_err.decode(errors='replace')}")
            procs: list[subprocess.Popen] = []
            with open(server.log_path, "wb") as log:
                try:
                    command = ([*sapa_executable(), "run"] if supervised
                               else _server_command(port, server_env))
                    run_env = {**server_env, "SAPA_HOST": "127.0.0.1", "SAPA_PORT": str(port)}
                    server.process = subprocess.Popen(
                        command, env=run_env, cwd=ROOT,
                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
                    procs.append(server.process)
                    if worker:
                        procs.append(subprocess.Popen(
                            [*sapa_executable(), "worker"], env=server_env, cwd=ROOT,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
                    try:
                        _wait_healthy(url, server.process, startup_timeout)
                    except RuntimeError as exc:
                        raise RuntimeError(f"{exc}\n--- server log ---\n{server.log()[-3000:]}") from None
                    yield server
                finally:
                    for proc in procs:
                        _stop(proc)


# --- An event to rush, and what the database says afterwards ------------------------------------

_CREATE_EVENT = """
import json
from datetime import timedelta
from django.utils import timezone
from sapa.events.models import Event, EventStatus, Question, QuestionKind, Visibility
from sapa.events.services import create_default_categories
from sapa.libraries.models import Library

library, _ = Library.objects.get_or_create(slug="uji-beban", defaults={{"name": "Perpustakaan Uji Beban"}})
now = timezone.now()
event = Event.objects.create(
    library=library, slug={slug!r}, title="Sharing session: uji beban pendaftaran",
    description="Uji **beban** pendaftaran.", starts_at=now + timedelta(days=7),
    ends_at=now + timedelta(days=7, hours=2), capacity={capacity}, meeting_url="https://meet.jit.si/sapa-uji",
    status=EventStatus.PUBLISHED, visibility=Visibility.PUBLIC,
)
create_default_categories(event)
question = Question.objects.create(event=event, label="Asal kota", kind=QuestionKind.SHORT_TEXT, required=True)
print("EVENT=" + json.dumps({{
    "slug": event.slug, "id": event.pk,
    "categories": list(event.categories.order_by("position").values_list("pk", flat=True)),
    "question": question.pk,
}}))
"""

_SNAPSHOT = """
import json
from django.db.models import Count
from sapa.events.models import Event, Registration
event = Event.objects.get(slug={slug!r})
rows = list(Registration.objects.filter(event=event).values_list("public_id", "status", "email_normalized"))
by_status = {{}}
for _, status, _ in rows:
    by_status[status] = by_status.get(status, 0) + 1
dupes = list(Registration.objects.filter(event=event).values("email_normalized")
             .annotate(n=Count("id")).filter(n__gt=1).values_list("email_normalized", flat=True))
print("SNAPSHOT=" + json.dumps({{
    "capacity": event.capacity, "by_status": by_status, "duplicates": dupes,
    "rows": {{str(p): [s, e] for p, s, e in rows}},
}}))
"""


def _marked(output: str, marker: str):
    import json

    for line in output.splitlines():
        if line.startswith(marker + "="):
            return json.loads(line[len(marker) + 1:])
    raise RuntimeError(f"no {marker}= line in:\n{output}")


def create_event(server: Server, capacity: int, slug: str | None = None) -> dict:
    """A published, open event with `capacity` seats, the default categories and one required
    short-text question. {"slug", "id", "categories": [ids], "question": id}."""
    slug = slug or f"uji-{secrets.token_hex(3)}"
    return _marked(server.python(_CREATE_EVENT.format(slug=slug, capacity=capacity)), "EVENT")


def snapshot(server: Server, slug: str) -> dict:
    """The event's registrations: {"capacity", "by_status": {status: n}, "duplicates":
    [normalized emails on more than one row], "rows": {public_id: [status, email_normalized]}}."""
    return _marked(server.python(_SNAPSHOT.format(slug=slug)), "SNAPSHOT")


_INPUT = r"<input[^>]*\bname=\"{name}\"[^>]*>"


def form_hidden_fields(html: str) -> dict:
    """The CSRF token and the signed timestamp of the registration form, as a browser would send."""
    import re

    fields = {}
    for name in ("csrfmiddlewaretoken", "ts"):
        tag = re.search(_INPUT.format(name=name), html)
        value = re.search(r"\bvalue=\"([^\"]*)\"", tag.group(0)) if tag else None
        if value is None:
            raise ValueError(f"the registration form has no {name} field")
        fields[name] = value.group(1)
    return fields


def form_data(event: dict, person: dict, hidden: dict) -> dict:
    """The form's POST body for one person (see person())."""
    return {
        **hidden, "name": person["name"], "email": person["email"], "whatsapp": person["whatsapp"],
        "institution": person["institution"], "category": str(person["category"]),
        f"q_{event['question']}": person["city"], "consent": "on", "website": "",
        **({"overflow": person["overflow"]} if person.get("overflow") else {}),
    }


def api_body(event: dict, person: dict) -> dict:
    return {
        "name": person["name"], "email": person["email"], "whatsapp": person["whatsapp"],
        "institution": person["institution"], "category": person["category"],
        "answers": {str(event["question"]): person["city"]}, "consent": True,
        **({"overflow": person["overflow"]} if person.get("overflow") else {}),
    }


def person(event: dict, n: int, email: str | None = None) -> dict:
    """The n-th participant of a rush: a valid Indonesian mobile number, one of the categories."""
    return {
        "name": f"Peserta Uji {n}", "email": email or f"peserta{n}@contoh.id",
        "whatsapp": f"0812{n % 10000:04d}{(n // 10000) % 10000:04d}",
        "institution": "Perpustakaan Daerah", "category": event["categories"][n % len(event["categories"])],
        "city": "Bandung",
    }


def done_token_public_id(server: Server, location: str) -> str | None:
    """The registration's public id from the form's redirect (/e/<slug>/terdaftar/?r=<signed>),
    checked with the server's own SECRET_KEY."""
    from urllib.parse import parse_qs

    from django.conf import settings
    from django.core import signing

    if not settings.configured:
        settings.configure()
    token = parse_qs(urlparse(location).query).get("r", [""])[0]
    key = (server.data_dir / "secret_key").read_text().strip()
    try:
        data = signing.loads(token, key=key, salt="sapa.events.registered")
    except signing.BadSignature:
        return None
    return data.get("r")
