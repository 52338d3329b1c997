"""Helpers of the WhatsApp tests: registrations that opted in, signed webhook bodies."""

import hashlib
import hmac
import json
import time

from public_helpers import make_event

from sapa.events import services as events
from sapa.whatsapp import services

APP_SECRET = "app-secret-of-perpus-a"


def opted_in(event, email="siti@example.org", whatsapp="+6281234567890", language="id"):
    """Register someone who ticked the WhatsApp box (as the form does, in one transaction)."""
    from django.db import transaction

    with transaction.atomic():
        registration = events.register(event, name="Siti Rahmawati", email=email, whatsapp=whatsapp,
                                       category=event.categories.first(), consent=True,
                                       language=language).registration
        services.give_consent(registration)
    return registration


def signed(body: dict | bytes, secret: str = APP_SECRET) -> tuple[bytes, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw, "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def status_payload(statuses, waba="2200000000", phone_number_id="1100000000", messages=None) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "628110000000", "phone_number_id": phone_number_id}}
    if statuses:
        value["statuses"] = statuses
    if messages:
        value["messages"] = messages
    return {"object": "whatsapp_business_account",
            "entry": [{"id": waba, "changes": [{"value": value, "field": "messages"}]}]}


def status(message, state, **extra) -> dict:
    item = {"id": message.wamid or "wamid.unknown", "status": state, "timestamp": str(int(time.time())),
            "recipient_id": message.to.lstrip("+"), "biz_opaque_callback_data": message.key}
    item.update(extra)
    return item


__all__ = ["make_event", "opted_in", "signed", "status_payload", "status"]
