"""The webhook: Meta's handshake, the signature on every delivery, replays and unknown payloads
refused, delivery states recorded, STOP replies honoured."""

# ruff: noqa: F811 - pytest fixtures imported from public_helpers

import json
import time

import pytest
from public_helpers import _public_settings  # noqa: F401
from wa_helpers import make_event, opted_in, signed, status, status_payload

from sapa.events import services as events
from sapa.whatsapp import tasks
from sapa.whatsapp.models import Message, OptOut, State

pytestmark = pytest.mark.django_db

URL = "/api/whatsapp/perpus-a/webhook"


def post(client, body, signature):
    return client.post(URL, data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature})


def sent_message(library, api):
    event = make_event(library)
    registration = opted_in(event)
    message = Message.objects.get()
    tasks.deliver(message.pk)
    message.refresh_from_db()
    return event, registration, message


def test_handshake_answers_the_challenge_only_with_the_token(client, account):
    ok = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": account.verify_token,
                          "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403 and b"1" not in wrong.content.replace(b"verification refused", b"")
    assert client.get("/api/whatsapp/no-such-library/webhook", {
        "hub.mode": "subscribe", "hub.verify_token": account.verify_token, "hub.challenge": "1"}).status_code == 403


def test_statuses_move_forward_and_are_shown_to_staff(client, library, account, api, admin_user):
    event, registration, message = sent_message(library, api)
    for state in ("sent", "delivered", "read"):
        body, sig = signed(status_payload([status(message, state)]))
        assert post(client, body, sig).status_code == 200
    message.refresh_from_db()
    assert message.state == State.READ
    # A late "delivered" after "read" changes nothing.
    body, sig = signed(status_payload([status(message, "delivered", timestamp=str(int(time.time()) + 1))]))
    post(client, body, sig)
    assert Message.objects.get(pk=message.pk).state == State.READ

    client.force_login(admin_user)
    page = client.get(f"/staff/perpus-a/events/{event.pk}/whatsapp/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-total="read">1<' in html and registration.name in html


def test_failed_status_131026_records_reason_and_falls_back(client, library, account, api):
    _event, _registration, message = sent_message(library, api)
    failed = status(message, "failed", errors=[{
        "code": 131026, "title": "Message undeliverable",
        "message": "Message undeliverable",
        "error_data": {"details": "Message Undeliverable."}}])
    body, sig = signed(status_payload([failed]))
    assert post(client, body, sig).status_code == 200
    message.refresh_from_db()
    assert message.state == State.FAILED and message.error_code == "131026"
    assert "undeliverable" in message.last_error and message.fell_back_to_email


def test_failed_status_131047_re_engagement(client, library, account, api):
    _event, _registration, message = sent_message(library, api)
    failed = status(message, "failed", errors=[{"code": 131047, "title": "Re-engagement message",
                                                "error_data": {"details": "More than 24 hours have passed"}}])
    body, sig = signed(status_payload([failed]))
    post(client, body, sig)
    message.refresh_from_db()
    assert message.state == State.FAILED and message.error_code == "131047"


def test_bad_or_missing_signature_is_refused_and_changes_nothing(client, library, account, api):
    _event, _registration, message = sent_message(library, api)
    body, _sig = signed(status_payload([status(message, "read")]))
    _b, wrong = signed(body, secret="not-the-app-secret")
    assert post(client, body, wrong).status_code == 403
    assert post(client, body, "").status_code == 403
    assert Message.objects.get(pk=message.pk).state == State.ACCEPTED


def test_replayed_body_is_refused(client, library, account, api):
    _event, _registration, message = sent_message(library, api)
    body, sig = signed(status_payload([status(message, "failed", errors=[{"code": 131026}])]))
    assert post(client, body, sig).status_code == 200
    Message.objects.filter(pk=message.pk).update(state=State.READ)
    assert post(client, body, sig).status_code == 409
    assert Message.objects.get(pk=message.pk).state == State.READ


def test_old_body_is_refused(client, library, account, api):
    _event, _registration, message = sent_message(library, api)
    body, sig = signed(status_payload([status(message, "read", timestamp=str(int(time.time()) - 8 * 86400))]))
    assert post(client, body, sig).status_code == 409
    assert Message.objects.get(pk=message.pk).state == State.ACCEPTED


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": []},
    status_payload([], waba="9999999999"),
    status_payload([], phone_number_id="9999999999"),
    [1, 2, 3],
])
def test_unknown_payloads_are_refused(client, account, payload):
    body, sig = signed(json.dumps(payload).encode())
    assert post(client, body, sig).status_code == 400


def test_not_json_is_refused(client, account):
    body, sig = signed(b"\xff\xfe not json")
    assert post(client, body, sig).status_code == 400


def test_stop_reply_stops_every_later_message(client, library, account, api):
    event = make_event(library)
    registration = opted_in(event)
    incoming = {"from": "6281234567890", "id": "wamid.in1", "timestamp": str(int(time.time())),
                "type": "text", "text": {"body": "stop"}}
    body, sig = signed(status_payload([], messages=[incoming]))
    assert post(client, body, sig).status_code == 200
    assert OptOut.objects.filter(library=library, wa_id="6281234567890").exists()
    assert Message.objects.get().state == State.DROPPED
    # The reminder the next day: no WhatsApp message, even on another registration of the number.
    from datetime import timedelta

    events.send_due_reminders(now=event.starts_at - timedelta(hours=20))
    assert not Message.objects.filter(kind="reminder_day").exists()
    other = make_event(library, slug="kelas-menulis")
    opted_in(other, email="siti2@example.org")
    assert tasks.deliver(Message.objects.get(state=State.QUEUED).pk) == State.DROPPED
    assert api.sends == []
    registration.whatsapp_consent.refresh_from_db()
    assert registration.whatsapp_consent.withdrawn_by == "stop_reply"
