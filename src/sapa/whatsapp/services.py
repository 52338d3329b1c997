"""WhatsApp notices: the templates, the opt-in, the outbox and the webhook.

Queueing: events sends `sapa.events.notices.notice` in the transaction that
queues each registration email; `on_notice` adds one Message row there (the
message exists exactly when the change was committed) and its job runs after
the commit.

Delivery (`deliver`) is the email outbox's: a conditional UPDATE claims the row
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
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sapa.certificates.models import Certificate
from sapa.certificates.services import download_url
from sapa.core.timefmt import format_datetime
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import MAIL_KINDS, manage_url, meeting_link, send_registration_mail
from sapa.prizes.models import WinnerState
from sapa.prizes.services import claim_url, prize_label, winner_of
from sapa.social.crypto import CredentialsUnreadable
from sapa.whatsapp import connector
from sapa.whatsapp.models import (
    PROGRESS,
    Account,
    Consent,
    Message,
    OptOut,
    State,
    WebhookDelivery,
)

log = logging.getLogger("sapa.whatsapp")

MAX_BACKOFF = timedelta(hours=1)
SWEEP_GRACE = timedelta(seconds=30)
# Webhook bodies older than this are refused (their digests are forgotten after it).
WEBHOOK_MAX_AGE = timedelta(days=7)
STOP_WORDS = {"STOP", "BERHENTI", "UNSUBSCRIBE", "BATAL"}

# --- The templates a library creates in WhatsApp Manager ------------------------------------------

# The opt-in's text: its version is stored with each consent.
CONSENT_TEXT = gettext_lazy("Send me reminders on WhatsApp")


def consent_text_version(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# The registration templates' body variables: {{1}} name, {{2}} event, {{3}} start, {{4}} link.
# A template with others lists them under "variables" (shown to staff).
EVENT_VARIABLES = (gettext_lazy("the participant's name"), gettext_lazy("the event"),
                   gettext_lazy("its start"), gettext_lazy("the link"))
TEMPLATES = {
    "sapa_pendaftaran_terkonfirmasi": {
        "kinds": ["confirmed"],
        "id": "Halo {{1}}, pendaftaran Anda untuk {{2}} ({{3}}) sudah terkonfirmasi. "
              "Halaman pribadi Anda: {{4}}",
        "en": "Hello {{1}}, your registration for {{2}} ({{3}}) is confirmed. Your personal page: {{4}}",
    },
    "sapa_daftar_tunggu": {
        "kinds": ["waitlisted"],
        "id": "Halo {{1}}, Anda ada di daftar tunggu {{2}} ({{3}}). Kami kabari bila ada tempat. "
              "Halaman pribadi Anda: {{4}}",
        "en": "Hello {{1}}, you are on the waiting list for {{2}} ({{3}}). We will tell you when a seat "
              "frees up. Your personal page: {{4}}",
    },
    "sapa_naik_dari_daftar_tunggu": {
        "kinds": ["promoted"],
        "id": "Halo {{1}}, ada tempat untuk Anda di {{2}} ({{3}}): pendaftaran Anda kini terkonfirmasi. "
              "Halaman pribadi Anda: {{4}}",
        "en": "Hello {{1}}, a seat freed up for you at {{2}} ({{3}}): your registration is now confirmed. "
              "Your personal page: {{4}}",
    },
    "sapa_tautan_acara": {
        "kinds": ["link", "reminder_day"],
        "id": "Halo {{1}}, {{2}} dimulai {{3}}. Tautan untuk bergabung: {{4}}",
        "en": "Hello {{1}}, {{2}} starts {{3}}. The link to join: {{4}}",
    },
    "sapa_pengingat_satu_jam": {
        "kinds": ["reminder_hour"],
        "id": "Halo {{1}}, {{2}} dimulai dalam satu jam ({{3}}). Tautan untuk bergabung: {{4}}",
        "en": "Hello {{1}}, {{2}} starts in one hour ({{3}}). The link to join: {{4}}",
    },
    "sapa_sertifikat_siap": {
        "kinds": ["certificate_ready"],
        "id": "Halo {{1}}, sertifikat Anda untuk {{2}} sudah siap. Unduh di sini: {{3}}",
        "en": "Hello {{1}}, your certificate for {{2}} is ready. Download it here: {{3}}",
        "variables": (gettext_lazy("the participant's name"), gettext_lazy("the event"),
                      gettext_lazy("the certificate's download link")),
    },
    "sapa_hadiah_menang": {
        "kinds": ["prize_won"],
        "id": "Selamat {{1}}, Anda memenangkan {{3}} di {{2}}! Klaim hadiah Anda di sini: {{4}}",
        "en": "Congratulations {{1}}, you won {{3}} at {{2}}! Claim your prize here: {{4}}",
        "variables": (gettext_lazy("the participant's name"), gettext_lazy("the event"),
                      gettext_lazy("the prize"), gettext_lazy("the claim link")),
    },
}
CATEGORY = "UTILITY"
LANGUAGES = ("id", "en")
KIND_TEMPLATE = {kind: name for name, spec in TEMPLATES.items() for kind in spec["kinds"]}
# Kinds that carry the meeting link instead of the personal page.
LINK_KINDS = {"link", "reminder_day", "reminder_hour"}


def template_for(kind: str) -> str | None:
    return KIND_TEMPLATE.get(kind)


def fill(body: str, parameters: list[str]) -> str:
    for number, value in enumerate(parameters, start=1):
        body = body.replace(f"{{{{{number}}}}}", str(value))
    return body


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


def check_templates(account: Account, client=None) -> list[str]:
    """Record each needed template's status in each language; returns the problems (empty: all approved)."""
    if client is None:
        with connector.Client.for_account(account) as own:
            return check_templates(account, client=own)
    found = {(t.get("name"), t.get("language")): str(t.get("status", "")).upper() for t in client.templates()}
    status, problems = {}, []
    for name in TEMPLATES:
        for language in LANGUAGES:
            state = found.get((name, language), "MISSING")
            status[f"{name}:{language}"] = state
            if state != "APPROVED":
                problems.append(f"{name} ({language}): {state}")
    Account.objects.filter(pk=account.pk).update(template_status=status, checked_at=timezone.now())
    account.template_status = status
    return problems


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


def has_consent(registration) -> bool:
    return Consent.objects.filter(registration=registration, withdrawn_at__isnull=True).exists()


def wa_id(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


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
    # inside: loop: sapa.whatsapp.tasks imports this module
    from sapa.whatsapp.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message(message_id))


# --- Rendering -------------------------------------------------------------------------------------

def _registration(message: Message):
    rows = Registration.objects.select_related("event__library")
    if message.registration_id:
        return rows.filter(pk=message.registration_id).first()
    return rows.filter(public_id=message.public_id).first() if message.public_id else None


def notice_content(registration, kind: str) -> tuple[str, str, list[str]] | None:
    """(template, language, parameters) of a notice to a registration; None when nothing applies."""
    if kind == "registered":
        if registration.promoted_at:
            return None
        kind = "confirmed" if registration.status == RegistrationStatus.CONFIRMED else "waitlisted"
    name = template_for(kind)
    if name is None:
        return None
    event = registration.event
    language = registration.language if registration.language in LANGUAGES else "id"
    if kind == "certificate_ready":
        link = _certificate_link(registration)
        return (name, language, [registration.name, event.title, link]) if link else None
    if kind == "prize_won":
        won = _prize_won(registration)
        return (name, language, [registration.name, event.title, *won]) if won else None
    with translation.override(language):
        starts = format_datetime(event.starts_at, event.library.time_zone)
    link = meeting_link(registration) if kind in LINK_KINDS else ""
    return name, language, [registration.name, event.title, starts, link or manage_url(registration)]


def _certificate_link(registration) -> str | None:
    """The download link of the registration's valid certificate; None when it has none (revoked)."""
    certificate = Certificate.objects.filter(registration=registration, revoked_at__isnull=True,
                                             rendered_at__isnull=False).order_by("-pk").first()
    return download_url(certificate) if certificate else None


def _prize_won(registration) -> list[str] | None:
    """[prize, claim link] of the registration's prize still to claim; None when there is none."""
    winner = winner_of(registration)
    if winner is None or winner.state != WinnerState.NOTIFIED:
        return None
    return [prize_label(winner.prize), claim_url(winner)]


def _render(message: Message) -> str | None:
    """Fill the row's recipient and template; a reason when it must not be sent."""
    registration = _registration(message)
    if registration is None or registration.anonymized_at:
        return "registration gone"
    if not has_consent(registration):
        return "no consent"
    if not registration.whatsapp:
        return "no number"
    if OptOut.objects.filter(library_id=message.library_id, wa_id=wa_id(registration.whatsapp)).exists():
        return "opted out"
    if message.kind != "registered" and registration.status == RegistrationStatus.CANCELLED:
        return "cancelled"
    content = notice_content(registration, message.kind)
    if content is None:
        return "no longer needed"
    message.template, message.language, message.parameters = content
    message.to = registration.whatsapp
    message.registration_id = registration.pk
    message.event_id = registration.event_id
    message.save(update_fields=["template", "language", "parameters", "to", "registration", "event"])
    return None


# --- Delivery --------------------------------------------------------------------------------------

def _backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    delay = timedelta(seconds=settings.SAPA_WHATSAPP_RETRY_BASE * 2 ** max(attempts - 1, 0))
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, MAX_BACKOFF)


def _day_start(library, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(library.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


CHARGED = [State.SENDING, State.ACCEPTED, State.SENT, State.DELIVERED, State.READ, State.UNCERTAIN]


def _over_budget(message: Message, account: Account, now) -> datetime | None:
    """When the library's messages of today (this one included) exceed its budget: tomorrow's start."""
    start = _day_start(account.library, now)
    used = Message.objects.filter(library_id=message.library_id, claimed_at__gte=start).filter(
        Q(state__in=CHARGED) | (Q(state=State.FAILED) & ~Q(wamid=""))).count()
    if used <= account.daily_budget:
        return None
    return start + timedelta(days=1)


def _set(message: Message, state: str, *, only_from=(State.SENDING,), **fields) -> bool:
    return bool(Message.objects.filter(pk=message.pk, state__in=only_from).update(state=state, **fields))


def deliver(message_id: int, now=None, http=None) -> str:
    """Send one due message if nobody else is; returns its state afterwards ("skipped": not claimed)."""
    now = now or timezone.now()
    claimed = Message.objects.filter(pk=message_id, state=State.QUEUED, next_attempt_at__lte=now).update(
        state=State.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        return "skipped"
    message = Message.objects.select_related("library").get(pk=message_id)
    account = Account.objects.filter(library_id=message.library_id, is_active=True).select_related(
        "library").first()
    if account is None:
        _set(message, State.DROPPED, last_error="WhatsApp is not set up for this library")
        return State.DROPPED
    reason = _render(message)
    if reason:
        _set(message, State.DROPPED, last_error=reason)
        return State.DROPPED
    tomorrow = _over_budget(message, account, now)
    if tomorrow is not None:
        _set(message, State.QUEUED, attempts=F("attempts") - 1, claimed_at=None, next_attempt_at=tomorrow,
             last_error=_("Today's WhatsApp budget (%(n)s messages) is used up: sent tomorrow.")
             % {"n": account.daily_budget})
        return State.QUEUED
    try:
        client = connector.Client.for_account(account, http=http or connector.shared_http())
    except CredentialsUnreadable as exc:  # nothing left this machine
        return _failed(message, "", str(exc))
    try:
        with client:
            accepted = client.send_template(to=message.to, template=message.template,
                                            language=message.language, parameters=message.parameters,
                                            key=message.key)
    except connector.Retryable as exc:
        if exc.ambiguous:
            _set(message, State.UNCERTAIN, last_error=exc.message[:2000])
            return State.UNCERTAIN
        if message.attempts >= settings.SAPA_WHATSAPP_MAX_ATTEMPTS:
            return _failed(message, exc.code, exc.message)
        delay = _backoff(message.attempts, exc.retry_after)
        if _set(message, State.QUEUED, last_error=exc.message[:2000], error_code=exc.code,
                next_attempt_at=now + delay):
            # inside: loop: sapa.whatsapp.tasks imports this module
            from sapa.whatsapp.tasks import deliver_message

            deliver_message.schedule((message.pk,), delay=max(int(delay.total_seconds()), 1))
        return State.QUEUED
    except connector.CloudError as exc:  # refused token, refused message
        return _failed(message, exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a bug after the request may have left: never resend
        log.exception("whatsapp message %s crashed while sending", message.pk)
        _set(message, State.UNCERTAIN, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        return State.UNCERTAIN
    # The webhook may have been faster than this answer: only record the id then.
    if not _set(message, State.ACCEPTED, wamid=accepted.message_id, sent_at=timezone.now(), last_error=""):
        Message.objects.filter(pk=message.pk, wamid="").update(wamid=accepted.message_id)
    return Message.objects.filter(pk=message.pk).values_list("state", flat=True).first()


def _failed(message: Message, code: str, error: str, only_from=(State.SENDING,)) -> str:
    if _set(message, State.FAILED, only_from=only_from, error_code=str(code)[:20], last_error=error[:2000],
            status_at=timezone.now()):
        fall_back_to_email(message)
    return State.FAILED


def fall_back_to_email(message: Message) -> bool:
    """A failed WhatsApp message leaves its notice to the email.

    Events queues the email of every notice in the same transaction as the
    notice (sapa.events.notices), so it exists already; for a notice with a
    de-duplication key (the reminders) the email is queued again under the
    same key, which is a no-op when it was (and queues it when it was not). Marked on the row so
    staff see the notice went by email instead. The notices of other apps (a certificate ready,
    a prize won) are sent only once their own email was queued: nothing is queued for them.
    """
    if message.dedupe_key and message.registration_id and message.kind in MAIL_KINDS:
        registration = _registration(message)
        if registration is not None and not registration.anonymized_at:
            with transaction.atomic():
                send_registration_mail(registration, message.kind, dedupe=message.dedupe_key[3:])
    Message.objects.filter(pk=message.pk).update(fell_back_to_email=True)
    return True


def retry_now(message: Message) -> bool:
    """Staff action on a failed or "check by hand" message: send it again, now.

    For "check by hand" staff first looked at the phone: WhatsApp may have it already.
    """
    moved = Message.objects.filter(pk=message.pk, state__in=[State.FAILED, State.UNCERTAIN]).update(
        state=State.QUEUED, next_attempt_at=timezone.now(), attempts=0, claimed_at=None)
    if moved:
        _queue_after_commit(message.pk)
    return bool(moved)


def sweep(now=None) -> dict:
    """Every minute: rows left sending by a dead worker → check by hand; lost jobs queued again."""
    # inside: loop: sapa.whatsapp.tasks imports this module
    from sapa.whatsapp.tasks import deliver_message

    now = now or timezone.now()
    lease = timedelta(seconds=settings.SAPA_WHATSAPP_LEASE)
    stale = Message.objects.filter(state=State.SENDING, claimed_at__lt=now - lease).update(
        state=State.UNCERTAIN,
        last_error="The worker stopped while sending; WhatsApp may have the message (never sent again).")
    due = list(Message.objects.filter(state=State.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
    for pk in due:
        deliver_message(pk)
    WebhookDelivery.objects.filter(received_at__lt=now - WEBHOOK_MAX_AGE - timedelta(days=1)).delete()
    return {"queued": len(due), "uncertain": stale}


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
        _failed(message, str(error.get("code", "")), reason,
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
