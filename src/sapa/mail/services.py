"""Queueing email, once: what goes into the outbox (sending it: sapa.mail.tasks).

`send_templated()` and `enqueue_message()` write an outbox row and queue a job
after the transaction commits. The job (`tasks.deliver()`) claims the row with a
conditional UPDATE (so two workers never both send it), sends it, and records the
result. A failure of the mail server is retried with exponential backoff.

Every email here is transactional (a confirmation, a reminder, a join link, a
certificate, a staff invitation): a duplicate is harmless, a missing one is not.
A worker that dies (or is stopped) while sending leaves the row "sending" with
its name on it; once that worker is gone (sapa.core.workers) the row is queued
again and sent with the same Message-ID, so mail clients fold the duplicate.
"Never twice" stays where a duplicate is public: social posts (sapa.social).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, models, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation

from sapa.mail import renderers, tasks
from sapa.mail.models import Email, EmailState

log = logging.getLogger(__name__)



def _queue_after_commit(email_id: int) -> None:
    transaction.on_commit(lambda: tasks.deliver_email(email_id))


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


def enqueue_message(message, *, library=None, dedupe_key=None) -> Email | None:
    """Put a Django EmailMessage into the outbox."""
    return _create(library=library, dedupe_key=dedupe_key, **renderers.message_fields(message))


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


def retry_now(email: Email) -> None:
    """Staff action: send a failed (or, from before 2026-12, uncertain) email again, now."""
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
