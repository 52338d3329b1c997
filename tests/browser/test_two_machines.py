"""Beyond one machine (issue 14, "Must show"): two web servers and two workers share one
PostgreSQL, one Redis and one S3 bucket, as two machines would.

- a registration rush split across both web servers fills the seats exactly;
- a live-board update made through one server reaches screens on both;
- a poster uploaded through one server (staff, in Chromium) shows on the other's public
  page, from the bucket, under the Content-Security-Policy;
- the confirmations go out through a real SMTP server while one worker is stopped with
  SIGTERM and the other killed with SIGKILL mid-batch, and a fresh worker takes over:
  every registrant gets their confirmation, nothing is left "sending", and a message
  delivered twice (the one in flight when SIGKILL hit) carries the same Message-ID, so
  mail clients fold it.

PostgreSQL + Redis only (the SQLite default is one machine by design).
"""

import io
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from PIL import Image

pytest.importorskip("moto")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))

from live_servers import SseReader, ask, create_board, question_with, second_server  # noqa: E402
from serverproc import (  # noqa: E402
    ROOT,
    api_body,
    create_event,
    free_port,
    person,
    sapa_executable,
    sapa_server,
    snapshot,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))
                       or not os.environ.get("REDIS_URL"), reason="PostgreSQL + Redis run only"),
]

SEATS = 40
PEOPLE = 100
STAFF = ("staf@perpus-dua.test", "kata-sandi-uji-2-mesin")


class SlowInbox:
    """An aiosmtpd handler that takes 50 ms a message, so a batch is still going when we kill."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        import asyncio
        import email
        import email.policy

        await asyncio.sleep(0.05)
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _address(message) -> str:
    from email.utils import parseaddr

    return parseaddr(str(message["To"]))[1].lower()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (30, 90, 160)).save(out, "JPEG")
    return out.getvalue()


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what}")


def _logs(server) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-1500:]}"
                     for p in sorted(server.data_dir.glob("worker-*.log")))


_STAFF = """
from sapa.libraries.models import Library, Membership, Role
from django.contrib.auth import get_user_model
from sapa.events.models import Event
event = Event.objects.get(slug={slug!r})
user = get_user_model().objects.create_user(email={email!r}, password={password!r})
Membership.objects.create(user=user, library=event.library, role=Role.ADMIN)
print("LIB=" + event.library.slug)
"""

_OUTBOX = """
from collections import Counter
from pathlib import Path
from sapa.mail.models import Email
print("STATES=" + repr(dict(Counter(Email.objects.values_list("state", flat=True)))))
"""


def test_two_web_servers_and_two_workers_share_one_site(browser, tmp_path):
    import boto3
    from aiosmtpd.controller import Controller
    from moto.server import ThreadedMotoServer

    s3_port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    s3.start()
    endpoint = f"http://127.0.0.1:{s3_port}"
    bucket = f"sapa-{secrets.token_hex(4)}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket=bucket)
    inbox = SlowInbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        "SAPA_WEB_WORKERS": "1", "SAPA_WORKER_THREADS": "4",
        "SAPA_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}",
        "SAPA_S3_BUCKET": bucket, "SAPA_S3_ENDPOINT_URL": endpoint, "SAPA_S3_REGION": "us-east-1",
        "SAPA_S3_ACCESS_KEY_ID": "test", "SAPA_S3_SECRET_ACCESS_KEY": "test",
    }
    workers: list[subprocess.Popen] = []
    try:
        with sapa_server(env=env) as server_a, second_server(server_a) as (url_b, _pid_b):
            urls = [server_a.url, url_b]
            event = create_event(server_a, capacity=SEATS)

            # 1. The rush, split across both servers; no worker runs yet (emails wait in the outbox).
            statuses = []
            lock = threading.Lock()

            def register(n: int):
                with httpx.Client(base_url=urls[n % 2], timeout=60) as client:
                    code = client.post(f"/api/v1/events/{event['slug']}/registrations",
                                       json=api_body(event, person(event, n))).status_code
                with lock:
                    statuses.append(code)

            threads = [threading.Thread(target=register, args=(n,)) for n in range(PEOPLE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            assert Counter(statuses) == Counter({202: PEOPLE}), Counter(statuses)
            db = snapshot(server_a, event["slug"])
            assert db["by_status"] == {"confirmed": SEATS, "waitlisted": PEOPLE - SEATS}
            assert db["duplicates"] == []

            # 2. Two workers send the confirmations; one is stopped, one is killed mid-batch.
            def start_worker():
                log = open(server_a.data_dir / f"worker-{len(workers)}.log", "wb")  # noqa: SIM115
                workers.append(subprocess.Popen([*sapa_executable(), "worker"], env=server_a.env, cwd=ROOT,
                                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
                return workers[-1]

            first, second = start_worker(), start_worker()
            _wait(lambda: len(inbox.messages) >= 10, 90, "the first confirmations")
            first.send_signal(signal.SIGTERM)
            assert first.wait(70) == 0 or first.returncode == -signal.SIGTERM
            _wait(lambda: len(inbox.messages) >= 30, 90, "more confirmations")
            second.send_signal(signal.SIGKILL)
            second.wait(10)
            start_worker()  # a fresh worker takes over what the killed one held
            recipients = {person(event, n)["email"].lower() for n in range(PEOPLE)}

            def delivered():
                with inbox.lock:
                    return {_address(m) for m in inbox.messages}

            _wait(lambda: recipients <= delivered(), 240,
                  lambda: f"every registrant's confirmation: {len(recipients - delivered())} missing; "
                          f"outbox {server_a.python(_OUTBOX).strip()}; {_logs(server_a)}")
            _wait(lambda: "'sending'" not in server_a.python(_OUTBOX), 120, "no email left sending")
            states = server_a.python(_OUTBOX)
            assert "uncertain" not in states and "failed" not in states, states
            with inbox.lock:
                by_person = Counter(_address(m) for m in inbox.messages)
                ids = {}
                for message in inbox.messages:
                    ids.setdefault(_address(message), set()).add(message["Message-ID"])
            twice = [who for who, n in by_person.items() if n > 1]
            # Only what was in flight when SIGKILL hit may come twice, and then as the same message.
            assert len(twice) <= 4, by_person
            assert all(len(ids[who]) == 1 for who in twice), {who: ids[who] for who in twice}

            # 3. A live update made through one server reaches screens on both.
            board = create_board(server_a, slug=f"papan-{secrets.token_hex(3)}", people=1)
            readers = [SseReader(f"{u}/e/{board['slug']}/live/stream/") for u in urls]
            for reader in readers:
                assert reader.opened.wait(30) and reader.status == 200
            assert ask(url_b, board["slug"], "Dari mesin kedua").status_code == 201
            for reader in readers:
                assert reader.wait_for(question_with("Dari mesin kedua"), 10), "an update did not arrive"
                reader.close()

            # 4. A poster uploaded through server A (staff, Chromium) shows on server B's public page.
            lib = server_a.python(_STAFF.format(slug=event["slug"], email=STAFF[0], password=STAFF[1]))
            library = lib.strip().split("LIB=", 1)[1].splitlines()[0]
            poster = tmp_path / "poster.jpg"
            poster.write_bytes(_jpeg())
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
            context.set_default_timeout(20_000)
            page = context.new_page()
            page.goto(server_a.url + "/accounts/login/")
            page.fill("input[name=email]", STAFF[0])
            page.fill("input[name=password]", STAFF[1])
            page.locator("form:has(input[name=password]) button[type=submit]").click()
            page.wait_for_load_state()
            page.goto(f"{server_a.url}/staff/{library}/events/{event['id']}/edit/")
            assert page.locator("input[name=poster]").count() == 1, (page.url, page.content()[:2000])
            page.set_input_files("input[name=poster]", str(poster))
            page.locator("form:has(input[name=poster]) button[type=submit]").first.click()
            page.wait_for_load_state()
            blocked = []
            public = context.new_page()
            public.on("console", lambda msg: blocked.append(msg.text) if "Content Security" in msg.text else None)
            public.goto(f"{url_b}/e/{event['slug']}/")
            image = public.locator("img.poster")
            src = image.get_attribute("src")
            assert src and src.startswith(f"{endpoint}/{bucket}/events/posters/"), src
            assert "Signature" not in src
            public.wait_for_function("() => document.querySelector('img.poster').complete")  # a function: no eval under the page's CSP
            assert public.evaluate("document.querySelector('img.poster').naturalWidth") == 320
            assert not blocked, blocked
            context.close()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(10)
        smtp.stop()
        s3.stop()
