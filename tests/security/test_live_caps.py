"""Issue 11, item 7: live-board streams are capped per client address and per event, not
only per process, so one visitor cannot take every stream and one library's event cannot
starve another's. Real concurrent Server-Sent Events connections against a real server.

The server trusts one proxy (SAPA_TRUSTED_PROXIES=1), so X-Forwarded-For tells the
visitors apart as a reverse proxy in front of Sapa would.
"""

import json
import threading

import httpx
import pytest
from serverproc import sapa_server

PROCESS, PER_EVENT, PER_ADDRESS = 12, 8, 5

_CREATE = """
import json
from datetime import timedelta
from django.utils import timezone
from sapa.events.models import Event, EventStatus
from sapa.libraries.models import Library
from sapa.live.models import Board

now = timezone.now()
slugs = []
for n in (1, 2):
    library = Library.objects.create(slug=f"perpus-{n}", name=f"Perpustakaan {n}")
    event = Event.objects.create(library=library, slug=f"papan-{n}", title=f"Sharing session {n}",
                                 starts_at=now, ends_at=now + timedelta(hours=2), status=EventStatus.PUBLISHED)
    Board.objects.create(event=event, allow_anonymous=True)
    slugs.append(event.slug)
print("SLUGS=" + json.dumps(slugs))
"""


class Stream:
    """One stream held open in a thread until close(): its status, and its body when refused."""

    def __init__(self, url: str, address: str, start: threading.Barrier | None = None):
        self.status, self.body, self.retry_after = None, "", None
        self.ready, self._stop = threading.Event(), threading.Event()
        self._args = (url, address, start)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        url, address, start = self._args
        try:
            if start is not None:
                start.wait(10)
            with httpx.stream(
                "GET", url, headers={"X-Forwarded-For": address}, timeout=30
            ) as response:
                self.status = response.status_code
                self.retry_after = response.headers.get("retry-after")
                if response.status_code != 200:
                    self.body = response.read().decode()
                    return
                next(response.iter_bytes())  # the stream's first bytes: it is open
                self.ready.set()
                self._stop.wait(60)
        except Exception as exc:  # noqa: BLE001 - shown by the assertion
            self.body = f"{type(exc).__name__}: {exc}"
        finally:
            self.ready.set()

    def close(self):
        self._stop.set()


def _open(url, addresses, together=False) -> list[Stream]:
    start = threading.Barrier(len(addresses)) if together else None
    streams = [Stream(url, address, start) for address in addresses]
    for stream in streams:
        assert stream.ready.wait(30)
    return streams


@pytest.mark.slow
def test_one_address_and_one_event_cannot_take_every_stream():
    env = {
        "SAPA_WEB_WORKERS": "1",
        "SAPA_TRUSTED_PROXIES": "1",
        "SAPA_LIVE_STREAMS": str(PROCESS),
        "SAPA_LIVE_STREAMS_PER_EVENT": str(PER_EVENT),
        "SAPA_LIVE_STREAMS_PER_ADDRESS": str(PER_ADDRESS),
    }
    held = []
    with sapa_server(env=env) as server:
        out = server.python(_CREATE)
        first, second = json.loads(next(x for x in out.splitlines() if x.startswith("SLUGS="))[6:])
        board_1 = f"{server.url}/e/{first}/live/stream/"
        board_2 = f"{server.url}/e/{second}/live/stream/"
        try:
            # One visitor opens six streams at once: five are theirs, the sixth is refused.
            rush = _open(board_1, ["198.51.100.1"] * (PER_ADDRESS + 1), together=True)
            held += rush
            statuses = sorted(s.status for s in rush)
            assert statuses == [200] * PER_ADDRESS + [429], [(s.status, s.body) for s in rush]
            refused = next(s for s in rush if s.status == 429)
            assert "Terlalu banyak" in refused.body and refused.retry_after

            # Others fill the first event up to its cap; the next one is told the board is full.
            fill = _open(
                board_1, [f"198.51.100.{n}" for n in range(2, 2 + PER_EVENT - PER_ADDRESS)]
            )
            held += fill
            assert all(s.status == 200 for s in fill), [(s.status, s.body) for s in fill]
            (full,) = _open(board_1, ["198.51.100.50"])
            held.append(full)
            assert full.status == 503 and "papan ini" in full.body.lower(), full.body

            # The other library's event still gets streams, up to the process's own cap.
            others = _open(board_2, [f"203.0.113.{n}" for n in range(1, 1 + PROCESS - PER_EVENT)])
            held += others
            assert all(s.status == 200 for s in others), [(s.status, s.body) for s in others]
            (busy,) = _open(board_2, ["203.0.113.99"])
            held.append(busy)
            assert busy.status == 503 and "server" in busy.body.lower(), busy.body
            assert "Traceback" not in server.log()
        finally:
            for stream in held:
                stream.close()


def test_a_full_audience_does_not_lock_out_the_moderators_screen(
    transactional_db, library, make_user, settings
):
    """The staff stream (moderator, presenter) is not held to the per-event cap."""
    from datetime import timedelta

    from django.test import Client
    from factories import make_event
    from testkit import member

    from sapa.libraries.models import Role
    from sapa.live.models import Board

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SAPA_LIVE_STREAMS_PER_EVENT = 1
    settings.SAPA_LIVE_STREAM_SECONDS = 0.3
    event = make_event(library, slug="papan", title="Sharing session", starts_at=timedelta(0), categories=False)
    Board.objects.create(event=event, allow_anonymous=True)
    audience = Client().get(f"/e/{event.slug}/live/stream/")
    assert audience.status_code == 200
    refused = Client().get(f"/e/{event.slug}/live/stream/")
    assert refused.status_code == 503 and "papan ini" in refused.content.decode().lower()
    moderator = member(make_user, library, Role.STAFF).get(
        f"/staff/{library.slug}/events/{event.pk}/live/stream/"
    )
    assert moderator.status_code == 200
    for response in (audience, moderator):
        b"".join(
            response.streaming_content
        )  # the streams end (SAPA_LIVE_STREAM_SECONDS) and free their places
