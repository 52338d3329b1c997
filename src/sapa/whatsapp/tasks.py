"""Sending the outbox's WhatsApp messages: the jobs, and what they run (deliver one message, the sweep).

Direction: services import tasks (to queue a job after the commit); tasks never import services
(what delivering needs is in sapa.whatsapp.sending).
"""

import threading
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from sapa.social.crypto import CredentialsUnreadable
from sapa.whatsapp import connector
from sapa.whatsapp.models import Account, Message, State, WebhookDelivery
from sapa.whatsapp.sending import (
    SWEEP_GRACE,
    WEBHOOK_MAX_AGE,
    backoff,
    check_templates,
    fail,
    log,
    over_budget,
    render,
    set_state,
)


@db_task()
def deliver_message(message_id: int):
    return deliver(message_id)


@db_periodic_task(crontab(minute="*"))
def sweep_whatsapp():
    return sweep()


@db_task()
def sweep_whatsapp_once():
    return sweep()


_started = threading.Lock()
_startup_done = False


@HUEY.on_startup("sapa.whatsapp.sweep_after_start")
def _sweep_after_start():
    """A worker that starts may replace one that died while sending: once the lease has run
    out, sweep (instead of waiting for the next minute's)."""
    global _startup_done
    with _started:
        if _startup_done:
            return
        _startup_done = True
    sweep_whatsapp_once.schedule(delay=settings.SAPA_WHATSAPP_LEASE + 1)


@db_periodic_task(crontab(minute="17", hour="2"))
def check_templates_daily():
    """Record each library's template states for its WhatsApp page (see `sapa whatsapp_check`)."""
    for account in Account.objects.filter(is_active=True):
        try:
            check_templates(account)
        except connector.CloudError as exc:
            log.warning("whatsapp templates of library %s not checked: %s", account.library_id, exc)


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
        set_state(message, State.DROPPED, last_error="WhatsApp is not set up for this library")
        return State.DROPPED
    reason = render(message)
    if reason:
        set_state(message, State.DROPPED, last_error=reason)
        return State.DROPPED
    tomorrow = over_budget(message, account, now)
    if tomorrow is not None:
        set_state(message, State.QUEUED, attempts=F("attempts") - 1, claimed_at=None, next_attempt_at=tomorrow,
             last_error=_("Today's WhatsApp budget (%(n)s messages) is used up: sent tomorrow.")
             % {"n": account.daily_budget})
        return State.QUEUED
    try:
        client = connector.Client.for_account(account, http=http or connector.shared_http())
    except CredentialsUnreadable as exc:  # nothing left this machine
        return fail(message, "", str(exc))
    try:
        with client:
            accepted = client.send_template(to=message.to, template=message.template,
                                            language=message.language, parameters=message.parameters,
                                            key=message.key)
    except connector.Retryable as exc:
        if exc.ambiguous:
            set_state(message, State.UNCERTAIN, last_error=exc.message[:2000])
            return State.UNCERTAIN
        if message.attempts >= settings.SAPA_WHATSAPP_MAX_ATTEMPTS:
            return fail(message, exc.code, exc.message)
        delay = backoff(message.attempts, exc.retry_after)
        if set_state(message, State.QUEUED, last_error=exc.message[:2000], error_code=exc.code,
                next_attempt_at=now + delay):
            deliver_message.schedule((message.pk,), delay=max(int(delay.total_seconds()), 1))
        return State.QUEUED
    except connector.CloudError as exc:  # refused token, refused message
        return fail(message, exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - a bug after the request may have left: never resend
        log.exception("whatsapp message %s crashed while sending", message.pk)
        set_state(message, State.UNCERTAIN, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        return State.UNCERTAIN
    # The webhook may have been faster than this answer: only record the id then.
    if not set_state(message, State.ACCEPTED, wamid=accepted.message_id, sent_at=timezone.now(), last_error=""):
        Message.objects.filter(pk=message.pk, wamid="").update(wamid=accepted.message_id)
    return Message.objects.filter(pk=message.pk).values_list("state", flat=True).first()


def sweep(now=None) -> dict:
    """Every minute: rows left sending by a dead worker → check by hand; lost jobs queued again."""
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
