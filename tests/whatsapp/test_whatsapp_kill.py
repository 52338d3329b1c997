"""The kill test: a worker killed after the Cloud API took the message, before Sapa wrote it down.

A real `sapa worker` sends two template messages to a local fake Cloud API that records each
and holds its answer. The test kills the worker with SIGKILL then, starts a new one, and checks:

- the message whose status the webhook then reports (Meta sends "sent" with the row's
  biz_opaque_callback_data) is recorded as sent, with WhatsApp's message id;
- the one nobody heard of ends "check by hand" once the lease runs out;
- the API received each message ONCE: neither was sent again.
"""

import signal
import sys
import time
from pathlib import Path

import pytest
from fakeapi import FakeCloudAPI

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "social"))

from workerproc import sapa_site  # noqa: E402

pytestmark = pytest.mark.slow

LEASE = 5

SETUP = """
from django.db import transaction
from sapa.events import services as events
from sapa.events.models import Event
from sapa.libraries.models import Library
from sapa.whatsapp import services
from datetime import timedelta
from django.utils import timezone
library = Library.objects.create(slug="perpus-a", name="Perpustakaan A")
services.save_account(library, phone_number_id="1100000000", business_account_id="2200000000",
                      access_token="EAAG-token", app_secret="app-secret")
now = timezone.now()
event = Event.objects.create(library=library, slug="kelas", title="Kelas Menulis", capacity=10,
    starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2),
    meeting_url="https://zoom.us/j/1", registration_opens_at=now - timedelta(days=1))
events.create_default_categories(event)
for n in range(2):
    with transaction.atomic():
        r = events.register(event, name=f"Peserta {n}", email=f"p{n}@example.org",
                            whatsapp=f"+628120000000{n}", category=event.categories.first(), consent=True).registration
        services.give_consent(r)
"""

WEBHOOK = """
import hashlib, hmac, json, time
from sapa.whatsapp import services
from sapa.whatsapp.models import Account, Message
account = Account.objects.get()
message = Message.objects.get(to="{to}")
body = json.dumps({{"object": "whatsapp_business_account", "entry": [{{"id": "2200000000", "changes": [{{
    "field": "messages", "value": {{"messaging_product": "whatsapp",
    "metadata": {{"display_phone_number": "628110000000", "phone_number_id": "1100000000"}},
    "statuses": [{{"id": "{wamid}", "status": "sent", "timestamp": str(int(time.time())),
                   "recipient_id": "{to}".lstrip("+"), "biz_opaque_callback_data": message.key}}]}}}}]}}]}}).encode()
sig = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
print(services.handle_webhook(account, body, sig))
"""


def _rows(site):
    return {to: (state, wamid) for to, state, wamid in site.query('SELECT "to", state, wamid FROM whatsapp_message')}


def _wait(predicate, timeout, what, site):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{site.log()[-4000:]}"
                         f"\n--- worker2 log ---\n{site.log('worker2.log')[-4000:]}")


def test_killed_worker_never_sends_twice():
    with FakeCloudAPI() as api:
        env = {"SAPA_WHATSAPP_API_URL": api.url, "SAPA_WHATSAPP_LEASE": str(LEASE),
               "SAPA_WORKER_THREADS": "4", "SAPA_ENCRYPTION_KEY": "kill-test-passphrase"}
        with sapa_site(env=env) as site:
            api.stall.set()
            site.python(SETUP)
            worker = site.start_worker()
            # The API has taken both messages and holds its answers.
            _wait(lambda: len(api.sent) == 2, 60, "both messages", site)
            assert {s for s, _ in _rows(site).values()} == {"sending"}
            site.kill(worker, signal.SIGKILL)
            api.stall.clear()
            api.release.set()
            assert {s for s, _ in _rows(site).values()} == {"sending"}

            # Meta reports the first message sent; nothing is heard of the second.
            first = next(m for m in api.sent if m["to"] == "6281200000000")
            site.python(WEBHOOK.format(to="+6281200000000", wamid=first["id"]))
            site.start_worker("worker2.log")
            _wait(lambda: _rows(site)["+6281200000001"][0] == "uncertain", LEASE + 40, "the sweep", site)
            rows = _rows(site)
            assert rows["+6281200000000"] == ("sent", first["id"])
            assert rows["+6281200000001"] == ("uncertain", "")
            time.sleep(2)
            # One request per message, not two.
            assert len(api.sends) == 2
            assert sorted(m["to"] for m in api.sent) == ["6281200000000", "6281200000001"]
