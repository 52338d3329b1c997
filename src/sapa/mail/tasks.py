"""Sending the outbox's emails: the jobs, and what they run (deliver one email, the sweep).

Direction: services import tasks (to queue a job after the commit); tasks never import services.
"""

import base64
import logging
import smtplib
import threading
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from sapa.core import workers
from sapa.mail import renderers
from sapa.mail.models import Email, EmailState

log = logging.getLogger(__name__)

# A message in SENDING this long without a worker's name (claimed before names were
# recorded) was abandoned.
STALE_SENDING = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
SWEEP_GRACE = timedelta(seconds=30)
# Longer than any send (EMAIL_TIMEOUT is 10 s): a row of ours "sending" this long is not.
OWN_STALE = timedelta(minutes=1)


# Errors of the mail server are handled inside; what escapes is the database failing a
# moment (restarting, read-only): try again shortly rather than at the next sweep.
@db_task(retries=5, retry_delay=5)
def deliver_email(email_id: int):
    return deliver(email_id)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox():
    return sweep()


@workers.recoverer
def resend_abandoned(gone):
    """At a worker's start and stop: emails a gone worker was sending, and (at start) due
    ones whose job the dead worker had taken off the queue."""
    resent = requeue_abandoned(gone)
    if gone is workers.dead:
        sweep(grace=timedelta(0))
    return resent


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=settings.MAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def message_id(email: Email) -> str:
    """The email's Message-ID: the same at every attempt, so a resent copy folds into the first."""
    domain = (email.from_email.rpartition("@")[2].strip(" >") or "sapa.invalid")[:100]
    return f"<sapa.{email.pk}.{int(email.created_at.timestamp())}@{domain}>"


def _build(email: Email, connection) -> EmailMultiAlternatives:
    headers = dict(email.headers or {})
    if not any(key.lower() == "message-id" for key in headers):
        headers["Message-ID"] = message_id(email)
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text, from_email=email.from_email,
        to=email.to, cc=email.cc or None, bcc=email.bcc or None,
        reply_to=email.reply_to or None, headers=headers,
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
    message = renderers.render(email.renderer, email.render_args)
    if message is None:
        return False
    fields = renderers.message_fields(message)
    for key, value in fields.items():
        setattr(email, key, value)
    email.renderer = ""
    email.save(update_fields=[*fields, "renderer"])
    return True


# Emails this process is sending right now. A row "sending" under this worker's name that is
# not in hand was left by an attempt of ours that failed half-way (the database went away
# between the claim and the result): it may be claimed again.
_in_hand: set[int] = set()
_in_hand_lock = threading.Lock()


def deliver(email_id: int) -> str:
    """Send one outbox email if it is due and nobody else is sending it.

    Returns the email's state afterwards ("skipped" when not claimed). Any
    retry is scheduled through the queue; the periodic sweep catches retries
    that a lost queue forgot.
    """
    with _in_hand_lock:
        if email_id in _in_hand:
            return "skipped"
        _in_hand.add(email_id)
    try:
        return _deliver(email_id)
    finally:
        with _in_hand_lock:
            _in_hand.discard(email_id)


def _deliver(email_id: int) -> str:
    now = timezone.now()
    claimed = Email.objects.filter(
        Q(state=EmailState.QUEUED, next_attempt_at__lte=now) | Q(state=EmailState.SENDING, claimed_by=workers.NAME),
        pk=email_id,
    ).update(state=EmailState.SENDING, attempts=F("attempts") + 1, claimed_at=now, claimed_by=workers.NAME)
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
        deliver_email.schedule((email.pk,), delay=int(delay.total_seconds()))
        return EmailState.QUEUED
    Email.objects.filter(pk=email.pk).update(state=EmailState.SENT, sent_at=timezone.now(), last_error="")
    return EmailState.SENT


def requeue_abandoned(gone, now=None) -> int:
    """Emails left "sending" by a worker that is gone (`gone(names)`, sapa.core.workers):
    queue them again (they keep their Message-ID)."""
    now = now or timezone.now()
    holders = set(Email.objects.filter(state=EmailState.SENDING).exclude(claimed_by="")
                  .values_list("claimed_by", flat=True).distinct())
    abandoned = Email.objects.filter(state=EmailState.SENDING, claimed_by__in=gone(holders)).values_list("pk", flat=True)
    unnamed = Email.objects.filter(state=EmailState.SENDING, claimed_by="",
                                   claimed_at__lt=now - STALE_SENDING).values_list("pk", flat=True)
    with _in_hand_lock:
        in_hand = set(_in_hand)
    # Ours, not being sent: an attempt that failed half-way (the database went away).
    own = [pk for pk in Email.objects.filter(state=EmailState.SENDING, claimed_by=workers.NAME,
                                             claimed_at__lt=now - OWN_STALE).values_list("pk", flat=True)
           if pk not in in_hand]
    pks = [*abandoned, *unnamed, *own]
    for pk in pks:
        if Email.objects.filter(pk=pk, state=EmailState.SENDING).update(
                state=EmailState.QUEUED, next_attempt_at=now, claimed_by="",
                last_error="The worker stopped while sending; sent again."):
            transaction.on_commit(lambda pk=pk: deliver_email(pk))
    return len(pks)


def sweep(now=None, grace=SWEEP_GRACE) -> dict:
    """Queue due emails whose job was lost, and again those a gone worker was sending."""
    now = now or timezone.now()
    resent = requeue_abandoned(workers.dead, now)
    due = list(
        # Grace period: a fresh email's own job is normally on its way.
        Email.objects.filter(state=EmailState.QUEUED, next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        deliver_email(pk)
    return {"queued": len(due), "resent": resent}
