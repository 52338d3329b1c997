"""WhatsApp notices: the opt-in, the outbox, the webhook (the templates and what sending needs:
sapa.whatsapp.sending; the jobs: sapa.whatsapp.tasks).

Queueing: events sends `sapa.events.notices.notice` in the transaction that
queues each registration email; `on_notice` adds one Message row there (the
message exists exactly when the change was committed) and its job runs after
the commit.

Delivery (`tasks.deliver`) is the email outbox's: a conditional UPDATE claims the row
(queued → sending) so one worker sends it; the template's parameters are filled
by the worker; 429/5xx are retried with backoff; a refusal fails the message and
leaves the notice to its email. Every request carries the row's random `key` as
`biz_opaque_callback_data`, which the webhook gives back with each status: a
worker that died after WhatsApp took the message leaves the row in `sending`;
the webhook's status records it, and the sweep turns a row nobody heard of
into "check by hand". Never a second send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from datetime import UTC, datetime
from urllib.parse import quote

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sapa.events.models import RegistrationStatus
from sapa.social.crypto import CredentialsUnreadable
from sapa.whatsapp import connector, tasks
from sapa.whatsapp.models import (
    PROGRESS,
    Account,
    Consent,
    Message,
    OptOut,
    State,
    WebhookDelivery,
)
from sapa.whatsapp.sending import (
    KIND_TEMPLATE,
    LINK_KINDS,
    TEMPLATES,
    WEBHOOK_MAX_AGE,
    check_templates,
    fail,
    fill,
    notice_content,
    wa_id,
)

log = logging.getLogger("sapa.whatsapp")

STOP_WORDS = {"STOP", "BERHENTI", "UNSUBSCRIBE", "BATAL"}

# --- The opt-in's text (the templates: sapa.whatsapp.sending) --------------------------------------

# The opt-in's text: its version is stored with each consent.
CONSENT_TEXT = gettext_lazy("Send me reminders on WhatsApp")


def consent_text_version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# --- Settings --------------------------------------------------------------------------------------

def save_account(library, *, phone_number_id: str, business_account_id: str, access_token: str = "",
                 app_secret: str = "", daily_budget: int = 1000, is_active: bool = True) -> Account:
    """Create or change the library's account; an empty secret keeps the stored one."""
    account = Account.objects.filter(library=library).first() or Account(library=library)
    try:
        creds = account.credentials() if account.pk else {}
    except CredentialsUnreadable:  # the key changed: only what is typed now is kept
        creds = {}
    if access_token:
        creds["access_token"] = access_token
    if app_secret:
        creds["app_secret"] = app_secret
    account.phone_number_id = phone_number_id
    account.business_account_id = business_account_id
    account.daily_budget = daily_budget
    account.is_active = is_active
    account.set_credentials(creds)
    account.save()
    return account


def test_connection(account: Account, http=None) -> tuple[bool, str]:
    """Ask for the number and the templates; (True, the number's name) or (False, why)."""
    try:
        with connector.Client.for_account(account, http=http) as client:
            number = client.phone_number()
            check_templates(account, client=client)
    except connector.CloudError as exc:
        return False, exc.message
    except CredentialsUnreadable:
        return False, _("The saved credentials cannot be read with this server's encryption key: "
                        "type the access token and app secret again.")
    return True, f"{number.get('verified_name', '')} {number.get('display_phone_number', '')}".strip()


# --- Consent ---------------------------------------------------------------------------------------

def on_optin(sender, registration, text, **kwargs) -> None:
    """sapa.events.notices.whatsapp_optin: the person ticked the opt-in while registering."""
    give_consent(registration, text)


def give_consent(registration, text: str | None = None, *, new_registration: bool = True) -> Consent:
    """Record the opt-in; for a registration just made (same transaction), queue its first notice.

    The "registered" notice is queued here rather than on the notice signal: the signal comes
    before the opt-in exists, and most people do not opt in, so the registration hot path
    pays nothing for WhatsApp.
    """
    text = str(text or CONSENT_TEXT)
    consent, _created = Consent.objects.update_or_create(
        registration=registration,
        defaults={"text": text, "text_version": consent_text_version(text), "given_at": timezone.now(),
                  "withdrawn_at": None, "withdrawn_by": ""})
    if new_registration:
        _queue(kind="registered", library_id=registration.event.library_id, registration_id=registration.pk,
               public_id=str(registration.public_id), dedupe=None)
    return consent


def withdraw_consent(registration, by: str = "participant") -> bool:
    """Stop every later WhatsApp message to this registration; True when it had consented."""
    now = timezone.now()
    changed = Consent.objects.filter(registration=registration, withdrawn_at__isnull=True).update(
        withdrawn_at=now, withdrawn_by=by)
    Message.objects.filter(Q(registration=registration) | Q(public_id=str(registration.public_id)),
                           state=State.QUEUED).update(
        state=State.DROPPED, last_error="opted out")
    return bool(changed)


def erase_registration(sender, *, registration, now, **kwargs) -> int:
    """The participant's data is erased: their messages lose number and text; queued ones are dropped.

    An opt-out (the number that answered STOP) stays, so that it is still honoured.
    """
    rows = Message.objects.filter(Q(registration=registration) | Q(public_id=str(registration.public_id)))
    rows.filter(state=State.QUEUED).update(state=State.DROPPED, last_error="data erased")
    return rows.update(to="", parameters=[])


def record_stop(library, number: str) -> int:
    """A STOP reply: opt the number out of the library, withdraw every consent it gave."""
    digits = wa_id(number)
    OptOut.objects.get_or_create(library=library, wa_id=digits)
    withdrawn = 0
    consents = Consent.objects.filter(registration__event__library=library, withdrawn_at__isnull=True)
    for consent in consents.select_related("registration"):
        if wa_id(consent.registration.whatsapp) == digits:
            withdraw_consent(consent.registration, by="stop_reply")
            withdrawn += 1
    return withdrawn


# --- Queueing (the notice receiver) ----------------------------------------------------------------

def on_notice(sender, *, kind, library_id, registration_id, public_id, dedupe, **kwargs):
    """Queue a WhatsApp message for a notice, in the notice's transaction.

    "registered" (the hot path) costs nothing: it comes before the opt-in is stored, and
    give_consent() queues that first message itself.
    """
    if kind not in KIND_TEMPLATE or registration_id is None:
        return None
    if not Consent.objects.filter(registration_id=registration_id, withdrawn_at__isnull=True).exists():
        return None
    return _queue(kind=kind, library_id=library_id, registration_id=registration_id, public_id=public_id,
                  dedupe=dedupe)


def _queue(*, kind, library_id, registration_id, public_id, dedupe):
    if not Account.objects.filter(library_id=library_id, is_active=True).exists():
        return None
    fields = {"library_id": library_id, "kind": kind, "registration_id": registration_id,
              "public_id": public_id, "key": secrets.token_hex(16)}
    if dedupe:
        try:
            with transaction.atomic():
                message = Message.objects.create(dedupe_key=f"wa:{dedupe}", **fields)
        except IntegrityError:
            return None
    else:
        message = Message.objects.create(**fields)
    _queue_after_commit(message.pk)
    return message


def _queue_after_commit(message_id: int) -> None:
    transaction.on_commit(lambda: tasks.deliver_message(message_id))


# --- Sending again (sending itself: sapa.whatsapp.tasks and sapa.whatsapp.sending) -----------------


def retry_now(message: Message) -> bool:
    """Staff action on a failed or "check by hand" message: send it again, now.

    For "check by hand" staff first looked at the phone: WhatsApp may have it already.
    """
    moved = Message.objects.filter(pk=message.pk, state__in=[State.FAILED, State.UNCERTAIN]).update(
        state=State.QUEUED, next_attempt_at=timezone.now(), attempts=0, claimed_at=None)
    if moved:
        _queue_after_commit(message.pk)
    return bool(moved)


# --- The webhook -----------------------------------------------------------------------------------

class WebhookRefused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def verify_handshake(account: Account | None, params) -> str:
    """The subscription handshake: hub.challenge when mode and token match; WebhookRefused otherwise."""
    token = params.get("hub.verify_token", "")
    if (account is None or params.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token.encode(), account.verify_token.encode())):
        raise WebhookRefused(403, "verification refused")
    return params.get("hub.challenge", "")


def signature_ok(account: Account, body: bytes, header: str) -> bool:
    try:
        secret = account.credentials().get("app_secret", "")
    except CredentialsUnreadable:
        return False
    if not secret or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.encode())


def _status_changes(payload: dict, account: Account) -> list[dict]:
    """The payload's `value`s for this account; WebhookRefused when it is not one of its payloads."""
    if payload.get("object") != "whatsapp_business_account" or not isinstance(payload.get("entry"), list):
        raise WebhookRefused(400, "unknown payload")
    values = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or str(entry.get("id")) != account.business_account_id:
            raise WebhookRefused(400, "unknown account")
        changes = entry.get("changes")
        if not isinstance(changes, list):
            raise WebhookRefused(400, "unknown payload")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages" or str(
                    (value.get("metadata") or {}).get("phone_number_id")) != account.phone_number_id:
                raise WebhookRefused(400, "unknown payload")
            values.append(value)
    if not values:
        raise WebhookRefused(400, "unknown payload")
    return values


def _timestamps(values: list[dict]) -> list[int]:
    stamps = []
    for value in values:
        items = [value.get("statuses") or [], value.get("messages") or []]
        if not all(isinstance(group, list) for group in items):
            raise WebhookRefused(400, "unknown payload")
        for item in items[0] + items[1]:
            if not isinstance(item, dict):
                raise WebhookRefused(400, "unknown payload")
            try:
                stamps.append(int(item.get("timestamp")))
            except (TypeError, ValueError):
                raise WebhookRefused(400, "unknown payload") from None
    return stamps


def handle_webhook(account: Account, body: bytes, signature: str, now=None) -> dict:
    """One webhook delivery: checked, recorded once, applied. WebhookRefused when refused."""
    now = now or timezone.now()
    if not signature_ok(account, body, signature):
        raise WebhookRefused(403, "bad signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRefused(400, "unknown payload") from None
    if not isinstance(payload, dict):
        raise WebhookRefused(400, "unknown payload")
    values = _status_changes(payload, account)
    stamps = _timestamps(values)
    if stamps and min(stamps) < (now - WEBHOOK_MAX_AGE).timestamp():
        raise WebhookRefused(409, "too old")
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(library_id=account.library_id,
                                           digest=hashlib.sha256(body).hexdigest(), received_at=now)
    except IntegrityError:
        raise WebhookRefused(409, "replayed") from None
    applied = stops = 0
    for value in values:
        for status in value.get("statuses") or []:
            applied += apply_status(account, status)
        for incoming in value.get("messages") or []:
            text = incoming.get("text") if isinstance(incoming.get("text"), dict) else {}
            button = incoming.get("button") if isinstance(incoming.get("button"), dict) else {}
            words = {str(text.get("body") or "").strip().upper(), str(button.get("text") or "").strip().upper()}
            if words & STOP_WORDS:
                record_stop(account.library, str(incoming.get("from", "")))
                stops += 1
    return {"statuses": applied, "stops": stops}


def apply_status(account: Account, status: dict) -> int:
    """Record one status (sent, delivered, read, failed) on its message; 1 when applied."""
    rows = Message.objects.filter(library_id=account.library_id)
    wamid, key = str(status.get("id", "")), str(status.get("biz_opaque_callback_data", ""))
    message = (rows.filter(wamid=wamid).first() if wamid else None) or (
        rows.filter(key=key).first() if key else None)
    if message is None:
        return 0
    new = str(status.get("status", ""))
    stamp = timezone.now()
    try:
        stamp = datetime.fromtimestamp(int(status.get("timestamp")), tz=UTC)
    except (TypeError, ValueError):
        pass
    if new == "failed":
        errors = status.get("errors")
        error = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
        data = error.get("error_data") if isinstance(error.get("error_data"), dict) else {}
        details = data.get("details") or error.get("message") or ""
        reason = f"{error.get('title', '')}: {details}".strip(": ")
        if message.wamid == "" and wamid:
            Message.objects.filter(pk=message.pk).update(wamid=wamid)
        fail(message, str(error.get("code", "")), reason,
                only_from=[State.SENDING, State.UNCERTAIN, State.ACCEPTED, State.SENT, State.QUEUED])
        return 1
    if new not in PROGRESS:
        return 0
    later = [s for s, rank in PROGRESS.items() if rank >= PROGRESS[new]]
    # Earlier states only (a late "sent" after "read" changes nothing); a message some worker
    # left sending or uncertain is recorded as WhatsApp tells it.
    moved = Message.objects.filter(pk=message.pk).exclude(state__in=[*later, State.FAILED, State.DROPPED]).update(
        state=new, status_at=stamp, wamid=wamid or message.wamid, sent_at=message.sent_at or stamp,
        last_error="")
    return int(bool(moved))


# --- Staff views' data -----------------------------------------------------------------------------

def event_totals(event) -> dict:
    rows = Message.objects.filter(event=event).values("state").annotate(n=Count("id"))
    totals = {row["state"]: row["n"] for row in rows}
    totals["fell_back_to_email"] = Message.objects.filter(event=event, fell_back_to_email=True).count()
    return totals


def by_hand(event, kind: str) -> list[dict]:
    """Click-to-chat rows for the registrations that opted in: name, number, text, wa.me link."""
    registrations = event.registrations.filter(
        whatsapp_consent__withdrawn_at__isnull=True, whatsapp_consent__isnull=False,
        anonymized_at__isnull=True).exclude(whatsapp="").exclude(status=RegistrationStatus.CANCELLED)
    if kind in LINK_KINDS:
        registrations = registrations.filter(status=RegistrationStatus.CONFIRMED)
    opted_out = set(OptOut.objects.filter(library=event.library).values_list("wa_id", flat=True))
    rows = []
    for registration in registrations.select_related("event__library"):
        if wa_id(registration.whatsapp) in opted_out:
            continue
        content = notice_content(registration, kind)
        if content is None:
            continue
        name, language, parameters = content
        text = fill(TEMPLATES[name][language], parameters)
        rows.append({"registration": registration, "number": registration.whatsapp, "text": text,
                     "url": f"https://wa.me/{wa_id(registration.whatsapp)}?text={quote(text)}"})
    return rows


def broadcast_table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """(header, rows) of the by-hand broadcast list; sapa.core.exports writes it (and guards every cell)."""
    return ["name", "phone", "message"], [[row["registration"].name, row["number"], row["text"]] for row in rows]
