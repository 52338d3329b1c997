"""Real Sapa servers for the live board: an event with a board, a second server on the same
database (two processes, as granian's workers or two machines are), and SSE readers.

Used by tests/live/test_two_servers.py and bench/live_board.py; runs outside pytest too.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from contextlib import contextmanager

import httpx
from serverproc import ROOT, _server_command, _stop, _wait_healthy, free_port

_CREATE = """
import json
from datetime import timedelta
from django.utils import timezone
from sapa.events.models import Event, EventStatus, Registration
from sapa.libraries.models import Library
from sapa.live.models import Board

library, _ = Library.objects.get_or_create(slug="uji-live", defaults={{"name": "Perpustakaan Uji Live"}})
now = timezone.now()
event = Event.objects.create(library=library, slug={slug!r}, title="Sharing session: uji papan",
                             starts_at=now, ends_at=now + timedelta(hours=2), status=EventStatus.PUBLISHED)
Board.objects.create(event=event, allow_anonymous=True)
people = []
for n in range({people}):
    r = Registration.objects.create(event=event, name=f"Peserta{{n}} Uji", email=f"p{{n}}@contoh.id",
                                    email_normalized=f"p{{n}}@contoh.id", status="confirmed")
    people.append(f"/e/{{event.slug}}/live/masuk/{{r.public_id}}/{{r.manage_token}}/")
print("BOARD=" + json.dumps({{"slug": event.slug, "id": event.pk, "enter": people}}))
"""


def create_board(server, slug: str = "uji-live", people: int = 2) -> dict:
    """An event under way with a board taking anonymous questions, and `people` participants.
    {"slug", "id", "enter": [personal board links]}."""
    out = server.python(_CREATE.format(slug=slug, people=people))
    line = next(x for x in out.splitlines() if x.startswith("BOARD="))
    return json.loads(line[len("BOARD="):])


@contextmanager
def second_server(server, env: dict | None = None):
    """Another server process on `server`'s database, data folder and secret key:
    yields (its URL, its process id)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server_env = {**server.env, **(env or {})}
    with open(server.data_dir / f"server-{port}.log", "wb") as log:
        proc = subprocess.Popen(_server_command(port, server_env), env=server_env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_healthy(url, proc, 60)
            yield url, proc.pid
        finally:
            _stop(proc)


def ask(base_url: str, slug: str, text: str, client: httpx.Client | None = None) -> httpx.Response:
    """Post a question as a browser with JavaScript does (anonymous unless `client` entered)."""
    own = client is None
    client = client or httpx.Client(base_url=base_url, timeout=30)
    try:
        page = client.get(f"/e/{slug}/live/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return client.post(f"/e/{slug}/live/", data={"text": text, "csrfmiddlewaretoken": token},
                           headers={"X-Requested-With": "fetch", "Referer": f"{base_url}/e/{slug}/live/"})
    finally:
        if own:
            client.close()


class SseReader:
    """Read one stream in a thread: `events` holds (monotonic time, {"id", "data"...})."""

    def __init__(self, url: str, headers: dict | None = None, timeout: float = 30):
        self.events: list[tuple[float, dict]] = []
        self.opened = threading.Event()
        self.status = None
        self.error = None
        self._url, self._headers, self._timeout = url, headers or {}, timeout
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            with httpx.stream("GET", self._url, headers=self._headers,
                              timeout=httpx.Timeout(self._timeout, read=self._timeout)) as response:
                self.status = response.status_code
                fields: dict = {}
                for line in response.iter_lines():
                    if not self.opened.is_set():
                        self.opened.set()
                    if self._stop.is_set():
                        return
                    if line == "":
                        if fields:
                            self.events.append((time.monotonic(), fields))
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.strip()
        except Exception as exc:  # noqa: BLE001 - reported by the caller
            self.error = exc
        finally:
            self.opened.set()

    def wait_for(self, predicate, timeout: float) -> tuple[float, dict] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, event in list(self.events):
                if predicate(event):
                    return at, event
            time.sleep(0.01)
        return None

    def close(self):
        self._stop.set()


def question_with(text: str):
    def match(event: dict) -> bool:
        try:
            return json.loads(event.get("data", "{}")).get("q", {}).get("text") == text
        except ValueError:
            return False

    return match
