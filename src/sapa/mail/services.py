"""Queueing and delivering email, once.

`send_templated()` and `enqueue_message()` write an outbox row and queue a job
after the transaction commits. `deliver()` claims the row with a conditional
UPDATE (so two workers never both send it), sends it, and records the result.
A failure of the mail server is retried with exponential backoff; a worker
that dies while the server has the message leaves it "uncertain", never
re-sent blindly.
"""

import base64
import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sapa.mail.models import Email, EmailState

log = logging.getLogger(__name__)

# A message in SENDING this long was abandoned by a dead worker.
STALE_SENDING = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
SWEEP_GRACE = timedelta(seconds=30)


def _queue_after_commit(email_id: int) -> None:
    from sapa.mail.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email(email_id))


def _create(dedupe_key=None, **fields) -> Email | None:
    """Create the row; None when a row with this dedupe_key already exists."""
    if dedupe_key is None:
        # Nothing can clash: no savepoint needed (this runs on registration's hot path).
        email = Email.objects.create(**fields)
        _queue_after_commit(email.pk)
        return email
    try:
        with transaction.atomic():
            email = Email.objects.create(dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        if dedupe_key and Email.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    _queue_after_commit(email.pk)
    return email


def queue_rendered_later(renderer: str, args: dict, *, library_id=None, dedupe_key=None) -> Email | None:
    """Queue an email that the worker renders (see sapa.mail.renderers).

    Cheap enough for a hot path: one INSERT in the caller's transaction, so the
    email exists if and only if the change that causes it was committed.
    """
    return _create(
        library_id=library_id, to=[], from_email=settings.DEFAULT_FROM_EMAIL, subject="", body_text="",
        renderer=renderer, render_args=args, dedupe_key=dedupe_key,
    )


def _message_fields(message) -> dict:
    """The outbox row's fields for a Django EmailMessage."""
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append({
            "filename": filename,
            "mimetype": mimetype or "application/octet-stream",
            "content_b64": base64.b64encode(content).decode(),
        })
    return {
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL,
        "reply_to": list(message.reply_to),
        "subject": str(message.subject)[:300],
        "body_text": message.body,
        "body_html": html,
        "attachments": attachments,
        "headers": dict(message.extra_headers),
    }


def enqueue_message(message, *, library=None, dedupe_key=None) -> Email | None:
    """Put a Django EmailMessage into the outbox."""
    return _create(library=library, dedupe_key=dedupe_key, **_message_fields(message))


def render_templated(*, to, template: str, context: dict, library=None, language=None,
                     attachments=None, reply_to=None) -> EmailMultiAlternatives:
    """Render `<template>_subject.txt`, `.txt` and (if present) `.html` into a message.

    Rendered in `language` (Indonesian by default), whatever the request's
    language is. `attachments` is a list of (filename, bytes, mimetype).
    """
    language = language or settings.LANGUAGE_CODE
    recipients = [to] if isinstance(to, str) else list(to)
    context = {**context, "library": library, "base_url": settings.BASE_URL}
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        body = render_to_string(f"{template}.txt", context)
        try:
            html = render_to_string(f"{template}.html", context)
        except TemplateDoesNotExist:
            html = ""
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=recipients, reply_to=reply_to or (
            [library.email] if library is not None and library.email else []
        ),
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    return message


def send_templated(*, to, template: str, context: dict, library=None, language=None,
                   attachments=None, dedupe_key=None, reply_to=None) -> Email | None:
    """Render a templated email now (see render_templated) and queue it.

    Returns None when `dedupe_key` was already used (the mail exists).
    """
    message = render_templated(to=to, template=template, context=context, library=library,
                               language=language, attachments=attachments, reply_to=reply_to)
    return enqueue_message(message, library=library, dedupe_key=dedupe_key)


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _build(email: Email, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, from_email=email.from_email,
        to=email.to, cc=email.cc or None, bcc=email.bcc or None,
        reply_to=email.reply_to or None, headers=email.headers or None,
        connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for att in email.attachments:
        message.attach(att["filename"], base64.b64decode(att["content_b64"]), att["mimetype"])
    return message


def _close_quietly(connection, email_id) -> None:
    """Say goodbye to the mail server; once it took the message, an error here
    must not turn into a retry (the message would go out twice)."""
    try:
        connection.close()
    except Exception as exc:  # noqa: BLE001
        log.warning("email %s: error closing the SMTP connection after sending: %s", email_id, exc)


def _render_deferred(email: Email) -> bool:
    """Render a row queued with queue_rendered_later(); False when there is nothing to send."""
    from sapa.mail import renderers

    message = renderers.render(email.renderer, email.render_args)
    if message is None:
        return False
    fields = _message_fields(message)
    for key, value in fields.items():
        setattr(email, key, value)
    email.renderer = ""
    email.save(update_fields=[*fields, "renderer"])
    return True


def deliver(email_id: int) -> str:
    """Send one outbox email if it is due and nobody else is sending it.

    Returns the email's state afterwards ("skipped" when not claimed). Any
    retry is scheduled through the queue; the periodic sweep catches retries
    that a lost queue forgot.
    """
    now = timezone.now()
    claimed = Email.objects.filter(
        pk=email_id, state=EmailState.QUEUED, next_attempt_at__lte=now
    ).update(state=EmailState.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    if not claimed:
        return "skipped"
    email = Email.objects.get(pk=email_id)
    if email.renderer:
        try:
            rendered = _render_deferred(email)
        except Exception as exc:  # noqa: BLE001 - a bug or missing data; retrying would fail alike
            error = f"{type(exc).__name__}: {exc}"[:2000]
            Email.objects.filter(pk=email.pk).update(state=EmailState.FAILED, last_error=error)
            log.warning("email %s could not be rendered: %s", email.pk, error)
            return EmailState.FAILED
        if not rendered:
            Email.objects.filter(pk=email.pk).update(state=EmailState.DROPPED)
            return EmailState.DROPPED
    try:
        connection = get_connection(settings.MAIL_DELIVERY_BACKEND, fail_silently=False)
        message = _build(email, connection)
    except Exception as exc:  # noqa: BLE001 - nothing left this machine; a retry would fail alike
        error = f"{type(exc).__name__}: {exc}"[:2000]
        Email.objects.filter(pk=email.pk).update(state=EmailState.FAILED, last_error=error)
        log.warning("email %s could not be built: %s", email.pk, error)
        return EmailState.FAILED
    try:
        opened = connection.open()
        try:
            connection.send_messages([message])
        finally:
            if opened:
                _close_quietly(connection, email.pk)
    except smtplib.SMTPRecipientsRefused as exc:
        # The server will never take it: retrying would not help.
        Email.objects.filter(pk=email.pk).update(
            state=EmailState.FAILED, last_error=f"recipient refused: {exc.recipients}"[:2000]
        )
        return EmailState.FAILED
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= settings.MAIL_MAX_ATTEMPTS:
            Email.objects.filter(pk=email.pk).update(state=EmailState.FAILED, last_error=error)
            log.warning("email %s failed for good: %s", email.pk, error)
            return EmailState.FAILED
        delay = _backoff(email.attempts)
        Email.objects.filter(pk=email.pk).update(
            state=EmailState.QUEUED, last_error=error, next_attempt_at=now + delay
        )
        from sapa.mail.tasks import deliver_email

        deliver_email.schedule((email.pk,), delay=int(delay.total_seconds()))
        return EmailState.QUEUED
    Email.objects.filter(pk=email.pk).update(state=EmailState.SENT, sent_at=timezone.now(), last_error="")
    return EmailState.SENT


def sweep(now=None) -> dict:
    """Queue due emails whose job was lost, and mark abandoned sends uncertain."""
    from sapa.mail.tasks import deliver_email

    now = now or timezone.now()
    stale = Email.objects.filter(state=EmailState.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        state=EmailState.UNCERTAIN,
        last_error="The worker stopped while sending; the message may have been sent.",
    )
    due = list(
        # Grace period: a fresh email's own job is normally on its way.
        Email.objects.filter(state=EmailState.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        deliver_email(pk)
    return {"queued": len(due), "uncertain": stale}


def retry_now(email: Email) -> None:
    """Staff action: send a failed or uncertain email again, now."""
    Email.objects.filter(pk=email.pk).update(
        state=EmailState.QUEUED, next_attempt_at=timezone.now(), attempts=0
    )
    _queue_after_commit(email.pk)


# --- Personal data -------------------------------------------------------------------------

FINAL_STATES = (EmailState.SENT, EmailState.FAILED, EmailState.DROPPED, EmailState.UNCERTAIN)
PURGED = "—"  # what a purged subject reads


def _scrub(email: Email) -> None:
    """Empty what an outbox row says (recipients, subject, body, attachments, the arguments
    of its renderer); the row stays as the record that an email went out, when, in what state."""
    email.body_text = email.body_html = email.last_error = ""
    email.attachments, email.render_args, email.renderer, email.headers = [], {}, "", {}
    email.to, email.cc, email.bcc, email.reply_to, email.subject = [], [], [], [], PURGED
    email.save()


def erase_person_emails(sender, registration, now, personal=None, **kwargs) -> int:
    """A participant's data was erased: the outbox rows that went to their address, or name
    it, are scrubbed at once (recipients, subject, body, attachments), whatever their age.
    Connected to sapa.events.erasure.registration_erased."""
    if kwargs.get("event_wide"):
        return 0  # erase_event_emails does it for all the event's people in one pass
    address = ((personal or {}).get("email") or "").strip().lower()
    name = " ".join(((personal or {}).get("name") or "").split())
    return erase_address(registration.event.library_id, address, name=name)


def erase_event_emails(sender, event, now, people=(), **kwargs) -> int:
    """The retention job erased the whole event: the outbox rows of all its `people`, as
    erase_address does for one, in one pass over the library's outbox (not one search per
    person). Connected to sapa.events.erasure.event_erased."""
    addresses = {(p.get("email") or "").strip().lower() for p in people} - {""}
    texts = addresses | {" ".join(p.get("name", "").split()).lower() for p in people if " " in p.get("name", "")}
    if not addresses:
        return 0
    done = 0
    rows = (Email.objects.filter(library_id=event.library_id)
            .exclude(state__in=(EmailState.QUEUED, EmailState.SENDING)).exclude(subject=PURGED)
            .values_list("pk", "to", "cc", "bcc", "subject", "body_text"))
    hits = []
    for pk, to, cc, bcc, subject, body in rows.iterator(chunk_size=2000):
        recipients = {str(a).strip().lower() for a in (*(to or ()), *(cc or ()), *(bcc or ()))}
        text = f"{subject}\n{body}".lower()
        if recipients & addresses or any(t in text for t in texts):
            hits.append(pk)
    for start in range(0, len(hits), 500):
        for email in Email.objects.filter(pk__in=hits[start:start + 500]):
            _scrub(email)
            done += 1
    return done


def erase_address(library_id, address: str, *, name: str = "") -> int:
    """Scrub the library's outbox rows sent to `address` or naming it (or the full `name`)."""
    address = (address or "").strip().lower()
    if not address:
        return 0
    match = (models.Q(to__icontains=address) | models.Q(cc__icontains=address) | models.Q(bcc__icontains=address)
             | models.Q(body_text__icontains=address) | models.Q(subject__icontains=address))
    if " " in name:  # a full name (one word alone would match strangers' emails too)
        match |= models.Q(body_text__icontains=name) | models.Q(subject__icontains=name)
    candidates = Email.objects.filter(library_id=library_id).filter(match)
    done = 0
    # Emails still waiting are left to their renderer: it drops those of an erased person
    # when it runs (sapa.mail.renderers), and keeps those of the same address for another
    # event they are still registered for.
    for email in candidates.exclude(state__in=(EmailState.QUEUED, EmailState.SENDING)):
        _scrub(email)
        done += 1
    return done


def purge_old_bodies(now=None) -> int:
    """Retention of the outbox: the bodies and attachments of emails that went out (or
    finished otherwise) more than SAPA_EMAIL_BODY_DAYS days ago are emptied; the row
    (to, subject, state, times) stays for staff to see what was sent."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SAPA_EMAIL_BODY_DAYS)
    old = (Email.objects.filter(state__in=FINAL_STATES, created_at__lt=cutoff)
           .exclude(body_text="", body_html="", attachments=[], render_args={}))
    return old.update(body_text="", body_html="", attachments=[], render_args={}, renderer="", headers={})
