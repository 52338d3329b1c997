import hashlib
import hmac
import json
import time
from datetime import timedelta

import factories
from django.utils import timezone
from zoom_fake import WEBHOOK_SECRET

from sapa.events import services as event_services
from sapa.events.models import Event


def make_event(library, **fields) -> Event:
    """A week from now, on the minute."""
    starts = (timezone.now() + timedelta(days=7)).replace(microsecond=0, second=0)
    defaults = {"slug": "literasi-digital", "title": "Literasi Digital untuk Pustakawan", "starts_at": starts}
    return factories.make_event(library, **defaults | fields)


def register(event, n, prefix="peserta", capture=None):
    """n registrations through the events service, each with its on_commit jobs run."""
    out = []
    for i in range(n):
        with capture(execute=True):
            out.append(
                event_services.register(
                    event,
                    name=f"Peserta {prefix} {i:03d}",
                    email=f"{prefix}{i:03d}@example.org",
                    consent=True,
                ).registration
            )
    return out


def signed_post(
    client, account, body: bytes, *, timestamp=None, secret=WEBHOOK_SECRET, signature=None
):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    message = b"v0:" + timestamp.encode() + b":" + body
    signature = signature or "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return client.post(
        f"/hooks/zoom/{account.webhook_key}/",
        body,
        content_type="application/json",
        HTTP_X_ZM_REQUEST_TIMESTAMP=timestamp,
        HTTP_X_ZM_SIGNATURE=signature,
    )


def ended(zoom_id):
    return json.dumps(
        {
            "event": "meeting.ended",
            "event_ts": int(time.time() * 1000),
            "payload": {
                "account_id": "lAAAAAAAAAAAAAAAAAAAA",
                "object": {
                    "id": str(zoom_id),
                    "uuid": "4444AAAiAAAAAiAiAiiAii==",
                    "host_id": "x1yCzABCDEfg23HiJKl4mN",
                    "topic": "Literasi Digital",
                    "type": 2,
                    "start_time": "2026-12-10T02:00:00Z",
                    "end_time": "2026-12-10T04:00:00Z",
                    "duration": 120,
                    "timezone": "Asia/Jakarta",
                },
            },
        }
    ).encode()
