"""What the jobs run (sapa.whatsapp.tasks): the templates a library creates in WhatsApp Manager,
each message's content filled from its registration, the budget, a failure left to the email.

Imports neither services nor tasks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from sapa.certificates.models import Certificate
from sapa.certificates.services import download_url
from sapa.core.timefmt import format_datetime
from sapa.events.models import Registration, RegistrationStatus
from sapa.events.services import MAIL_KINDS, manage_url, meeting_link, send_registration_mail
from sapa.prizes.models import WinnerState
from sapa.prizes.services import claim_url, prize_label, winner_of
from sapa.whatsapp import connector
from sapa.whatsapp.models import Account, Consent, Message, OptOut, State

log = logging.getLogger("sapa.whatsapp")

MAX_BACKOFF = timedelta(hours=1)
SWEEP_GRACE = timedelta(seconds=30)
# Webhook bodies older than this are refused (their digests are forgotten after it).
WEBHOOK_MAX_AGE = timedelta(days=7)

# --- The templates a library creates in WhatsApp Manager ------------------------------------------

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


# --- Rendering -------------------------------------------------------------------------------------

def has_consent(registration) -> bool:
    return Consent.objects.filter(registration=registration, withdrawn_at__isnull=True).exists()


def wa_id(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


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


def render(message: Message) -> str | None:
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


# --- Delivery (the job itself: sapa.whatsapp.tasks.deliver) ----------------------------------------

def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    delay = timedelta(seconds=settings.SAPA_WHATSAPP_RETRY_BASE * 2 ** max(attempts - 1, 0))
    if retry_after:
        delay = max(delay, timedelta(seconds=retry_after))
    return min(delay, MAX_BACKOFF)


def _day_start(library, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(library.time_zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


CHARGED = [State.SENDING, State.ACCEPTED, State.SENT, State.DELIVERED, State.READ, State.UNCERTAIN]


def over_budget(message: Message, account: Account, now) -> datetime | None:
    """When the library's messages of today (this one included) exceed its budget: tomorrow's start."""
    start = _day_start(account.library, now)
    used = Message.objects.filter(library_id=message.library_id, claimed_at__gte=start).filter(
        Q(state__in=CHARGED) | (Q(state=State.FAILED) & ~Q(wamid=""))).count()
    if used <= account.daily_budget:
        return None
    return start + timedelta(days=1)


def set_state(message: Message, state: str, *, only_from=(State.SENDING,), **fields) -> bool:
    return bool(Message.objects.filter(pk=message.pk, state__in=only_from).update(state=state, **fields))


def fail(message: Message, code: str, error: str, only_from=(State.SENDING,)) -> str:
    if set_state(message, State.FAILED, only_from=only_from, error_code=str(code)[:20], last_error=error[:2000],
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
